import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quantile, Rng } from '@hera/stats';
import { findMaxRate } from './rate-search';

/**
 * A discrete-event M/G/c queue: Poisson arrivals at `rate`, `servers` FIFO
 * servers, service times from `service`. Returns the p95 sojourn time (ms).
 * Same seed → same arrivals and services, so p95 grows with the rate.
 */
function simulate(rate: number, servers: number, service: (r: Rng) => number, queries = 4_000, seed = 1): number {
  const arrivals = new Rng(seed);
  const services = new Rng(seed + 1);
  const free = new Array<number>(servers).fill(0);
  const sojourn: number[] = [];
  let t = 0;
  for (let i = 0; i < queries; i++) {
    t += arrivals.exponential(rate / 1000);
    let s = 0;
    for (let j = 1; j < servers; j++) if (free[j]! < free[s]!) s = j;
    const start = Math.max(t, free[s]!);
    free[s] = start + service(services);
    sojourn.push(free[s]! - t);
  }
  return quantile(sojourn, 0.95);
}

/** The answer by brute force: the highest rate on a fine grid whose p95 meets the SLA. */
function bruteForce(servers: number, service: (r: Rng) => number, sla: number, hi: number): number {
  let best = 0;
  for (let rate = hi / 400; rate <= hi; rate += hi / 400) if (simulate(rate, servers, service) <= sla) best = rate;
  return best;
}

describe('findMaxRate', () => {
  for (const [name, servers, service, sla] of [
    ['M/D/2, 10 ms service, SLA 25 ms', 2, () => 10, 25],
    ['M/M/4, mean 5 ms service, SLA 30 ms', 4, (r: Rng) => r.exponential(1 / 5), 30],
  ] as const) {
    it(`finds the SLA-bounded capacity of ${name} within the precision, in few steps`, async () => {
      const capacity = (servers * 1000) / (name.startsWith('M/D') ? 10 : 5);
      const truth = bruteForce(servers, service, sla, capacity);
      assert.ok(truth > 0.3 * capacity && truth < capacity, `truth ${truth} of capacity ${capacity}`);
      const precision = 0.02;
      const r = await findMaxRate(
        async rate => {
          const p95Ms = simulate(rate, servers, service);
          return { meetsSla: p95Ms <= sla, p95Ms, servedQps: rate };
        },
        { start: 10, precision, maxSteps: 30 },
      );
      assert.equal(r.converged, true);
      // The grid brute force resolves capacity/400; the search may land between grid points.
      assert.ok(r.rate <= truth + capacity / 400, `found ${r.rate} above the truth ${truth}`);
      assert.ok(simulate(r.rate, servers, service) <= sla, 'the reported rate meets the SLA');
      assert.ok(r.rate >= truth * (1 - 2 * precision), `found ${r.rate}, truth ${truth}`);
      assert.ok(r.steps.length <= 16, `${r.steps.length} steps`);
      assert.ok(r.p95Ms <= sla);
    });
  }

  it('gives up early when lower rates do not lower the latency (the work itself is too slow)', async () => {
    const rates: number[] = [];
    const r = await findMaxRate(
      async rate => {
        rates.push(rate);
        return { meetsSla: false, p95Ms: 150 + 1 / rate, servedQps: rate };
      },
      { start: 64, floor: 0.01, maxSteps: 50 },
    );
    assert.equal(r.rate, 0);
    assert.deepEqual(rates, [64, 32, 16], 'two halvings showed no improvement');
  });

  it('reports 0 when even the floor rate misses the SLA, without looping', async () => {
    let calls = 0;
    const r = await findMaxRate(
      async () => {
        calls++;
        return { meetsSla: false, p95Ms: 1e9, servedQps: 0 };
      },
      { start: 100, floor: 1, maxSteps: 50 },
    );
    assert.equal(r.rate, 0);
    assert.equal(r.converged, false);
    assert.ok(calls <= 8, `${calls} calls`);
  });
});
