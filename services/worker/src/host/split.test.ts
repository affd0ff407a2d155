import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeraError } from '@hera/errors';
import { runSplit } from './split';
import type { Job } from './worker-pool';

const dims = { denseDim: 2, idsPerItem: 3 };

/** A batch whose item i has dense [i, i] and ids [i, i, i], so parts can be checked by content. */
function batch(count: number) {
  const dense = new Float32Array(count * dims.denseDim).map((_, k) => Math.floor(k / dims.denseDim));
  const ids = new Int32Array(count * dims.idsPerItem).map((_, k) => Math.floor(k / dims.idsPerItem));
  return { count, dense: new Uint8Array(dense.buffer), ids: new Uint8Array(ids.buffer) };
}

/** Scores each job's items as 10 × their item number (read back from the job's own bytes). */
function scoreOf(j: Job): Buffer {
  const ids = new Int32Array(j.ids.buffer.slice(j.ids.byteOffset, j.ids.byteOffset + j.ids.byteLength));
  const dense = new Float32Array(j.dense.buffer.slice(j.dense.byteOffset, j.dense.byteOffset + j.dense.byteLength));
  const out = Buffer.alloc(j.count * 4);
  for (let i = 0; i < j.count; i++) {
    assert.equal(dense[i * dims.denseDim], ids[i * dims.idsPerItem], 'dense and ids of one item stay together');
    out.writeFloatLE(10 * ids[i * dims.idsPerItem]!, i * 4);
  }
  return out;
}

describe('runSplit', () => {
  it('runs a request in sub-batches and puts the scores back in item order', async () => {
    const jobs: Job[] = [];
    const done = runSplit({ submit: (...js) => void jobs.push(...js) }, batch(10), 4, dims, Infinity, 0, () => false);
    assert.deepEqual(
      jobs.map(j => j.count),
      [4, 4, 2],
    );
    // Parts finish out of order.
    for (const [k, us] of [
      [2, 30],
      [0, 10],
      [1, 20],
    ] as const)
      jobs[k]!.resolve({ scores: scoreOf(jobs[k]!), queueUs: us, computeUs: us });
    const r = await done;
    assert.deepEqual(
      [...new Float32Array(r.scores.buffer, r.scores.byteOffset, 10)],
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90],
    );
    assert.equal(r.queueUs, 30);
    assert.equal(r.computeUs, 60);
  });

  it('submits a request of at most a sub-batch as it is', async () => {
    const jobs: Job[] = [];
    const b = batch(4);
    const done = runSplit({ submit: (...js) => void jobs.push(...js) }, b, 4, dims, Infinity, 0, () => false);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.dense, b.dense);
    jobs[0]!.resolve({ scores: scoreOf(jobs[0]!), queueUs: 1, computeUs: 2 });
    assert.equal((await done).computeUs, 2);
  });

  it('fails at once on the first failed part and marks the others cancelled', async () => {
    const jobs: Job[] = [];
    const done = runSplit({ submit: (...js) => void jobs.push(...js) }, batch(9), 3, dims, Infinity, 0, () => false);
    assert.equal(jobs[2]!.cancelled(), false);
    jobs[1]!.reject(new HeraError('DEADLINE', 'deadline passed'));
    await assert.rejects(done, /deadline passed/);
    assert.ok(jobs.every(j => j.cancelled()));
    // Late replies of the other parts change nothing.
    jobs[0]!.resolve({ scores: scoreOf(jobs[0]!), queueUs: 1, computeUs: 1 });
    jobs[2]!.reject(new HeraError('CANCELLED', 'skipped'));
  });

  it('queues all parts in one submit, so the pool admits or refuses the request as a whole', async () => {
    const calls: number[] = [];
    const sink = {
      submit(...js: Job[]) {
        calls.push(js.length);
        throw new HeraError('OVERLOADED', 'queue full (8 sub-batches waiting)');
      },
    };
    await assert.rejects(
      runSplit(sink, batch(8), 3, dims, Infinity, 0, () => false),
      /queue full/,
    );
    assert.deepEqual(calls, [3]);
  });

  it("passes the caller's cancellation to every part", async () => {
    let callerGone = false;
    const jobs: Job[] = [];
    void runSplit({ submit: (...js) => void jobs.push(...js) }, batch(8), 4, dims, Infinity, 0, () => callerGone).catch(
      () => {},
    );
    assert.equal(jobs[1]!.cancelled(), false);
    callerGone = true;
    assert.ok(jobs.every(j => j.cancelled()));
  });
});
