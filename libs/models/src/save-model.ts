import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import { tfjs } from './tfjs';

/**
 * Saves a TF.js model as the TF.js converter lays one out — model.json and one weight shard —
 * which is what `hera models import` takes. TF.js's own `file://` saver comes with tfjs-node,
 * which cannot install everywhere; this one needs only the filesystem.
 */
export async function saveToDirectory(
  model: { save(handler: TF.io.IOHandler): Promise<unknown> },
  dir: string,
  shard = 'group1-shard1of1.bin',
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tfjs().io.withSaveHandler(async (a: TF.io.ModelArtifacts) => {
      writeFileSync(join(dir, shard), new Uint8Array(a.weightData as ArrayBuffer));
      const json = {
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: [shard], weights: a.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}
