import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isHeraError } from '@hera/errors';
import { demandFromMix } from './demand';
import { loadMilpSolver, type MilpSolver } from './milp-solver';
import { NODE_CLASS_16C } from './node-classes';
import { planCluster, type ClusterPlan } from './plan';
import type { ProfileSet } from './profile';
import {
  coverLp,
  DEFAULT_TIME_LIMIT_MS,
  greedyCover,
  InfeasibleDemandError,
  solveRequiredServers,
  type RequiredServers,
} from './required-servers';
import { rooflineProfileSet } from './roofline';
import type { ServerConfig } from './server-config';
import { handExample } from './test-fixtures';
import { zooRooflineModels } from './zoo-roofline';

let highs: MilpSolver;
before(async () => {
  highs = await loadMilpSolver();
});

function config(id: string, tenants: [string, number][], qpsMax = 100): ServerConfig {
  return {
    id,
    kind: tenants.length === 1 ? 'dedicated' : 'pair',
    tenants: tenants.map(([model, qps]) => ({
      model,
      workers: 1,
      qps,
      qpsMax,
      kind: 'compute-bound',
      profileSource: 'measured',
    })),
    emu: 1,
    basis: tenants.length === 1 ? 'solo-profile' : 'measured-pair',
    predicted: false,
    cores: tenants.length,
    memoryBytes: 0,
  };
}

/** Exhaustive minimum of Σx subject to coverage; each x_p is bounded by the most it can be useful. */
function bruteForce(configs: readonly ServerConfig[], demand: Record<string, number>): number {
  const bound = configs.map(c =>
    Math.max(
      0,
      ...c.tenants.filter(t => t.qps > 0 && (demand[t.model] ?? 0) > 0).map(t => Math.ceil(demand[t.model]! / t.qps)),
    ),
  );
  let best = Infinity;
  const x = configs.map(() => 0);
  const rec = (i: number, used: number) => {
    if (used >= best) return;
    if (i === configs.length) {
      const ok = Object.entries(demand).every(
        ([m, d]) =>
          configs.reduce((s, c, j) => s + x[j]! * (c.tenants.find(t => t.model === m)?.qps ?? 0), 0) >= d - 1e-9,
      );
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

/** A plan's counts by configuration id. */
const ids = (r: Pick<RequiredServers, 'counts'>) => Object.fromEntries(r.counts.map(c => [c.config.id, c.count]));

/** The 32-core node class of the brief: rmc1 and rmc2 memory-bound (knees 15 and 12), the rest compute-bound. */
function zoo32(): ProfileSet {
  return rooflineProfileSet(zooRooflineModels(), {
    ...NODE_CLASS_16C,
    name: '32c',
    cores: 32,
    memoryBytes: 192 * 2 ** 30,
    perCoreFlops: 3 * 17e9,
  });
}

/** What must not change between two solves of the same input: counts by configuration, servers, solver, phase. */
const planOf = (p: ClusterPlan) => ({
  counts: ids(p.hera),
  servers: p.hera.servers,
  solver: p.hera.solver,
  phase: p.hera.phase,
});

/** Three models, every pair serving 0.75 of each: the LP bound is 2 servers, the optimum 3. */
const threeWayPairs = () => [
  config('a', [['a', 100]]),
  config('b', [['b', 100]]),
  config('c', [['c', 100]]),
  config('ab', [
    ['a', 75],
    ['b', 75],
  ]),
  config('bc', [
    ['b', 75],
    ['c', 75],
  ]),
  config('ac', [
    ['a', 75],
    ['c', 75],
  ]),
];

describe('solveRequiredServers', () => {
  it('solves a small case worked by hand', () => {
    // a needs 100, b needs 60. Dedicated: a 40/server, b 30/server → 3 + 2 = 5.
    // Pair: a 30 + b 20. Optimum 4: 2 pairs (a 60, b 40) + 1 a + 1 b → a 100, b 70.
    const configs = [
      config('a', [['a', 40]]),
      config('b', [['b', 30]]),
      config('ab', [
        ['a', 30],
        ['b', 20],
      ]),
    ];
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: highs });
    assert.equal(r.solver, 'milp');
    assert.equal(r.servers, 4);
    assert.equal(bruteForce(configs, { a: 100, b: 60 }), 4);
    assert.ok(r.capacity.a! >= 100 && r.capacity.b! >= 60);
  });

  it('matches brute force on random small instances', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })),
          { minLength: 1, maxLength: 3 },
        ),
        fc.tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 120 })),
        fc.tuple(fc.integer({ min: 10, max: 60 }), fc.integer({ min: 10, max: 60 }), fc.integer({ min: 10, max: 60 })),
        (mixes, [da, db, dc], [qa, qb, qc]) => {
          const configs = [
            config('a', [['a', qa]]),
            config('b', [['b', qb]]),
            config('c', [['c', qc]]),
            ...mixes.map(([x, y, z], i) =>
              config(`m${i}`, [
                ['a', x],
                ['b', y],
                ['c', z],
              ]),
            ),
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
        assert.deepEqual(
          e.infeasible.map(i => i.model),
          ['ghost'],
        );
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
      () =>
        solveRequiredServers([], { big: 1 }, { unplaceable: [{ model: 'big', reason: 'one worker needs 11 bytes' }] }),
      /big \(1 QPS\): one worker needs 11 bytes/,
    );
  });

  it('rejects negative or non-finite demand, naming the model', () => {
    assert.throws(() => solveRequiredServers([], { a: -1 }), /demand\.a: must be a finite QPS ≥ 0/);
    assert.throws(() => solveRequiredServers([], { a: Number.POSITIVE_INFINITY }), /demand\.a/);
  });

  it('falls back to greedy and says why when the solver fails or is absent', () => {
    const configs = [
      config('a', [['a', 40]]),
      config('b', [['b', 30]]),
      config('ab', [
        ['a', 30],
        ['b', 20],
      ]),
    ];
    const failing: MilpSolver = { name: 'broken', solveLp: () => ({ status: 'error', message: 'boom' }) };
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: failing });
    assert.equal(r.solver, 'greedy');
    assert.match(r.note!, /broken: error \(boom\)/);
    assert.ok(r.capacity.a! >= 100 && r.capacity.b! >= 60);
    assert.equal(solveRequiredServers(configs, { a: 100, b: 60 }).solver, 'greedy');
  });

  it('discards whatever a solve cut by the time limit returned, and labels the answer milp-timeout', () => {
    const configs = [
      config('a', [['a', 40]]),
      config('b', [['b', 30]]),
      config('ab', [
        ['a', 30],
        ['b', 20],
      ]),
    ];
    // The "incumbent" of a solve that ran into the time limit (4 pairs: feasible) depends on
    // machine speed, so it is never used; the greedy cover (3 pairs + 1 a) is.
    const timedOut: MilpSolver = {
      name: 'slow',
      solveLp: () => ({ status: 'time-limit', values: { x0: 0, x1: 0, x2: 4 }, message: 'Time limit reached' }),
    };
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: timedOut });
    assert.equal(r.solver, 'milp-timeout');
    assert.equal(r.phase, 'greedy');
    assert.deepEqual(ids(r), { a: 1, ab: 3 });
    assert.deepEqual(
      r.phases.map(p => [p.phase, p.outcome]),
      [
        ['lp', 'cut'],
        ['rounding', 'skipped'],
        ['neighbourhood', 'skipped'],
        ['branch-and-bound', 'skipped'],
        ['exhaustive', 'skipped'],
        ['highs-search', 'skipped'],
      ],
    );
    assert.match(r.note!, /time limit of 800 ms reached: lp cut, rounding not run/);
    // Without an incumbent: the same.
    const empty: MilpSolver = {
      name: 'slow',
      solveLp: () => ({ status: 'time-limit', message: 'Time limit reached' }),
    };
    const e = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: empty });
    assert.equal(e.solver, 'milp-timeout');
    assert.deepEqual(ids(e), ids(r));
  });

  it('tops up an incumbent that leaves demand uncovered', () => {
    const configs = [config('a', [['a', 40]])];
    const short: MilpSolver = {
      name: 'sloppy',
      solveLp: () => ({ status: 'optimal', values: { x0: 1 }, message: 'Optimal' }),
    };
    const r = solveRequiredServers(configs, { a: 100 }, { solver: short });
    assert.equal(r.servers, 3);
  });

  it('never answers with more servers than one model per server would need', () => {
    // A solver that returns a feasible but wasteful answer (5 pairs) is overruled by the
    // dedicated cover (2 servers).
    const configs = [
      config('a', [['a', 10]]),
      config('b', [['b', 10]]),
      config('ab', [
        ['a', 9],
        ['b', 9],
      ]),
    ];
    const wasteful: MilpSolver = {
      name: 'wasteful',
      solveLp: lp =>
        lp.includes('General')
          ? { status: 'optimal', values: { x0: 0, x1: 0, x2: 5 }, message: 'Optimal' }
          : { status: 'error', message: 'no LP today' },
    };
    const r = solveRequiredServers(configs, { a: 10, b: 10 }, { solver: wasteful });
    assert.equal(r.servers, 2);
    assert.match(r.note!, /dedicated cover needed fewer servers/);
  });

  it('proves optimality from the LP bound when a rounding meets it', () => {
    // LP optimum of the hand case: 2.857 pairs-equivalent… whatever it is, ⌈LP⌉ = 4 = optimum.
    const configs = [
      config('a', [['a', 40]]),
      config('b', [['b', 30]]),
      config('ab', [
        ['a', 30],
        ['b', 20],
      ]),
    ];
    const r = solveRequiredServers(configs, { a: 100, b: 60 }, { solver: highs });
    assert.equal(r.lowerBound, 4);
    assert.equal(r.servers, 4);
    assert.match(r.note!, /LP bound 4/);
  });

  it('writes a cover LP scaled to coefficients in (0, 1] and right-hand sides ≥ 1', () => {
    // Rows in units of the model's largest q (demand 100, q 40: 2.5 servers)…
    const lp = coverLp([config('a', [['a', 40]])], { a: 100 });
    assert.match(lp, /c0: 1\.0+e\+0 x0 >= 2\.50*e\+0/);
    assert.match(lp, /General\n x0/);
    assert.doesNotMatch(coverLp([config('a', [['a', 40]])], { a: 100 }, { relax: true }), /General/);
    // …or of the demand when it is smaller than one server: 1e-6 QPS is one server, not 2.5e-8.
    assert.match(coverLp([config('a', [['a', 40]])], { a: 1e-6 }), /c0: 1\.0+e\+0 x0 >= 1\.0+e\+0/);
    // A million servers' worth stays a plain right-hand side.
    assert.match(coverLp([config('a', [['a', 40]])], { a: 4e7 }), /c0: 1\.0+e\+0 x0 >= 1\.0+e\+6/);
    assert.match(
      coverLp([config('a', [['a', 40]]), config('b', [['b', 1]])], { a: 100 }, { lower: [2, 0] }),
      /x0 >= 2\n x1 >= 0/,
    );
  });

  it('greedy covers every demand', () => {
    const configs = [
      config('a', [['a', 7]]),
      config('ab', [
        ['a', 3],
        ['b', 5],
      ]),
    ];
    const x = greedyCover(configs, { a: 50, b: 20 });
    assert.ok(7 * x[0]! + 3 * x[1]! >= 50 && 5 * x[1]! >= 20);
  });

  it('proves a one-server gap above the LP bound by exhaustive search', () => {
    // Three models, every pair serves 0.75 of each: the LP covers each model with two-thirds of
    // two pairs (2 servers) but no two servers cover all three; 3 is optimal.
    const configs = threeWayPairs();
    const demand = { a: 100, b: 100, c: 100 };
    // Branch-and-bound answers "no" here (a stand-in that never proves), so the proof is the search's.
    const noProof: MilpSolver = {
      name: 'highs',
      solveLp: (lp, t, limits) =>
        /General/.test(lp) ? { status: 'work-limit', message: 'Node limit reached' } : highs.solveLp(lp, t, limits),
    };
    const r = solveRequiredServers(configs, demand, { solver: noProof });
    assert.equal(r.lowerBound, 2);
    assert.equal(r.servers, 3);
    assert.equal(bruteForce(configs, demand), 3);
    assert.equal(r.solver, 'milp');
    assert.equal(r.phases.find(p => p.phase === 'exhaustive')?.detail?.startsWith('proved optimal'), true);
    assert.match(r.note!, /no cover with 2 servers exists/);
  });

  it('discards a branch-and-bound cut by the time limit and says so', () => {
    const configs = threeWayPairs();
    // HiGHS solves the LP; the MILP "runs into the time limit" with an (infeasible) incumbent.
    const slowMilp: MilpSolver = {
      name: 'highs',
      solveLp: (lp, t, limits) =>
        /General/.test(lp)
          ? { status: 'time-limit', values: { x3: 1, x4: 1 }, message: 'Time limit reached' }
          : highs.solveLp(lp, t, limits),
    };
    const r = solveRequiredServers(configs, { a: 100, b: 100, c: 100 }, { solver: slowMilp });
    assert.equal(r.solver, 'milp-timeout');
    assert.equal(r.servers, 3);
    assert.ok(r.capacity.a! >= 100 && r.capacity.b! >= 100 && r.capacity.c! >= 100);
    assert.deepEqual(
      r.phases.map(p => [p.phase, p.outcome]),
      [
        ['lp', 'completed'],
        ['rounding', 'completed'],
        ['neighbourhood', 'completed'],
        ['branch-and-bound', 'cut'],
        ['exhaustive', 'skipped'],
        ['highs-search', 'skipped'],
      ],
    );
    assert.match(r.note!, /time limit of 800 ms reached: branch-and-bound cut, exhaustive not run/);
  });

  it('refuses demand of 1e300 QPS, naming the model', () => {
    const isDemandError = (model: string) => (e: unknown) =>
      isHeraError(e, 'INVALID_ARGUMENT') && e.message.startsWith(`demand.${model}:`);
    assert.throws(
      () => solveRequiredServers([config('a', [['a', 40]])], { a: 1e300 }, { solver: highs }),
      isDemandError('a'),
    );
    assert.throws(() => planCluster(handExample(), { cpu: 10, mem: 1e300 }, { solver: highs }), isDemandError('mem'));
    // More than a million dedicated servers' worth is refused too (QPSmax of cpu is 80).
    assert.throws(() => planCluster(handExample(), { cpu: 80e6 * 1.01 }, { solver: highs }), isDemandError('cpu'));
  });

  it('solves a million servers’ worth of demand (1e9 QPS at QPSmax 1000) in bounded time, covering it', () => {
    const configs = [
      config('a', [['a', 1000]], 1000),
      config('b', [['b', 1000]], 1000),
      config('c', [['c', 1000]], 1000),
      config(
        'ab',
        [
          ['a', 870.3],
          ['b', 551.9],
        ],
        1000,
      ),
      config(
        'ac',
        [
          ['a', 812.6],
          ['c', 534.4],
        ],
        1000,
      ),
      config(
        'bc',
        [
          ['b', 883.4],
          ['c', 588.1],
        ],
        1000,
      ),
    ];
    const demand = { a: 1e9, b: 7.3e8 + 0.37, c: 4.1e8 + 0.61 };
    const t0 = performance.now();
    const r = solveRequiredServers(configs, demand, { solver: highs });
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
    for (const [m, d] of Object.entries(demand))
      assert.ok(r.capacity[m]! >= d * (1 - 1e-9), `${m}: ${r.capacity[m]} < ${d}`);
    assert.ok(r.servers >= r.lowerBound!);
    assert.ok(r.servers <= r.lowerBound! + 1, `${r.servers} servers, bound ${r.lowerBound}`);
    // The same through the greedy fallback (no solver): count-based, so just as quick.
    const g0 = performance.now();
    const g = solveRequiredServers(configs, demand);
    assert.ok(performance.now() - g0 < 2000);
    for (const [m, d] of Object.entries(demand)) assert.ok(g.capacity[m]! >= d * (1 - 1e-9));
  });

  it('covers demand from 1e-6 QPS up', () => {
    const configs = [
      config('a', [['a', 40]]),
      config('b', [['b', 30]]),
      config('ab', [
        ['a', 30],
        ['b', 20],
      ]),
    ];
    for (const d of [1e-6, 1e-3, 0.5, 1e6]) {
      const r = solveRequiredServers(configs, { a: d, b: d / 2 }, { solver: highs });
      assert.ok(r.capacity.a! >= d && r.capacity.b! >= d / 2, `demand ${d}`);
      assert.equal(r.solver, 'milp', `demand ${d}: ${r.note}`);
      assert.ok(r.servers <= r.lowerBound!, `demand ${d}: ${r.servers} > ${r.lowerBound}`);
    }
    assert.equal(solveRequiredServers(configs, { a: 1e-6 }, { solver: highs }).servers, 1);
  });
});

describe('a deterministic, bounded solve (32-core zoo set)', () => {
  it('gives the same plan on a machine three times slower', () => {
    const set = zoo32();
    // The brief's input, and one whose answer is found deep into the neighbourhood search (after
    // several hundred thousand steps): a search sized by time instead of steps would differ.
    for (const [mix, nodes, pairSearch] of [
      ['uniform', 1_000, {}],
      ['memory-heavy', 10_000, { heterogeneousOnly: true, interference: { colocationPenalty: 0 } }],
    ] as const) {
      const demand = demandFromMix(set, { mix, dedicatedServers: nodes });
      const plan = planCluster(set, demand, { solver: highs, baselines: false, pairSearch });
      // A clock running three times as fast as real time: every phase seems to take three times
      // as long. (The limit is generous so that a busy test machine cannot cut a phase either.)
      const t0 = performance.now();
      const slow = planCluster(set, demand, {
        solver: highs,
        baselines: false,
        pairSearch,
        now: () => t0 + 3 * (performance.now() - t0),
        timeLimitMs: 3 * DEFAULT_TIME_LIMIT_MS,
      });
      assert.deepEqual(planOf(slow), planOf(plan), mix);
      assert.equal(plan.hera.solver, 'milp', mix);
      // The answer came from a phase after the LP and the rounding, so they mattered.
      assert.equal(plan.hera.phase, 'neighbourhood', mix);
      for (const p of [plan, slow])
        assert.ok(
          p.hera.phases.every(x => x.outcome !== 'cut' && x.outcome !== 'skipped'),
          JSON.stringify(p.hera.phases),
        );
      // And the same again.
      assert.deepEqual(
        planOf(planCluster(set, demand, { solver: highs, baselines: false, pairSearch })),
        planOf(plan),
        mix,
      );
    }
  });

  it('falls back to a valid, deterministic cover when time runs out after the LP, and says what was cut', () => {
    const set = zoo32();
    const demand = demandFromMix(set, { mix: 'memory-heavy', dedicatedServers: 1000 });
    const run = () => {
      // Time stands still until HiGHS has solved the LP, then jumps past the limit.
      let late = false;
      const solver: MilpSolver = {
        name: 'highs',
        solveLp: (lp, t, limits) => {
          const out = highs.solveLp(lp, t, limits);
          late = true;
          return out;
        },
      };
      return planCluster(set, demand, { solver, baselines: false, now: () => (late ? 1e9 : 0) });
    };
    const a = run();
    const b = run();
    assert.deepEqual(planOf(a), planOf(b));
    assert.equal(a.hera.solver, 'milp-timeout');
    assert.ok(a.hera.phase === 'greedy' || a.hera.phase === 'dedicated');
    assert.deepEqual(
      a.hera.phases.map(p => [p.phase, p.outcome]),
      [
        ['lp', 'completed'],
        ['rounding', 'skipped'],
        ['neighbourhood', 'skipped'],
        ['branch-and-bound', 'skipped'],
        ['exhaustive', 'skipped'],
        ['highs-search', 'skipped'],
      ],
    );
    assert.match(
      a.hera.note!,
      /time limit of 800 ms reached: rounding not run, neighbourhood not run, branch-and-bound not run, exhaustive not run, highs-search not run/,
    );
    assert.ok(a.hera.lowerBound! > 0 && a.hera.servers >= a.hera.lowerBound!);
    for (const [m, d] of Object.entries(demand)) assert.ok(a.hera.capacity[m]! >= d * (1 - 1e-9), m);
  });

  it('returns a valid cover at once when the pair search alone used up the time limit', () => {
    const set = zoo32();
    const demand = demandFromMix(set, { mix: 'uniform', dedicatedServers: 1000 });
    // The clock reads 0 before the pair search and 1 s ever after: the search "took" 1 s and
    // the solve itself none, so only a limit counted from before the search has run out.
    let reads = 0;
    const plan = planCluster(set, demand, { solver: highs, baselines: false, now: () => (reads++ === 0 ? 0 : 1000) });
    assert.equal(plan.searchMs, 1000);
    assert.equal(plan.hera.solver, 'milp-timeout');
    assert.ok(plan.hera.phases.every(p => p.outcome === 'skipped'));
    assert.match(plan.hera.note!, /lp not run/);
    for (const [m, d] of Object.entries(demand)) assert.ok(plan.hera.capacity[m]! >= d * (1 - 1e-9), m);
  });

  it('stays within its time limit in real time', () => {
    const set = zoo32();
    // The hardest input of the set: its last server needs more than the phases' work limits to prove.
    const demand = demandFromMix(set, { mix: 'memory-heavy', dedicatedServers: 1000 });
    const pairSearch = { interference: { colocationPenalty: 0.1 } };
    for (const timeLimitMs of [30, 120, DEFAULT_TIME_LIMIT_MS]) {
      const t0 = performance.now();
      const plan = planCluster(set, demand, { solver: highs, baselines: false, pairSearch, timeLimitMs });
      const ms = performance.now() - t0;
      assert.ok(ms < timeLimitMs + 100, `limit ${timeLimitMs} ms: took ${ms.toFixed(0)} ms`);
      for (const [m, d] of Object.entries(demand)) assert.ok(plan.hera.capacity[m]! >= d * (1 - 1e-9), m);
      if (timeLimitMs < 100) assert.match(plan.hera.note!, /time limit of \d+ ms reached/);
    }
  });
});

describe('planCluster on the hand example', () => {
  it('needs fewer servers than dedicated when the pair beats both dedicated servers', () => {
    const set = handExample();
    // γ = 0 → the pair cpu:4+mem:4 serves 40/1.04 of each. 100 such servers' worth of demand:
    const q = 40 / 1.04;
    const plan = planCluster(
      set,
      { mem: 100 * q, cpu: 100 * q },
      { solver: highs, pairSearch: { interference: { colocationPenalty: 0 } } },
    );
    const [hera, dedicated] = plan.strategies;
    assert.equal(hera!.servers, 100);
    assert.deepEqual(
      plan.hera.counts.map(c => [c.config.id, c.count]),
      [['cpu:4+mem:4', 100]],
    );
    // Dedicated: mem ⌈100·q / 40⌉ = 97, cpu ⌈100·q / 80⌉ = 49.
    assert.equal(dedicated!.servers, 146);
    assert.equal(dedicated!.meanEmu, 1);
    assert.ok(hera!.meanEmu > 1.4);
  });
});
