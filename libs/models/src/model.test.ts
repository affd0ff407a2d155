import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isHeraError } from '@hera/errors';
import { backendInfo, selectBackend, type BackendName } from './backend';
import { buildRepository } from './build-repository';
import { loadModel } from './model';
import { loadTables } from './shared-tables';
import { randomBatch, validateBatch, ZOO_MODELS, type Batch, type ValidBatch } from '@hera/model-schema';

function available(): BackendName[] {
  const out: BackendName[] = ['wasm', 'cpu'];
  try {
    // Loads, not just resolves: installed with its install script skipped, the package is
    // there without its native binding.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    out.unshift('tensorflow');
  } catch {
    // Not installed here, or without libtensorflow (its install downloads it): wasm and cpu only.
  }
  return out;
}

function invalid(field: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(isHeraError(err, 'INVALID_ARGUMENT'), String(err));
    assert.ok(err.message.startsWith(`${field}: `), err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('inference engine', () => {
  let repo: string;
  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'hera-model-test-'));
    await buildRepository({ repo, scale: 1e-4, seed: 3 });
    assert.equal(await selectBackend('wasm'), 'wasm');
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  describe('selectBackend', () => {
    it('reports the backend in use, with SIMD on wasm', async () => {
      assert.equal(await selectBackend('wasm'), 'wasm');
      assert.deepEqual([backendInfo()?.name, backendInfo()?.simd], ['wasm', true]);
    });

    it('honours HERA_BACKEND and refuses unknown or unavailable backends', async () => {
      const saved = process.env.HERA_BACKEND;
      try {
        process.env.HERA_BACKEND = 'cpu';
        assert.equal(await selectBackend(), 'cpu');
        assert.equal(tf.getBackend(), 'cpu');
        process.env.HERA_BACKEND = 'gpu';
        await assert.rejects(
          selectBackend(),
          (e: unknown) => isHeraError(e, 'INVALID_ARGUMENT') && /gpu/.test(e.message),
        );
      } finally {
        if (saved === undefined) delete process.env.HERA_BACKEND;
        else process.env.HERA_BACKEND = saved;
      }
      if (!available().includes('tensorflow')) {
        await assert.rejects(
          selectBackend('tensorflow'),
          (e: unknown) => isHeraError(e, 'UNAVAILABLE') && /tensorflow/.test(e.message),
        );
      }
      assert.equal(await selectBackend('wasm'), 'wasm');
    });
  });

  for (const name of ZOO_MODELS) {
    it(`${name}: scores a batch with one finite value in [0, 1] per item, deterministically`, async () => {
      const model = await loadModel(repo, name);
      try {
        assert.equal(model.backend, 'wasm');
        const batch = randomBatch(model.config, 19, 11);
        const s = model.score(batch);
        assert.ok(s instanceof Float32Array);
        assert.equal(s.length, 19);
        for (const x of s) assert.ok(Number.isFinite(x) && x >= 0 && x <= 1, `${name}: score ${x}`);
        assert.ok(new Set(s).size > 1, `${name}: scores should depend on the inputs`);
        assert.deepEqual(model.score(batch), s);
        // Items are scored independently of the rest of the batch.
        const one = model.score(
          validateBatch(model.config, {
            count: 1,
            dense: batch.dense.subarray(0, model.config.denseDim),
            ids: batch.ids.subarray(0, model.config.idsPerItem),
          }),
        );
        assert.ok(Math.abs(one[0]! - s[0]!) < 1e-5, `${name}: ${one[0]} alone vs ${s[0]} in a batch`);
        assert.equal(
          model.score(validateBatch(model.config, { count: 0, dense: new Float32Array(0), ids: new Int32Array(0) }))
            .length,
          0,
        );
        // Views into a larger buffer (as decoded from a request) score the same.
        const wire = new ArrayBuffer(64 + batch.dense.byteLength + batch.ids.byteLength);
        const dense = new Float32Array(wire, 64, batch.dense.length);
        const ids = new Int32Array(wire, 64 + batch.dense.byteLength, batch.ids.length);
        dense.set(batch.dense);
        ids.set(batch.ids);
        assert.deepEqual(model.score(validateBatch(model.config, { count: 19, dense, ids })), s);
      } finally {
        model.dispose();
      }
    });
  }

  it('gives the same scores on every available backend within 1e-4', async () => {
    const backends = available();
    const scores = new Map<string, Float32Array>();
    try {
      for (const backend of backends) {
        assert.equal(await selectBackend(backend), backend);
        for (const name of ZOO_MODELS) {
          const model = await loadModel(repo, name);
          assert.equal(model.backend, backend);
          const s = model.score(randomBatch(model.config, 9, 5));
          model.dispose();
          const ref = scores.get(name);
          if (!ref) {
            scores.set(name, s);
            continue;
          }
          const worst = Math.max(...s.map((x, i) => Math.abs(x - ref[i]!)));
          assert.ok(worst < 1e-4, `${name}: ${backend} differs from ${backends[0]} by ${worst}`);
        }
      }
    } finally {
      await selectBackend('wasm');
    }
    assert.equal(scores.size, ZOO_MODELS.length);
  });

  it('rejects malformed batches with INVALID_ARGUMENT naming the field', async () => {
    const model = await loadModel(repo, 'rmc1');
    try {
      const good = randomBatch(model.config, 4, 1);
      const { denseDim, idsPerItem } = model.config;
      // Validated where a batch enters the process, as the host does; the texts are the wire's (@hera/model-schema).
      const score = (b: Batch) => model.score(validateBatch(model.config, b));
      assert.throws(
        () => score({ ...good, dense: good.dense.subarray(1) }),
        invalid('items.dense', /expected 2048 bytes \(4 items × 128 float32\), got 2044/),
      );
      assert.throws(() => score({ ...good, count: 5 }), invalid('items.dense', /\(5 items × 128 float32\)/));
      assert.throws(
        () => score({ ...good, ids: good.ids.subarray(0, 3 * idsPerItem) }),
        invalid('items.sparse', /expected 10240 bytes \(4 items × 640 int32 ids\), got 7680/),
      );
      assert.throws(() => score({ ...good, count: -1 }), invalid('items.item_count', /must be ≥ 0, got -1/));
      assert.throws(
        () => score({ ...good, ids: new Float32Array(good.ids) as unknown as Int32Array }),
        invalid('items.sparse', /Int32Array/),
      );
      const nan = good.dense.slice();
      nan[2 * denseDim + 5] = Number.NaN;
      assert.throws(() => score({ ...good, dense: nan }), invalid('items.dense', /item 2 feature 5 is NaN/));
      nan[2 * denseDim + 5] = Number.POSITIVE_INFINITY;
      assert.throws(() => score({ ...good, dense: nan }), invalid('items.dense', /item 2 feature 5 is Infinity/));
      const ids = good.ids.slice();
      ids[3 * idsPerItem + 2 * 80 + 7] = 400; // item 3, table t02 has rows 0..399
      assert.throws(
        () => score({ ...good, ids }),
        invalid('items.sparse', /item 3 table t02 id 400 is out of range \[0, 400\)/),
      );
      // Handed an unchecked batch, the engine still never reads outside a table.
      assert.throws(
        () => model.score({ ...good, ids } as ValidBatch),
        invalid('items.sparse', /id 400 is out of range for table t02 \(rows 0\.\.399\) at item 3/),
      );
      ids[3 * idsPerItem + 2 * 80 + 7] = -3;
      assert.throws(() => score({ ...good, ids }), invalid('items.sparse', /item 3 table t02 id -3 is out of range/));
      // Still serves good batches afterwards.
      assert.equal(model.score(good).length, 4);
    } finally {
      model.dispose();
    }
    await assert.rejects(loadModel(repo, 'missing'), (e: unknown) => isHeraError(e, 'NOT_FOUND'));
    const other = await loadTables(repo, 'ncf');
    await assert.rejects(
      loadModel(repo, 'rmc1', { tables: other }),
      (e: unknown) => isHeraError(e, 'INVALID_ARGUMENT') && /tables are for ncf/.test(e.message),
    );
  });

  it('leaks no tensors over 1k calls, errors included', async () => {
    const atStart = tf.memory().numTensors;
    const models = await Promise.all(ZOO_MODELS.map(n => loadModel(repo, n)));
    try {
      const batches = models.map((m, i) => randomBatch(m.config, 8, i));
      models.forEach((m, i) => m.score(batches[i]!));
      const before = tf.memory().numTensors;
      const bytes = tf.memory().numBytes;
      for (let k = 0; k < 1000; k++) {
        const i = k % models.length;
        models[i]!.score(batches[i]!);
        if (k % 100 === 0) assert.throws(() => models[i]!.score({ ...batches[i]!, count: 9 } as ValidBatch));
      }
      assert.equal(tf.memory().numTensors, before);
      assert.equal(tf.memory().numBytes, bytes);
    } finally {
      // Disposing frees every tensor the models made (weights and what is derived from them).
      models.forEach(m => m.dispose());
      assert.equal(tf.memory().numTensors, atStart);
    }
  });
});
