import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { HeraError } from '@hera/errors';
import { requireZoo, weightLayout, type ModelConfig } from '@hera/model-schema';
import { readModelJson, setModelEngine, versionDir } from '@hera/models';
import { OPSET } from './onnx-schema';
import { zooGraph, type BagPlacement, type RawWeight } from './zoo-graph';

/** File of each bag placement in a version directory, beside model.json. */
export const ONNX_FILES: Readonly<Record<BagPlacement, string>> = { graph: 'model.onnx', kernel: 'model-dense.onnx' };

export interface BuildOnnxOptions {
  /** Which graphs to write (default both: the engine picks one per model, see DEFAULT_BAG). */
  bags?: readonly BagPlacement[];
}

export interface BuiltOnnx {
  config: ModelConfig;
  opset: number;
  /** Absolute path of each graph written, with its size in bytes. */
  files: { bag: BagPlacement; path: string; bytes: number }[];
}

/** A version directory's parts: <repo>/<model>/<version>. */
export function splitVersionDir(dir: string): { repo: string; name: string; version: string } {
  const abs = resolve(dir);
  return { repo: dirname(dirname(abs)), name: basename(dirname(abs)), version: basename(abs) };
}

/**
 * The dense weights of a built version by name, bytes exactly as stored in its TF.js weight
 * shards, checked name by name and shape by shape against the architecture (as the TF.js loader
 * checks them).
 */
export async function readRawWeights(
  dir: string,
  config: ModelConfig,
  manifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[],
): Promise<Map<string, RawWeight>> {
  const out = new Map<string, RawWeight>();
  for (const group of manifest) {
    const shards = await Promise.all(group.paths.map(p => fsp.readFile(join(dir, p))));
    const all = Buffer.concat(shards);
    let off = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32')
        throw new HeraError('INTERNAL', `model ${config.name}: weight ${spec.name} is ${spec.dtype}, not float32`);
      const bytes = 4 * spec.shape.reduce((a, b) => a * b, 1);
      if (off + bytes > all.byteLength)
        throw new HeraError('INTERNAL', `model ${config.name}: weight shards end inside ${spec.name}`);
      out.set(spec.name, { shape: spec.shape, bytes: all.subarray(off, off + bytes) });
      off += bytes;
    }
  }
  const problems: string[] = [];
  for (const e of weightLayout(requireZoo(config, 'the ONNX build'))) {
    const got = out.get(e.name);
    if (!got) problems.push(`missing ${e.name}`);
    else if (got.shape.join('x') !== e.shape.join('x'))
      problems.push(`${e.name} is ${got.shape.join('x')}, expected ${e.shape.join('x')}`);
  }
  if (problems.length)
    throw new HeraError(
      'INTERNAL',
      `model ${config.name} version ${config.version}: weights do not match the architecture: ${problems.join('; ')}`,
    );
  return out;
}

/**
 * Writes ONNX graphs of a built repository version (<repo>/<model>/<version>, as libs/models'
 * buildRepository writes it) into that directory: `model.onnx` (embedding bag in the graph) and
 * `model-dense.onnx` (dense part only, fed the pooled embeddings). Same architecture as the TF.js
 * forward pass, same weight bytes; the tables stay in their shards (external data of model.onnx).
 */
export async function buildOnnx(versionDir: string, opts: BuildOnnxOptions = {}): Promise<BuiltOnnx> {
  const { repo, name, version } = splitVersionDir(versionDir);
  const json = await readModelJson(repo, name, version);
  const config = { ...json.modelTopology, sizeBytes: 0 } as ModelConfig;
  const dir = resolve(versionDir);
  const weights = await readRawWeights(dir, config, json.weightsManifest);
  const files: BuiltOnnx['files'] = [];
  for (const bag of opts.bags ?? (['graph', 'kernel'] as const)) {
    const bytes = zooGraph(config, weights, bag, json.embeddingTables).encode(
      `${config.name} version ${config.version} (${config.title}), embedding bag ${bag === 'graph' ? 'in the graph' : 'outside (input "pooled")'}; from ${json.generatedBy}, seed ${config.seed}, scale ${config.scale}`,
    );
    const path = join(dir, ONNX_FILES[bag]);
    // Written beside and renamed, so a loader never reads half a file.
    const tmp = `${path}.tmp-${process.pid}`;
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, path);
    files.push({ bag, path, bytes: bytes.byteLength });
  }
  return { config, opset: OPSET, files };
}

/**
 * What `hera models build --format onnx` does after the TF.js build: for each built (current)
 * version, the ONNX graphs beside it, then its config.json names onnx as the engine, so tenant
 * hosts serve it on ONNX Runtime. Returns the updated configs, in order.
 */
export async function buildOnnxRepository(
  repo: string,
  configs: readonly ModelConfig[],
): Promise<{ config: ModelConfig; built: BuiltOnnx }[]> {
  const out: { config: ModelConfig; built: BuiltOnnx }[] = [];
  for (const c of configs) {
    requireZoo(c, 'the ONNX build');
    const built = await buildOnnx(versionDir(repo, c.name, c.version));
    out.push({ config: await setModelEngine(repo, c.name, c.version, 'onnx'), built });
  }
  return out;
}
