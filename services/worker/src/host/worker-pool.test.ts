import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_ITEMS } from '@hera/batch';
import { buildRepository, loadTables, randomBatch, type ModelConfig } from '@hera/models';
import { WorkerPool, type Job } from './worker-pool';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('WorkerPool (one real inference thread, tiny ncf)', () => {
  const repo = mkdtempSync(join(tmpdir(), 'hera-pool-'));
  let pool: WorkerPool;
  let config: ModelConfig;

  before(async () => {
    [config] = (await buildRepository({ repo, scale: 0.001, only: ['ncf'] })) as [ModelConfig];
    const tables = await loadTables(repo, 'ncf', config.version);
    const idsPerItem = config.tables.reduce((s, t) => s + t.lookups, 0);
    let ready!: () => void;
    const isReady = new Promise<void>(r => (ready = r));
    pool = new WorkerPool(
      { repo, model: 'ncf', version: config.version, tables, maxItems: MAX_ITEMS, subBatch: 8, denseDim: config.denseDim, idsPerItem },
      64,
      false,
      e => e.type === 'ready' && ready(),
    );
    pool.resize(1);
    await isReady;
  });
  after(async () => {
    await pool?.drain(1_000);
    rmSync(repo, { recursive: true, force: true });
  });

  /** One job over a fresh copy of a random batch; resolves when scored. */
  function run(collected: FinalizationRegistry<string>, tag: string): Promise<unknown> {
    const b = randomBatch(config, 8, Number(tag.slice(1)));
    // The request's bytes live in one buffer, as a gRPC message's do.
    const bytes = new Uint8Array(b.dense.byteLength + b.ids.byteLength);
    bytes.set(new Uint8Array(b.dense.buffer, b.dense.byteOffset, b.dense.byteLength), 0);
    bytes.set(new Uint8Array(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength), b.dense.byteLength);
    collected.register(bytes.buffer, tag);
    return new Promise((resolve, reject) => {
      const job: Job = {
        count: 8,
        dense: bytes.subarray(0, b.dense.byteLength),
        ids: bytes.subarray(b.dense.byteLength),
        deadline: Infinity,
        enqueuedAt: performance.now(),
        cancelled: () => false,
        resolve,
        reject,
      };
      pool.submit(job);
    });
  }

  it('lets go of a request once a thread took it, so its buffer can be freed and reused', async () => {
    // A pool that kept taken jobs in its queue array kept up to 1024 requests' buffers alive:
    // the host's RSS grew by each request's size and every new one faulted in fresh pages.
    const freed = new Set<string>();
    const collected = new FinalizationRegistry<string>(tag => freed.add(tag));
    await Promise.all(['r1', 'r2', 'r3'].map(t => run(collected, t)));
    for (let i = 0; i < 20 && freed.size < 3; i++) {
      gc();
      await new Promise(r => setTimeout(r, 20));
    }
    assert.deepEqual([...freed].sort(), ['r1', 'r2', 'r3']);
    assert.equal(pool.queueDepth, 0);
  });
});
