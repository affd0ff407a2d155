import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { queueingCeiling, simulatedLatency } from './queue-ceiling';

describe('queueingCeiling', () => {
  const base = { inprocessQps: 50, workers: 1, subBatch: 64, seed: 5, queries: 5_000 };

  it('nears 1 when the SLA is long next to a query, and falls as the SLA tightens', () => {
    // One query takes ~20 ms here (50 qps back to back).
    const loose = queueingCeiling({ ...base, slaMs: 5_000 });
    const mid = queueingCeiling({ ...base, slaMs: 100 });
    const tight = queueingCeiling({ ...base, slaMs: 40 });
    assert.ok(loose > 0.95 && loose <= 1, `loose ${loose}`);
    assert.ok(mid < loose && tight < mid, `${loose} > ${mid} > ${tight}`);
    assert.ok(mid > 0.4 && mid < 0.9, `mid ${mid}`);
  });

  it("simulates queueing: p95 grows with the offered rate and is at least the largest queries' own compute", () => {
    const low = simulatedLatency(5, 0.12, base).p95;
    const high = simulatedLatency(45, 0.12, base).p95;
    assert.ok(low >= 0.12 * 200, `low-load p95 ${low} is about the p95 query size × 0.12 ms`);
    assert.ok(high > 2 * low, `${high} vs ${low}`);
  });

  it("judged over the benchmark's windows: long ones near steady state, short ones pass rates near capacity a steady state would not", () => {
    const window = (ms: number) => ({ warmupMs: 1_000, durationMs: () => ms });
    const steady = queueingCeiling({ ...base, slaMs: 100 });
    const long = queueingCeiling({ ...base, slaMs: 100, window: window(300_000) });
    assert.ok(Math.abs(long - steady) < 0.05, `300 s windows ${long} vs steady state ${steady}`);
    // A loose SLA (rmc2 at 4 × its SLA: ~35 queries' compute): a 20 s window ends before the
    // queue of a rate just under capacity has grown.
    const loose = { ...base, inprocessQps: 22, slaMs: 1_600 };
    const steadyLoose = queueingCeiling(loose);
    const shortLoose = queueingCeiling({ ...loose, window: window(20_000) });
    assert.ok(shortLoose > steadyLoose, `20 s windows ${shortLoose} vs steady state ${steadyLoose}`);
  });

  it('two workers take more than one at the same SLA, and still queue', () => {
    // inprocessQps is both workers together: each still takes ~20 ms a query.
    const two = queueingCeiling({ ...base, slaMs: 60, workers: 2, inprocessQps: 100 });
    assert.ok(two > queueingCeiling({ ...base, slaMs: 60 }), `two workers ${two}`);
    assert.ok(two < 0.95, `two workers near saturation must miss a 60 ms SLA (3 queries' compute): ${two}`);
  });
});
