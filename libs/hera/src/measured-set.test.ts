import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileSetFromMeasurements, type MeasuredProfileInput } from './measured-profile';
import { measuredNodeClass } from './node-classes';
import { searchPairs } from './pair-search';
import { derivedBytesPerQuery } from './roofline';

const GiB = 2 ** 30;

/** A profiler record as the profiler stores it (hera.profiler.v1.Profile), QPS per worker count. */
function record(
  model: string,
  qps: number[],
  layout?: Parameters<typeof derivedBytesPerQuery>[0],
): MeasuredProfileInput {
  const bytes = layout ? derivedBytesPerQuery(layout) : undefined;
  return {
    model,
    nodeClass: '16c',
    cores: qps.length,
    points: qps.map((q, i) => ({ workers: i + 1, qps: q, p95Ms: 50 })),
    slaMs: 100,
    bestSubBatch: 64,
    memoryPerHostBytes: GiB,
    memoryPerWorkerBytes: 64 * 2 ** 20,
    method: 'test: as the profiler records it',
    ...(bytes ? { bytesPerQuery: bytes.bytesPerQuery, bytesPerQueryDetail: bytes.detail } : {}),
  };
}

// rmc2's layout (32 tables × 120 lookups × dim 64, 256 dense): ~165 MB per query. Measured to
// saturate at 12 workers; a compute-bound model that moves little scales linearly.
const rmc2 = { denseDim: 256, tables: Array.from({ length: 32 }, () => ({ lookups: 120, dim: 64 })) };
const small = { denseDim: 13, tables: [{ lookups: 1, dim: 32 }] };
const saturating = Array.from({ length: 16 }, (_, i) => Math.min((i + 1) * 40, 466));
const linear = Array.from({ length: 16 }, (_, i) => (i + 1) * 25);

describe('a measured solo set without pair profiles', () => {
  it('still pairs a saturating model: bytes per query let the predictor size its share of the bus', () => {
    const set = profileSetFromMeasurements({
      nodeClass: measuredNodeClass({ name: '16c', cores: 16, memoryBytes: 96 * GiB }),
      profiles: [record('rmc2', saturating, rmc2), record('wnd', linear, small)],
    });
    assert.equal(set.nodeClass.provenance['memoryBandwidthBytesPerSec']?.kind, 'assumed');
    assert.equal(set.models[0]!.provenance['bytesPerQuery']?.kind, 'derived');
    const pair = searchPairs(set).pairs[0]!;
    assert.equal(pair.accepted, true, pair.reason);
    assert.ok(pair.best!.emu > 1.05, `EMU ${pair.best!.emu}`);
    assert.equal(pair.config!.basis, 'predicted');
    assert.deepEqual(
      pair.config!.tenants.map(t => t.profileSource),
      ['measured', 'measured'],
    );
  });

  it('claims no gain without them (the solo plateau is the pessimistic ceiling)', () => {
    const set = profileSetFromMeasurements({
      nodeClass: measuredNodeClass({ name: '16c', cores: 16, memoryBytes: 96 * GiB }),
      profiles: [record('rmc2', saturating), record('wnd', linear)],
    });
    const pair = searchPairs(set).pairs[0]!;
    assert.equal(pair.accepted, false);
    assert.ok(pair.best!.emu <= 1);
  });

  it('places a latency-bounded model (QPS(1) = 0) only at worker counts that meet its SLA', () => {
    const set = profileSetFromMeasurements({
      nodeClass: measuredNodeClass({ name: '16c', cores: 16, memoryBytes: 96 * GiB }),
      profiles: [record('rmc2', saturating, rmc2), record('slow', [0, 0, ...linear.slice(2)], small)],
    });
    const r = searchPairs(set);
    assert.equal(r.dedicated.find(d => d.tenants[0]!.model === 'slow')!.tenants[0]!.workers, 16);
    const pair = r.pairs[0]!;
    for (const s of [pair.best!, ...pair.runnersUp]) {
      const slowWorkers = pair.a === 'slow' ? s.workersA : s.workersB;
      assert.ok(slowWorkers >= 3, `a split gives slow ${slowWorkers} worker(s), where it serves nothing`);
    }
    assert.ok(pair.splitsTried > 0);
  });
});
