import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quantile, Rng } from '@hera/stats';
import { findPairRates, type MeasurePair } from './pair-rate-search';

/**
 * A scripted pair of workers: two M/D/c queues on one node whose service times grow with the
 * other tenant's load (interference through a shared resource): tenant X serves each query in
 * sX · (1 + kX · ρY) ms, ρY = the partner's offered utilisation. p95 sojourn from a seeded
 * discrete-event simulation, so the same rates give the same answer and p95 grows with load.
 */
interface Tenant {
  servers: number;
  serviceMs: number;
  /** How much the partner's utilisation slows this tenant. */
  k: number;
  slaMs: number;
}

function p95(rate: number, t: Tenant, slowdown: number, queries: number, seed: number): number {
  if (rate <= 0) return 0;
  const arrivals = new Rng(seed);
  const free = new Array<number>(t.servers).fill(0);
  const sojourn: number[] = [];
  let now = 0;
  const service = t.serviceMs * slowdown;
  for (let i = 0; i < queries; i++) {
    now += arrivals.exponential(rate / 1000);
    let s = 0;
    for (let j = 1; j < t.servers; j++) if (free[j]! < free[s]!) s = j;
    free[s] = Math.max(now, free[s]!) + service;
    sojourn.push(free[s]! - now);
  }
  return quantile(sojourn, 0.95);
}

const utilisation = (rate: number, t: Tenant) => Math.min(1, (rate * t.serviceMs) / (1000 * t.servers));

function scripted(
  a: Tenant,
  b: Tenant,
): { measure: MeasurePair; feasible: (ra: number, rb: number) => boolean; calls: () => number } {
  let calls = 0;
  const judge = (ra: number, rb: number, queries: number) => {
    const pa = p95(ra, a, 1 + a.k * utilisation(rb, b), queries, 11);
    const pb = p95(rb, b, 1 + b.k * utilisation(ra, a), queries, 12);
    return {
      a: { meetsSla: pa <= a.slaMs, p95Ms: pa, servedQps: ra },
      b: { meetsSla: pb <= b.slaMs, p95Ms: pb, servedQps: rb },
    };
  };
  return {
    // One window length for searches, re-checks and the test's own judgement, so they agree.
    measure: async (ra, rb) => {
      calls++;
      return judge(ra, rb, 4_000);
    },
    feasible: (ra, rb) => {
      const m = judge(ra, rb, 4_000);
      return m.a.meetsSla && m.b.meetsSla;
    },
    calls: () => calls,
  };
}

describe('findPairRates (two-dimensional pair search)', () => {
  // A: 2 workers, 10 ms per query, slowed 30% by a busy B. B: 1 worker, 8 ms, slowed 5% by a
  // busy A. Solo rates as a profiler would have found them alone.
  const A: Tenant = { servers: 2, serviceMs: 10, k: 0.3, slaMs: 40 };
  const B: Tenant = { servers: 1, serviceMs: 8, k: 0.05, slaMs: 40 };
  const soloRate = (t: Tenant) => {
    let best = 0;
    for (let r = 1; r < 1000; r += 1) if (p95(r, t, 1, 4_000, t === A ? 11 : 12) <= t.slaMs) best = r;
    return best;
  };

  it('finds a point both tenants meet together that neither can raise alone', async () => {
    const s = scripted(A, B);
    // A's solo figure understates it (as a profile taken on other cores might): raising A alone
    // must find the capacity the common fraction leaves unused.
    const soloA = 0.7 * soloRate(A);
    const soloB = soloRate(B);
    const precision = 0.04;
    const r = await findPairRates(s.measure, { soloA, soloB, precision });
    assert.ok(r.rechecked);
    assert.ok(s.feasible(r.rateA, r.rateB), `(${r.rateA}, ${r.rateB}) is not met by both`);
    // Neither tenant can gain more than the search's precision alone.
    assert.ok(!s.feasible(r.rateA * (1 + 3 * precision), r.rateB), 'A could still be raised');
    assert.ok(!s.feasible(r.rateA, r.rateB * (1 + 3 * precision)), 'B could still be raised');
    // The common fraction is the largest f at which both meet, within the precision.
    let truth = 0;
    for (let f = 0.01; f <= 1.5; f += 0.005) if (s.feasible(f * soloA, f * soloB)) truth = f;
    assert.ok(
      r.fraction <= truth + 0.01 && r.fraction >= truth * (1 - 2 * precision),
      `fraction ${r.fraction}, truth ${truth}`,
    );
    // Raising A found more than the common fraction gave it.
    assert.ok(r.rateA > r.fraction * soloA * (1 + precision), `A ${r.rateA} at fraction ${r.fraction} of ${soloA}`);
    assert.deepEqual([...new Set(r.steps.map(x => x.phase))], ['common', 'raise-a', 'raise-b', 'recheck']);
    assert.ok(s.calls() <= 40, `${s.calls()} measurements`);
  });

  it('steps a tenant down when the longer re-check misses', async () => {
    // Searches see short windows; the re-check's longer one fails at the first answer.
    let rechecks = 0;
    const r = await findPairRates(
      async (ra, rb, kind) => {
        if (kind === 'recheck') rechecks++;
        const capA = kind === 'recheck' ? 90 : 100;
        return {
          a: { meetsSla: ra <= capA, p95Ms: ra, servedQps: ra },
          b: { meetsSla: rb <= 50, p95Ms: rb, servedQps: rb },
        };
      },
      { soloA: 100, soloB: 50, precision: 0.04 },
    );
    assert.ok(r.rechecked);
    assert.ok(r.rateA <= 90 && r.rateA > 80, `A ${r.rateA}`);
    assert.ok(r.rateB <= 50 && r.rateB > 45, `B ${r.rateB}`);
    assert.ok(rechecks >= 2);
  });

  it('reports a split that serves nothing as 0 without looping', async () => {
    let calls = 0;
    const r = await findPairRates(
      async (ra, rb) => {
        calls++;
        return { a: { meetsSla: false, p95Ms: 1e6, servedQps: 0 }, b: { meetsSla: true, p95Ms: 1, servedQps: rb } };
      },
      { soloA: 100, soloB: 100 },
    );
    assert.deepEqual([r.fraction, r.rateA, r.rateB], [0, 0, 0]);
    assert.ok(calls <= 12, `${calls} calls`);
  });
});
