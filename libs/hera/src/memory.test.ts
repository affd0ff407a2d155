import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateTenants } from './allocation';
import {
  HOST_IDLE_BYTES,
  hostOverheadBytes,
  limitWithHeadroom,
  MEMORY_HEADROOM,
  mergeTenants,
  overcommittedTenant,
  requestSlotBytes,
  tenantMemoryBytes,
  THREAD_RUNTIME_BYTES,
  threadMemoryBytes,
  WEIGHT_PEAK_FACTOR,
} from './memory';
import { profile, roofline } from './test-fixtures';

const MiB = 2 ** 20;

describe('memory model', () => {
  it('keeps the measured and assumed figures placement sized hosts with', () => {
    assert.equal(HOST_IDLE_BYTES, 80 * MiB);
    assert.equal(THREAD_RUNTIME_BYTES, 16 * MiB);
    assert.equal(WEIGHT_PEAK_FACTOR, 4);
    assert.equal(MEMORY_HEADROOM, 1.25);
  });

  it('adds what a host holds under load to its idle figure', () => {
    // d4a81c9: 80 MiB idle + 64 MiB old space + 16 MiB window; d3fc8d9 added the 32 MiB queue.
    assert.equal(
      hostOverheadBytes({ oldSpaceBytes: 64 * MiB, connectionWindowBytes: 16 * MiB, queueBytes: 32 * MiB }),
      192 * MiB,
    );
    assert.equal(hostOverheadBytes({ oldSpaceBytes: 0, connectionWindowBytes: 0, queueBytes: 0 }), HOST_IDLE_BYTES);
  });

  it('sizes a request slot as dense values and ids in, one score out, four bytes each', () => {
    assert.equal(requestSlotBytes(1024, 13, 26), 1024 * (13 + 26 + 1) * 4);
    assert.equal(requestSlotBytes(1, 0, 0), 4, 'the score of one item');
  });

  it('sizes a thread at its loading peak: four copies of the weights, the runtime, its slot', () => {
    assert.equal(threadMemoryBytes(MiB, 1000), 4 * MiB + 16 * MiB + 1000);
    assert.equal(threadMemoryBytes(0, 0), THREAD_RUNTIME_BYTES);
  });

  const p = profile('m', roofline(8, 10), { memoryPerHostBytes: 100, memoryPerWorkerBytes: 1 });

  it('counts a tenant as its host once and each worker', () => {
    assert.equal(tenantMemoryBytes(p, 4), 104);
    assert.equal(tenantMemoryBytes(p, 0), 0, 'no workers, no host');
  });

  it('rounds a limit with headroom up', () => {
    assert.equal(limitWithHeadroom(104), 130);
    assert.equal(limitWithHeadroom(101), 127);
  });

  it("gives an overcommitted tenant at most the node's cores and its need there with full headroom", () => {
    assert.deepEqual(overcommittedTenant(p, 4, 16), { workers: 4, memoryLimitBytes: 130 });
    assert.deepEqual(overcommittedTenant(p, 12, 2), { workers: 2, memoryLimitBytes: limitWithHeadroom(102) });
  });

  it('merges two entries of one model on a node: workers up to its cores, the larger limit', () => {
    assert.deepEqual(mergeTenants({ workers: 1, memoryLimitBytes: 200 }, { workers: 1, memoryLimitBytes: 150 }, 4), {
      workers: 2,
      memoryLimitBytes: 200,
    });
    assert.deepEqual(mergeTenants({ workers: 3, memoryLimitBytes: 100 }, { workers: 2, memoryLimitBytes: 300 }, 4), {
      workers: 4,
      memoryLimitBytes: 300,
    });
  });

  it('is the headroom allocations use by default', () => {
    const [a] = allocateTenants('m:4', { cores: 8, memoryBytes: 1e6 }, [p]);
    assert.equal(a!.memoryLimitBytes, limitWithHeadroom(tenantMemoryBytes(p, 4)));
  });
});
