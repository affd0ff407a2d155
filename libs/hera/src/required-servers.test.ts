import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isHeraError } from '@hera/errors';
import { loadMilpSolver, type MilpSolver } from './milp-solver';
import { planCluster } from './plan';
import { coverLp, greedyCover, InfeasibleDemandError, solveRequiredServers } from './required-servers';
import type { ServerConfig } from './server-config';
import { handExample } from './test-fixtures';

let highs: MilpSolver;
before(async () => {
  highs = await loadMilpSolver();
});

function config(id: string, tenants: [string, number][]): ServerConfig {
  return {
    id,
    kind: tenants.length === 1 ? 'dedicated' : 'pair',
    tenants: tenants.map(([model, qps]) => ({ model, workers: 1, qps, qpsMax: 100, kind: 'compute-bound', profileSource: 'measured' })),
    emu: 1,
    basis: tenants.length === 1 ? 'solo-profile' : 'measured-pair',
    predicted: false,
    cores: tenants.length,
    memoryBytes: 0,
  };
}

/** Exhaustive minimum of Σx subject to coverage; each x_p is bounded by the most it can be useful. */
function bruteForce(configs: readonly ServerConfig[], demand: Record<string, number>): number {
  const bound = configs.map(c => Math.max(0, ...c.tenants.filter(t => t.qps > 0 && (demand[t.model] ?? 0) > 0).map(t => Math.ceil(demand[t.model]! / t.qps))));
  let best = Infinity;
  const x = configs.map(() => 0);
  const rec = (i: number, used: number) => {
    if (used >= best) return;
    if (i === configs.length) {
      const ok = Object.entries(demand).every(([m, d]) => configs.reduce((s, c, j) => s + x[j]! * (c.tenants.find(t => t.model === m)?.qps ?? 0), 0) >= d - 1e-9);
      if (ok) best = used;
      return;
    }
    for (let v = 0; v <= bound[i]!; v++) {
      x[i] = v;
      rec(i + 1, used + v);
    }
    x[i] = 0;
  };
  rec(0, 0);
  return best;
}

describe('solveRequiredServers', () => {
  it('solves a small case worked by hand', () => {
    // a needs 100, b needs 60. Dedicated: a 40/server, b 30/server → 3 + 2 = 5.
    // Pair: a 30 + b 20. Optimum 4: 2 pairs (a 60, b 40) + 1 a + 1 b → a 100, b 70.
    const configs = [config('a', [['a', 40]]), config('b', [['b', 30]]), config('ab', [['a', 30], ['b', 20]])];
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: highs });
    assert.equal(r.solver, 'milp');
    assert.equal(r.servers, 4);
    assert.equal(bruteForce(configs, { a: 100, b: 60 }), 4);
    assert.ok(r.capacity.a! >= 100 && r.capacity.b! >= 60);
  });

  it('matches brute force on random small instances', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 3 }),
        fc.tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 120 })),
        fc.tuple(fc.integer({ min: 10, max: 60 }), fc.integer({ min: 10, max: 60 }), fc.integer({ min: 10, max: 60 })),
        (mixes, [da, db, dc], [qa, qb, qc]) => {
          const configs = [
            config('a', [['a', qa]]),
            config('b', [['b', qb]]),
            config('c', [['c', qc]]),
            ...mixes.map(([x, y, z], i) => config(`m${i}`, [['a', x], ['b', y], ['c', z]])),
          ];
          const demand = { a: da, b: db, c: dc };
          const r = solveRequiredServers(configs, demand, { solver: highs });
          assert.equal(r.solver, 'milp');
          assert.equal(r.servers, bruteForce(configs, demand));
        },
      ),
      { numRuns: 40, seed: 42 },
    );
  });

  it('reports infeasible demand with the model and reason, without looping', () => {
    const configs = [config('a', [['a', 40]])];
    const t0 = performance.now();
    assert.throws(
      () => solveRequiredServers(configs, { a: 10, ghost: 5 }, { solver: highs }),
      (e: unknown) => {
        assert.ok(e instanceof InfeasibleDemandError);
        assert.ok(isHeraError(e, 'PRECONDITION'));
        assert.deepEqual(e.infeasible.map(i => i.model), ['ghost']);
        assert.match(e.message, /ghost \(5 QPS\): no profile/);
        return true;
      },
    );
    assert.ok(performance.now() - t0 < 1000);
    // The greedy path checks too.
    assert.throws(() => solveRequiredServers(configs, { ghost: 1 }), InfeasibleDemandError);
  });

  it('reports a model too big for the node class with the pair search’s reason', () => {
    assert.throws(
      () => solveRequiredServers([], { big: 1 }, { unplaceable: [{ model: 'big', reason: 'one worker needs 11 bytes' }] }),
      /big \(1 QPS\): one worker needs 11 bytes/,
    );
  });

  it('rejects negative or non-finite demand, naming the model', () => {
    assert.throws(() => solveRequiredServers([], { a: -1 }), /demand\.a: must be a finite QPS ≥ 0/);
    assert.throws(() => solveRequiredServers([], { a: Number.POSITIVE_INFINITY }), /demand\.a/);
  });

  it('falls back to greedy and says why when the solver fails or is absent', () => {
    const configs = [config('a', [['a', 40]]), config('b', [['b', 30]]), config('ab', [['a', 30], ['b', 20]])];
    const failing: MilpSolver = { name: 'broken', solveLp: () => ({ status: 'error', message: 'boom' }) };
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: failing });
    assert.equal(r.solver, 'greedy');
    assert.match(r.note!, /broken: error \(boom\)/);
    assert.ok(r.capacity.a! >= 100 && r.capacity.b! >= 60);
    assert.equal(solveRequiredServers(configs, { a: 100, b: 60 }).solver, 'greedy');
  });

  it('uses the incumbent of a timed-out solve and labels it milp-timeout', () => {
    const configs = [config('a', [['a', 40]]), config('b', [['b', 30]]), config('ab', [['a', 30], ['b', 20]])];
    const timedOut: MilpSolver = { name: 'slow', solveLp: () => ({ status: 'time-limit', values: { x0: 1, x1: 1, x2: 2 }, message: 'Time limit reached' }) };
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: timedOut });
    assert.equal(r.solver, 'milp-timeout');
    assert.equal(r.servers, 4);
    // A timed-out solve without an incumbent falls back to greedy.
    const empty: MilpSolver = { name: 'slow', solveLp: () => ({ status: 'time-limit', message: 'Time limit reached' }) };
    assert.equal(solveRequiredServers(configs, { a: 100, b: 60 }, { solver: empty }).solver, 'greedy');
  });

  it('tops up an incumbent that leaves demand uncovered', () => {
    const configs = [config('a', [['a', 40]])];
    const short: MilpSolver = { name: 'sloppy', solveLp: () => ({ status: 'optimal', values: { x0: 1 }, message: 'Optimal' }) };
    const r = solveRequiredServers(configs, { a: 100 }, { solver: short });
    assert.equal(r.servers, 3);
  });

  it('never answers with more servers than one model per server would need', () => {
    // A solver that returns a feasible but wasteful answer (5 pairs) is overruled by the
    // dedicated cover (2 servers).
    const configs = [config('a', [['a', 10]]), config('b', [['b', 10]]), config('ab', [['a', 9], ['b', 9]])];
    const wasteful: MilpSolver = {
      name: 'wasteful',
      solveLp: lp => (lp.includes('General') ? { status: 'optimal', values: { x0: 0, x1: 0, x2: 5 }, message: 'Optimal' } : { status: 'error', message: 'no LP today' }),
    };
    const r = solveRequiredServers(configs, { a: 10, b: 10 }, { solver: wasteful });
    assert.equal(r.servers, 2);
    assert.match(r.note!, /dedicated cover needed fewer servers/);
  });

  it('proves optimality from the LP bound when a rounding meets it', () => {
    // LP optimum of the hand case: 2.857 pairs-equivalent… whatever it is, ⌈LP⌉ = 4 = optimum.
    const configs = [config('a', [['a', 40]]), config('b', [['b', 30]]), config('ab', [['a', 30], ['b', 20]])];
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: highs });
    assert.equal(r.lowerBound, 4);
    assert.equal(r.servers, 4);
    assert.match(r.note!, /LP bound 4/);
  });

  it('writes a scaled cover LP that HiGHS accepts', () => {
    const lp = coverLp([config('a', [['a', 40]])], { a: 100 });
    assert.match(lp, /c0: 4\.0+e-1 x0 >= 1/);
    assert.match(lp, /General\n x0/);
    assert.doesNotMatch(coverLp([config('a', [['a', 40]])], { a: 100 }, { relax: true }), /General/);
  });

  it('greedy covers every demand', () => {
    const configs = [config('a', [['a', 7]]), config('ab', [['a', 3], ['b', 5]])];
    const x = greedyCover(configs, { a: 50, b: 20 });
    assert.ok(7 * x[0]! + 3 * x[1]! >= 50 && 5 * x[1]! >= 20);
  });
});

describe('planCluster on the hand example', () => {
  it('needs fewer servers than dedicated when the pair beats both dedicated servers', () => {
    const set = handExample();
    // γ = 0 → the pair cpu:4+mem:4 serves 40/1.04 of each. 100 such servers' worth of demand:
    const q = 40 / 1.04;
    const plan = planCluster(set, { mem: 100 * q, cpu: 100 * q }, { solver: highs, pairSearch: { interference: { colocationPenalty: 0 } } });
    const [hera, dedicated] = plan.strategies;
    assert.equal(hera!.servers, 100);
    assert.deepEqual(plan.hera.counts.map(c => [c.config.id, c.count]), [['cpu:4+mem:4', 100]]);
    // Dedicated: mem ⌈100·q / 40⌉ = 97, cpu ⌈100·q / 80⌉ = 49.
    assert.equal(dedicated!.servers, 146);
    assert.equal(dedicated!.meanEmu, 1);
    assert.ok(hera!.meanEmu > 1.4);
  });
});
