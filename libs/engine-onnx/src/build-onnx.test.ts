import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHeraError } from '@hera/errors';
import { configFromSpec, ZOO_SPECS, type ModelConfig } from '@hera/model-schema';
import { buildRepository, readModelJson } from '@hera/models';
import { buildOnnx, buildOnnxRepository, ONNX_FILES } from './build-onnx';
import { IR_VERSION, modelProto, OPSET } from './onnx-schema';
import { onnxRuntime } from './runtime';

interface Decoded {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  graph: {
    input: { name: string }[];
    output: { name: string }[];
    initializer: {
      name: string;
      rawData?: Uint8Array;
      dataLocation?: number;
      externalData?: { key: string; value: string }[];
    }[];
  };
}

describe('buildOnnx', () => {
  let repo: string;
  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'hera-onnx-build-'));
    await buildRepository({ repo, scale: 1e-4, seed: 9, only: ['wnd'] });
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('writes ModelProtos that parse back with the ONNX schema, name their opset, hold the stored weight bytes and load in ONNX Runtime', async () => {
    const dir = join(repo, 'wnd', '1');
    const built = await buildOnnx(dir);
    assert.deepEqual(
      built.files.map(f => f.bag),
      ['graph', 'kernel'],
    );
    const json = await readModelJson(repo, 'wnd', '1');
    const shard = Buffer.concat(json.weightsManifest[0]!.paths.map(p => readFileSync(join(dir, p))));
    const M = modelProto();
    for (const bag of ['graph', 'kernel'] as const) {
      const m = M.toObject(M.decode(readFileSync(join(dir, ONNX_FILES[bag]))), { longs: Number }) as Decoded;
      assert.equal(m.irVersion, IR_VERSION);
      assert.deepEqual(
        m.opsetImport.map(o => [o.domain ?? '', o.version]),
        [['', OPSET]],
      );
      assert.deepEqual(
        m.graph.output.map(o => o.name),
        ['score'],
      );
      assert.deepEqual(
        m.graph.input.map(i => i.name),
        bag === 'graph' ? ['dense', 'sparse'] : ['dense', 'pooled'],
      );
      // Every stored weight, bit for bit: the shard holds them back to back in manifest order.
      let off = 0;
      for (const w of json.weightsManifest[0]!.weights) {
        const n = 4 * w.shape.reduce((a, b) => a * b, 1);
        const init = m.graph.initializer.find(i => i.name === w.name);
        assert.ok(init?.rawData, `${bag}: no initializer ${w.name}`);
        assert.ok(
          Buffer.from(init.rawData).equals(shard.subarray(off, off + n)),
          `${bag}: ${w.name} differs from the shard`,
        );
        off += n;
      }
      assert.equal(off, shard.byteLength);
      const tables = m.graph.initializer.filter(i => i.dataLocation === 1);
      if (bag === 'graph') {
        // Tables are external data: their own shard files, not copies inside the graph.
        assert.equal(tables.length, json.embeddingTables.length);
        assert.deepEqual(
          tables[0]!.externalData!.find(e => e.key === 'location')?.value,
          json.embeddingTables[0]!.paths[0],
        );
      } else assert.equal(tables.length, 0);
    }
    // model.onnx loads by itself from the version directory (its tables read from the shards).
    const ort = onnxRuntime();
    for (const bag of ['graph', 'kernel'] as const) {
      const s = await ort.InferenceSession.create(join(dir, ONNX_FILES[bag]));
      assert.deepEqual(s.outputNames, ['score']);
      await s.release();
    }
  });
});

describe('buildOnnxRepository', () => {
  it('refuses an imported TF.js model by name (ONNX builds cover the zoo), before touching the repository', async () => {
    const imported: ModelConfig = {
      ...configFromSpec(ZOO_SPECS.ncf, { scale: 1e-4, seed: 1, version: '1' }),
      name: 'mine',
      family: 'imported',
      arch: { family: 'imported', kind: 'layers-model', sparse: [], score: 'score' },
    };
    await assert.rejects(
      buildOnnxRepository(join(tmpdir(), 'hera-no-such-repo'), [imported]),
      (e: unknown) =>
        isHeraError(e, 'PRECONDITION') &&
        /model mine is an imported TF\.js layers-model: the ONNX build covers the zoo's models only/.test(String(e)),
    );
  });
});
