/**
 * Shared embedding tables across real worker threads: one copy of a model's tables per process,
 * however many workers score with it. A worker thread costs ~20-30 MB of its own (V8 isolate,
 * TF.js code, WebAssembly heap) whatever the tables, so the tables must be large for "adds less
 * than 10% of the table bytes" to be about the tables: rmc1 at scale 0.2 has 819 MB. That makes
 * this an integration test (~15 s here, where first-touch page faults are slow; ~2 GB of memory at its peak, temporary files under tmpdir).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { buildRepository } from './build-repository';
import { loadTables, type SharedTables } from './shared-tables';

/** A worker thread as the worker service runs one: select a backend, load the model, score. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const m = require(${JSON.stringify(join(__dirname, 'index.js'))});
const { randomBatch } = require(${JSON.stringify(require.resolve('@hera/model-schema'))});
(async () => {
  await m.selectBackend('wasm');
  const model = await m.loadModel(workerData.repo, workerData.name, workerData.tables ? { tables: workerData.tables } : {});
  // Score a few batches over and over: every table is read, and the young generation does not
  // fill with fresh batches between measurements (its up to ~16 MB per isolate is not table memory).
  const batches = [0, 1, 2, 3].map(i => randomBatch(model.config, 64, workerData.seed + i));
  for (let i = 0; i < 200; i++) model.score(batches[i % batches.length]);
  parentPort.postMessage({ shared: model.tables.tables.every(t => t.data.buffer instanceof SharedArrayBuffer) });
  parentPort.on('message', msg => {
    if (msg.poke) { model.tables.tables[0].data[msg.poke.index] = msg.poke.value; parentPort.postMessage('poked'); }
  });
})().catch(err => { throw err; });
`;

function startWorker(repo: string, seed: number, tables?: SharedTables): Promise<{ worker: Worker; shared: boolean }> {
  const worker = new Worker(WORKER, { eval: true, workerData: { repo, name: 'rmc1', tables, seed } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { shared: boolean }) => resolve({ worker, shared: m.shared }));
    worker.once('error', reject);
  });
}

async function rss(): Promise<number> {
  await sleep(300); // let worker heaps settle after their last call
  return process.memoryUsage().rss;
}

describe('shared tables across worker threads', () => {
  let repo: string;
  const workers: Worker[] = [];
  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'hera-shared-test-'));
    await buildRepository({ repo, scale: 0.2, only: ['rmc1'], seed: 1 });
  });
  after(async () => {
    await Promise.all(workers.map(w => w.terminate()));
    rmSync(repo, { recursive: true, force: true });
  });

  it('a second worker adds < 10% of the table bytes; a worker with its own copy adds them all', async t => {
    const tables = await loadTables(repo, 'rmc1');
    assert.equal(tables.bytes, 8 * 800_000 * 32 * 4);
    const one = await startWorker(repo, 1, tables);
    workers.push(one.worker);
    assert.ok(one.shared);
    const rss1 = await rss();
    const two = await startWorker(repo, 100, tables);
    workers.push(two.worker);
    const rss2 = await rss();
    const added = rss2 - rss1;
    assert.ok(
      added < 0.1 * tables.bytes,
      `second worker added ${(added / 1e6).toFixed(1)} MB for ${(tables.bytes / 1e6).toFixed(0)} MB of tables`,
    );
    // Control: the measurement does see a copy. A worker loading the tables itself holds its own.
    const own = await startWorker(repo, 200);
    workers.push(own.worker);
    const rss3 = await rss();
    assert.ok(rss3 - rss2 > 0.8 * tables.bytes, `a private copy added only ${((rss3 - rss2) / 1e6).toFixed(1)} MB`);
    const mb = (x: number) => `${(x / 1e6).toFixed(1)} MB`;
    t.diagnostic(
      `tables ${mb(tables.bytes)}; RSS with 1 worker ${mb(rss1)}, +2nd sharing ${mb(added)}, +3rd with its own copy ${mb(rss3 - rss2)}`,
    );

    // And it is the same memory, not an equal copy: a write in one thread is seen by the others.
    const before = tables.tables[0]!.data[5];
    one.worker.postMessage({ poke: { index: 5, value: 1234.5 } });
    await new Promise(resolve => one.worker.once('message', resolve));
    assert.notEqual(before, 1234.5);
    assert.equal(tables.tables[0]!.data[5], 1234.5);
  });
});
