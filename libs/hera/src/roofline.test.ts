import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demandFromMix, mixWeights, unitsToQps } from './demand';
import {
  meanQueryItems,
  rooflineBreakdown,
  rooflineProfileSet,
  type RooflineHardware,
  type RooflineModel,
} from './roofline';
import { classifyProfile } from './scalability';
import { handExample } from './test-fixtures';

const p = { kind: 'assumed', detail: 'test' } as const;
const hw: RooflineHardware = {
  name: 'toy',
  description: 'toy',
  cores: 8,
  memoryBytes: 1e9,
  memoryBandwidthBytesPerSec: 1e9,
  perCoreGatherBytesPerSec: 2e8,
  perCoreFlops: 1e9,
  hostOverheadBytes: 100,
  workerOverheadBytes: 10,
  provenance: {
    cores: p,
    memoryBytes: p,
    memoryBandwidthBytesPerSec: p,
    perCoreGatherBytesPerSec: p,
    perCoreFlops: p,
    hostOverheadBytes: p,
    workerOverheadBytes: p,
  },
};
const model: RooflineModel = {
  model: 'toy',
  slaMs: 10,
  subBatchSize: 16,
  denseDim: 0,
  embeddingBytesPerItem: 1000,
  flopsPerItem: 1000,
  tableBytes: 5000,
  weightBytes: 300,
  activationBytes: 20,
  source: 'test',
};

describe('roofline', () => {
  it('E[items per query] of the clipped lognormal is exp(μ + σ²/2) ≈ 167.3', () => {
    const k = meanQueryItems();
    assert.ok(Math.abs(k - Math.exp(5.1 + 0.02)) < 0.05, String(k));
    assert.equal(meanQueryItems({ mu: Math.log(5), sigma: 1e-6, min: 1, max: 1024 }).toFixed(6), '5.000000');
  });

  it('computes QPS(n) = min(n·QPS(1), bandwidth / bytes) worked by hand', () => {
    const q = { mu: Math.log(100), sigma: 1e-9, min: 1, max: 1024 }; // exactly 100 items
    const b = rooflineBreakdown(model, hw, q);
    // bytes/query = 100 × 1000 = 1e5; compute 100 × 1000 / 1e9 = 0.1 ms; gathers 1e5 / 2e8 = 0.5 ms.
    assert.ok(Math.abs(b.bytesPerQuery - 1e5) < 1e-3);
    assert.ok(Math.abs(b.qps1 - 1 / 0.6e-3) < 1e-6);
    assert.ok(Math.abs(b.bandwidthCapQps - 1e4) < 1e-6);
    assert.equal(b.knee, 6); // 6 × 1666.7 ≥ 10,000
    const set = rooflineProfileSet([model], hw, { query: q });
    const prof = set.models[0]!;
    assert.equal(prof.qps[0], Math.round((1 / 0.6e-3) * 1000) / 1000);
    assert.equal(prof.qps[7], 10000);
    assert.equal(prof.knee, 6);
    assert.equal(prof.memoryPerHostBytes, 5100);
    assert.equal(prof.memoryPerWorkerBytes, 330);
    assert.equal(classifyProfile(prof).kind, 'memory-bound');
    assert.match(prof.provenance.qps!.detail, /roofline/);
    assert.equal(set.nodeClass.memoryBandwidthBytesPerSec, 1e9);
  });
});

describe('demand mixes', () => {
  const set = handExample();
  it('uniform gives every model the same dedicated-server units', () => {
    const d = demandFromMix(set, { mix: 'uniform', dedicatedServers: 30 });
    assert.deepEqual(d, { mem: 10 * 40, cpu: 10 * 80, mem2: 10 * 40 });
  });
  it('memory-heavy weighs memory-bound models 3:1, by their profiles', () => {
    assert.deepEqual(mixWeights(set, 'memory-heavy'), { mem: 3, cpu: 1, mem2: 3 });
    assert.deepEqual(mixWeights(set, 'compute-heavy'), { mem: 1, cpu: 3, mem2: 1 });
  });
  it('converts units to QPS and rejects unknown models', () => {
    assert.deepEqual(unitsToQps(set, { mem: 2 }), { mem: 80 });
    assert.throws(() => unitsToQps(set, { zzz: 1 }), /demand\.zzz: no profile/);
    assert.throws(() => demandFromMix(set, { mix: 'nope' as 'uniform', dedicatedServers: 1 }), /unknown mix nope/);
  });
});
