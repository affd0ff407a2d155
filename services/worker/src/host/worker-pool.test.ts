import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  dequantize,
  encodeFp16,
  encodeInt8,
  floatToHalf,
  halfToFloat,
  MAX_ITEMS,
  randomBatch,
  type DenseEncoding,
  type ModelConfig,
} from '@hera/model-schema';
import { buildRepository, loadModel, loadTables, selectBackend, type Model } from '@hera/models';
import { MemoryBudget } from './memory-budget';
import { WorkerPool, type Job } from './worker-pool';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('WorkerPool (one real inference thread, tiny ncf)', () => {
  const repo = mkdtempSync(join(tmpdir(), 'hera-pool-'));
  let pool: WorkerPool;
  let config: ModelConfig;
  let engine: Model;

  before(async () => {
    [config] = (await buildRepository({ repo, scale: 0.001, only: ['ncf'] })) as [ModelConfig];
    const tables = await loadTables(repo, 'ncf', config.version);
    await selectBackend();
    engine = await loadModel(repo, 'ncf', { version: config.version, tables });
    const idsPerItem = config.idsPerItem;
    let ready!: () => void;
    const isReady = new Promise<void>(r => (ready = r));
    // No timed warm-up: these tests check behaviour, not speed.
    pool = new WorkerPool(
      {
        repo,
        model: 'ncf',
        version: config.version,
        tables,
        maxItems: MAX_ITEMS,
        subBatch: 8,
        warmupMs: 0,
        denseDim: config.denseDim,
        idsPerItem,
      },
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

  /**
   * One job of `count` random items whose bytes live in one buffer at `at` bytes in,
   * as a gRPC message's fields do (any alignment); resolves with the scores.
   */
  function run(
    count: number,
    seed: number,
    at = 0,
    collected?: FinalizationRegistry<string>,
  ): Promise<{ scores: Buffer; expected: Float32Array }> {
    const b = randomBatch(config, count, seed);
    const bytes = new Uint8Array(at + b.dense.byteLength + b.ids.byteLength);
    bytes.set(new Uint8Array(b.dense.buffer, b.dense.byteOffset, b.dense.byteLength), at);
    bytes.set(new Uint8Array(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength), at + b.dense.byteLength);
    collected?.register(bytes.buffer, `r${seed}`);
    const expected = engine.score(b);
    return new Promise((resolve, reject) => {
      const job: Job = {
        count,
        dense: bytes.subarray(at, at + b.dense.byteLength),
        ids: bytes.subarray(at + b.dense.byteLength),
        deadline: Infinity,
        enqueuedAt: performance.now(),
        cancelled: () => false,
        resolve: r => resolve({ scores: r.scores, expected }),
        reject,
      };
      pool.submit(job);
    });
  }

  it('scores requests whose bytes sit at any alignment as the engine does', async () => {
    // 512 items of ncf are 8 KB of ids: large enough for the staged copy of a misaligned source.
    for (const at of [0, 1, 3, 4]) {
      const { scores, expected } = await run(512, 10 + at, at);
      assert.deepEqual(new Float32Array(scores.buffer, scores.byteOffset, 512), expected, `bytes at offset ${at}`);
    }
  });

  it('refuses an id out of range in the thread, naming the field as the gateway does', async () => {
    // The host's one value check (the engine no longer checks again): the thread validates what it was given.
    // (ncf takes no dense features; the NaN rule is the same function, tested in @hera/model-schema.)
    const submit = (dense: Float32Array, ids: Int32Array) =>
      new Promise<string>(resolve =>
        pool.submit({
          count: 2,
          dense: new Uint8Array(dense.buffer),
          ids: new Uint8Array(ids.buffer),
          deadline: Infinity,
          enqueuedAt: performance.now(),
          cancelled: () => false,
          resolve: () => resolve('OK'),
          reject: err => resolve(`${err.code}: ${err.message}`),
        }),
      );
    const b = randomBatch(config, 2, 9);
    assert.equal(await submit(b.dense.slice(), b.ids.slice()), 'OK');
    const ids = b.ids.slice();
    ids[config.idsPerItem + config.tables[0]!.lookups] = config.tables[1]!.rows; // item 1, first id of table 1
    assert.equal(
      await submit(b.dense.slice(), ids),
      `INVALID_ARGUMENT: items.sparse: item 1 table ${config.tables[1]!.name} id ${config.tables[1]!.rows} is out of range [0, ${config.tables[1]!.rows})`,
    );
  });

  it("counts a request's bytes in flight while a thread runs it, and not after", async () => {
    const done = run(512, 77);
    const idsPerItem = config.idsPerItem;
    assert.equal(pool.inFlightBytes, 512 * (config.denseDim + idsPerItem) * 4, 'running, not queued: still held');
    await done;
    assert.equal(pool.inFlightBytes, 0);
  });

  it('lets go of a request once a thread took it, so its buffer can be freed and reused', async () => {
    // A pool that kept taken jobs in its queue array kept up to 1024 requests' buffers alive:
    // the host's RSS grew by each request's size and every new one faulted in fresh pages.
    const freed = new Set<string>();
    const collected = new FinalizationRegistry<string>(tag => freed.add(tag));
    await Promise.all([1, 2, 3].map(seed => run(8, seed, 0, collected)));
    for (let i = 0; i < 20 && freed.size < 3; i++) {
      gc();
      await new Promise(r => setTimeout(r, 20));
    }
    assert.deepEqual([...freed].sort(), ['r1', 'r2', 'r3']);
    assert.equal(pool.queueDepth, 0);
  });
});

describe('WorkerPool queue bounds (no threads: jobs stay queued)', () => {
  const job = (bytes: number, rejected: string[]): Job => ({
    count: 1,
    dense: new Uint8Array(bytes),
    ids: new Uint8Array(0),
    deadline: Infinity,
    enqueuedAt: performance.now(),
    cancelled: () => false,
    resolve: () => undefined,
    reject: e => rejected.push(e.message),
  });

  it('refuses a request that would queue more bytes than its bound, and always admits into an empty queue', async () => {
    const init = {
      repo: '',
      model: 'm',
      version: '1',
      tables: [],
      maxItems: 1,
      subBatch: 1,
      warmupMs: 0,
      denseDim: 1,
      idsPerItem: 1,
    } as unknown as ConstructorParameters<typeof WorkerPool>[0];
    const pool = new WorkerPool(init, 100, false, () => undefined, 1000);
    const rejected: string[] = [];
    pool.submit(job(1500, rejected)); // over the bound alone, but the queue was empty
    assert.throws(() => pool.submit(job(10, rejected)), /queue full \(0\.0 MiB of requests waiting, limit 0 MiB\)/);
    assert.equal(pool.queueDepth, 1);
    await pool.drain(10);
    assert.equal(rejected.length, 1, 'the queued job is answered when the pool stops');
    const roomy = new WorkerPool(init, 100, false, () => undefined, 1000);
    roomy.submit(job(400, rejected), job(400, rejected));
    assert.throws(() => roomy.submit(job(300, rejected)), /OVERLOADED|queue full/);
    roomy.submit(job(100, rejected));
    assert.equal(roomy.queueDepth, 3);
    await roomy.drain(10);
  });

  it('refuses what would pass the memory bound, names it, and collects the garbage refused requests leave', async () => {
    const init = {
      repo: '',
      model: 'm',
      version: '1',
      tables: [],
      maxItems: 1,
      subBatch: 1,
      warmupMs: 0,
      denseDim: 1,
      idsPerItem: 1,
    } as unknown as ConstructorParameters<typeof WorkerPool>[0];
    // A 100 MiB limit and a base that leave 4,000 bytes for requests: 1,000 of them in
    // flight (half the room, two bytes held per request byte).
    const MiB = 1024 * 1024;
    let collected = 0;
    // Buffers held: as if every request received stayed around (none collected by V8).
    let held = 0;
    const memory = new MemoryBudget(() => ({ limitBytes: 100 * MiB, usedBytes: 95 * MiB - 16 * MiB - 4_000 }), {
      buffers: () => held,
      collect: () => ((held = 0), collected++),
    });
    const pool = new WorkerPool(init, 100, false, () => undefined, Infinity, memory);
    pool.resize(0); // measures the base; no threads, so jobs stay queued
    assert.equal(pool.memoryBound(), 1_000);
    const rejected: string[] = [];
    const submit = (bytes: number) => {
      held += bytes;
      pool.submit(job(bytes, rejected));
    };
    submit(600);
    submit(300);
    assert.equal(pool.inFlightBytes, 900);
    assert.throws(
      () => submit(200),
      (e: Error & { code?: string }) =>
        e.code === 'OVERLOADED' &&
        /^memory bound: 1 KiB of requests in flight \(queued and running\) \+ 1 KiB would pass 1 KiB, what the tenant's 100\.0 MiB memory limit leaves after 79\.0 MiB for the model and 0 KiB for 0 inference threads$/.test(
          e.message,
        ),
    );
    assert.equal(pool.queueDepth, 2);
    // Refused requests were received all the same: their bytes are garbage to collect.
    assert.equal(collected, 0);
    for (let i = 0; i < 5; i++) assert.throws(() => submit(MiB), /memory bound/);
    assert.equal(collected, 1, 'a collection once more than 4 MiB of garbage was held (the least garbage allowed)');
    await pool.drain(10);
  });
});

describe('WorkerPool standby threads (real inference threads, tiny ncf)', () => {
  const repo = mkdtempSync(join(tmpdir(), 'hera-pool-standby-'));
  let pool: WorkerPool | undefined;
  after(async () => {
    await pool?.drain(1_000);
    rmSync(repo, { recursive: true, force: true });
  });

  it('keeps one thread warm without work, grows onto it at once, and parks it again on a shrink', async () => {
    const [config] = (await buildRepository({ repo, scale: 0.001, only: ['ncf'] })) as [ModelConfig];
    const tables = await loadTables(repo, 'ncf', config.version);
    const idsPerItem = config.idsPerItem;
    let readyEvents = 0;
    const waiters: (() => void)[] = [];
    const readyCount = (n: number) =>
      new Promise<void>(r => (readyEvents >= n ? r() : waiters.push(() => readyEvents >= n && r())));
    pool = new WorkerPool(
      {
        repo,
        model: 'ncf',
        version: config.version,
        tables,
        maxItems: MAX_ITEMS,
        subBatch: 8,
        warmupMs: 0,
        denseDim: config.denseDim,
        idsPerItem,
      },
      64,
      false,
      e => {
        if (e.type !== 'ready') return;
        readyEvents++;
        for (const w of waiters) w();
      },
      Infinity,
      undefined,
      1,
    );
    pool.resize(1);
    // The first thread, then the standby started once it was ready.
    await readyCount(2);
    assert.deepEqual([pool.readyWorkers, pool.parkedWorkers], [1, 1]);

    pool.resize(2);
    assert.deepEqual([pool.readyWorkers, pool.parkedWorkers], [2, 0], 'the standby takes work at once, no warm-up');
    const b = randomBatch(config, 64, 5);
    const scores = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<Buffer>((resolve, reject) =>
            pool!.submit({
              count: 64,
              dense: new Uint8Array(b.dense.buffer, b.dense.byteOffset, b.dense.byteLength),
              ids: new Uint8Array(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength),
              deadline: Infinity,
              enqueuedAt: performance.now(),
              cancelled: () => false,
              resolve: r => resolve(r.scores),
              reject,
            }),
          ),
      ),
    );
    for (const s of scores) assert.deepEqual(s, scores[0]);

    pool.resize(1);
    assert.deepEqual([pool.readyWorkers, pool.parkedWorkers], [1, 1], 'the surplus thread is parked, not ended');
    pool.resize(2);
    assert.deepEqual([pool.readyWorkers, pool.parkedWorkers], [2, 0]);
    assert.equal(readyEvents, 2, 'no thread was started for either grow');
    // Past the standby, a new thread is started (and warms up before it takes work).
    pool.resize(3);
    await readyCount(3);
    assert.deepEqual([pool.readyWorkers, pool.parkedWorkers], [3, 0]);
  });
});

describe('WorkerPool: dense features in FP16 and INT8 (real inference threads, tiny wnd)', () => {
  const repo = mkdtempSync(join(tmpdir(), 'hera-pool-dense-'));
  const pools: WorkerPool[] = [];
  let engine: Model;
  let config: ModelConfig;
  // Per feature: every feature its own scale and zero point, so a widening that mixed features up shows.
  const quant = {
    scale: Array.from({ length: 512 }, (_, f) => 2 ** -7 * (1 + (f % 5))),
    zeroPoint: Array.from({ length: 512 }, (_, f) => (f % 9) - 4),
  };

  async function startPool(dense: DenseEncoding): Promise<WorkerPool> {
    [config] = (await buildRepository({ repo, scale: 0.001, only: ['wnd'], dense })) as [ModelConfig];
    const tables = await loadTables(repo, 'wnd', config.version);
    let ready!: () => void;
    const isReady = new Promise<void>(r => (ready = r));
    const pool = new WorkerPool(
      {
        repo,
        model: 'wnd',
        version: config.version,
        tables,
        maxItems: MAX_ITEMS,
        subBatch: 64,
        warmupMs: 0,
        denseDim: config.denseDim,
        idsPerItem: config.idsPerItem,
      },
      64,
      false,
      e => e.type === 'ready' && ready(),
    );
    pools.push(pool);
    pool.resize(1);
    await isReady;
    return pool;
  }

  /** Scores `wire` dense bytes (placed `at` bytes into a buffer, as a gRPC message may) with ids. */
  function submit(pool: WorkerPool, count: number, wire: Uint8Array, ids: Int32Array, at: number): Promise<Buffer> {
    const bytes = new Uint8Array(at + wire.byteLength + ids.byteLength);
    bytes.set(wire, at);
    bytes.set(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength), at + wire.byteLength);
    return new Promise((resolve, reject) =>
      pool.submit({
        count,
        dense: bytes.subarray(at, at + wire.byteLength),
        ids: bytes.subarray(at + wire.byteLength),
        deadline: Infinity,
        enqueuedAt: performance.now(),
        cancelled: () => false,
        resolve: r => resolve(r.scores),
        reject,
      }),
    );
  }

  before(async () => {
    await selectBackend();
    [config] = (await buildRepository({ repo, scale: 0.001, only: ['wnd'] })) as [ModelConfig];
    engine = await loadModel(repo, 'wnd', { version: config.version, tables: await loadTables(repo, 'wnd') });
  });
  after(async () => {
    for (const p of pools) await p.drain(1_000);
    engine?.dispose();
    rmSync(repo, { recursive: true, force: true });
  });

  it('FP16: the same scores as the same values in FP32, at any alignment', async () => {
    const pool = await startPool({ denseDatatype: 'FP16' });
    for (const at of [0, 1, 2, 3]) {
      const b = randomBatch(config, 100, 30 + at);
      for (let i = 0; i < b.dense.length; i++) b.dense[i] = halfToFloat(floatToHalf(b.dense[i]!));
      b.dense[7] = -0;
      b.dense[8] = 2 ** -20; // a subnormal half
      const scores = await submit(pool, 100, encodeFp16(b.dense), b.ids, at);
      assert.deepEqual(new Float32Array(scores.buffer, scores.byteOffset, 100), engine.score(b), `at ${at}`);
    }
  });

  it('INT8 per feature: the same scores as the dequantised values in FP32', async () => {
    const pool = await startPool({ denseDatatype: 'INT8', denseQuant: quant });
    for (const at of [0, 3]) {
      const b = randomBatch(config, 100, 40 + at);
      const wire = encodeInt8(b.dense, 512, quant);
      const q = new Int8Array(wire.buffer, wire.byteOffset, wire.byteLength);
      for (let i = 0; i < q.length; i++) b.dense[i] = dequantize(q[i]!, i % 512, quant);
      const scores = await submit(pool, 100, wire, b.ids, at);
      assert.deepEqual(new Float32Array(scores.buffer, scores.byteOffset, 100), engine.score(b), `at ${at}`);
    }
  });
});
