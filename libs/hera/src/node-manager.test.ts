import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraError } from '@hera/errors';
import { mulberry32 } from '@hera/stats';
import {
  DEFAULT_NODE_MANAGER_OPTIONS,
  NodeManagerPolicy,
  realizeAllocations,
  type ManagedTenant,
  type Move,
  type NodeManagerOptions,
} from './node-manager';

/** Most tests look at one interval's decision: grow on the first bad window (the default waits for two). */
const policy = (cores: number, opts: Partial<NodeManagerOptions> = {}) =>
  new NodeManagerPolicy(cores, { growAfterIntervals: 1, releaseAfterIntervals: 1, ...opts });

const SECOND = DEFAULT_NODE_MANAGER_OPTIONS.intervalMs;

/** A tenant with a usable window (100 samples), SLA 100 ms, so p95 = 100 × (1 − slack). */
function tenant(model: string, slack: number, millis: number, more: Partial<ManagedTenant> = {}): ManagedTenant {
  return { model, slaMs: 100, p95Ms: 100 * (1 - slack), samples: 100, millis, plannedMillis: millis, ...more };
}

/** The tenants after the agent applied `moves`. */
function applied(tenants: readonly ManagedTenant[], moves: readonly Move[]): ManagedTenant[] {
  return tenants.map(t => ({
    ...t,
    millis:
      t.millis + moves.reduce((s, m) => s + (m.to === t.model ? m.millis : 0) - (m.from === t.model ? m.millis : 0), 0),
  }));
}

function withSlack(tenants: readonly ManagedTenant[], model: string, slack: number): ManagedTenant[] {
  return tenants.map(t => (t.model === model ? { ...t, p95Ms: t.slaMs * (1 - slack) } : t));
}

describe('NodeManagerPolicy', () => {
  it('grows only after growAfterIntervals consecutive bad windows (default 2): one bad window is not enough', () => {
    const p = new NodeManagerPolicy(4);
    const ts = [tenant('a', 0.0, 1000), tenant('b', 0.5, 1000)];
    assert.deepEqual(p.step(0, ts).moves, [], 'first bad window: wait');
    // A good window in between starts the count again.
    assert.deepEqual(p.step(SECOND, withSlack(ts, 'a', 0.1)).moves, []);
    assert.deepEqual(p.step(2 * SECOND, ts).moves, []);
    const d = p.step(3 * SECOND, ts);
    assert.deepEqual(
      d.moves.map(m => [m.from, m.to, m.millis]),
      [['free', 'a', 1000]],
    );
  });

  it('when every tenant has room, returns capacity to a tenant below its plan before releasing, back to the plan split', () => {
    const p = policy(2);
    // a took 250 m from b during a burst, then b's capacity went back to the pool.
    const ts = [tenant('a', 0.5, 1000, { plannedMillis: 1000 }), tenant('b', 0.5, 750, { plannedMillis: 1000 })];
    const d = p.step(0, ts);
    assert.deepEqual(
      d.moves.map(m => [m.from, m.to, m.millis, m.kind]),
      [['free', 'b', 250, 'quota']],
    );
    assert.match(d.moves[0]!.reason, /b gets 250 m back toward its plan \(750 of 1000 m\)/);
    // At the plan split nothing more moves: the release floor is the plan.
    const back = applied(ts, d.moves);
    assert.deepEqual(p.step(10 * SECOND, back).moves, []);
    assert.deepEqual(
      realizeAllocations(
        2,
        back.map(t => ({ model: t.model, millis: t.millis, plannedCpuset: t.model === 'a' ? [0] : [1] })),
      ).map(x => [x.cpuset, x.cpuMillis]),
      [
        [[0], 1000],
        [[1], 1000],
      ],
    );
  });

  it('grows a tenant under 0.05 slack by one core from the free pool', () => {
    const p = policy(4);
    const d = p.step(0, [tenant('rmc1', 0.01, 1000), tenant('din', 0.1, 1000)]);
    assert.deepEqual(d.needCapacity, []);
    assert.equal(d.moves.length, 1);
    assert.deepEqual(
      { ...d.moves[0]!, reason: undefined },
      { to: 'rmc1', from: 'free', millis: 1000, kind: 'core', undo: false, reason: undefined },
    );
    assert.match(d.moves[0]!.reason, /^rmc1 slack 0\.01 < 0\.05: \+1000 m from the free pool$/);
  });

  it('grows the neediest tenant first, one move per interval', () => {
    const p = policy(8);
    const d = p.step(0, [tenant('a', 0.04, 1000), tenant('b', -0.5, 1000), tenant('c', 0.02, 1000)]);
    assert.deepEqual(
      d.moves.map(m => m.to),
      ['b'],
    );
    assert.deepEqual(d.needCapacity, [], 'the others wait for a later interval, they are not reported');
  });

  it('steals one core from the tenant with the most slack above 0.2 when the pool is empty', () => {
    const p = policy(6);
    const d = p.step(0, [tenant('a', 0.0, 2000), tenant('b', 0.3, 2000), tenant('c', 0.5, 2000)]);
    assert.equal(d.moves.length, 1);
    assert.deepEqual(
      { ...d.moves[0]!, reason: '' },
      { to: 'a', from: 'c', millis: 1000, kind: 'core', undo: false, reason: '' },
    );
    assert.match(d.moves[0]!.reason, /from c \(slack 0\.50\)/);
  });

  it('takes nothing from a tenant at 0.2 slack or less, and says it needs capacity', () => {
    const p = policy(4);
    const d = p.step(0, [tenant('a', 0.0, 2000), tenant('b', 0.2, 2000)]);
    assert.deepEqual(d.moves, []);
    assert.equal(d.needCapacity.length, 1);
    assert.equal(d.needCapacity[0]!.model, 'a');
    assert.match(d.needCapacity[0]!.reason, /nothing to take: 0 m free/);
  });

  it('does not grow a memory-bound tenant past its knee: it asks for capacity instead', () => {
    const p = policy(4);
    const atKnee = tenant('din', 0.0, 2000, { kind: 'memory-bound', knee: 2 });
    const d = p.step(0, [atKnee, tenant('rmc1', 0.5, 1000)]);
    assert.deepEqual(d.moves, [], 'a free core and a slack donor are there, yet nothing moves');
    assert.equal(d.needCapacity.length, 1);
    assert.equal(d.needCapacity[0]!.model, 'din');
    assert.match(d.needCapacity[0]!.reason, /memory-bound at its knee \(2 workers = 2000 m\)/);
    // Below the knee it grows, by whatever step still fits under it.
    assert.deepEqual(
      policy(4)
        .step(0, [{ ...atKnee, millis: 1000 }])
        .moves.map(m => [m.millis, m.kind]),
      [[1000, 'core']],
    );
    assert.deepEqual(
      policy(4)
        .step(0, [{ ...atKnee, millis: 1750 }])
        .moves.map(m => [m.millis, m.kind]),
      [[250, 'quota']],
    );
    // A compute-bound tenant with the same knee is not capped.
    assert.equal(policy(4).step(0, [{ ...atKnee, kind: 'compute-bound' }]).moves.length, 1);
  });

  it('gives one step back to the free pool when every tenant is slack, never below its plan', () => {
    const p = policy(4);
    // b has the most slack but sits at its plan; a grew past its plan earlier.
    const tenants = [tenant('a', 0.4, 2000, { plannedMillis: 1000 }), tenant('b', 0.6, 1000)];
    const d = p.step(0, tenants);
    assert.deepEqual(
      d.moves.map(m => ({ ...m, reason: '' })),
      [{ to: 'free', from: 'a', millis: 1000, kind: 'core', undo: false, reason: '' }],
    );
    assert.match(d.moves[0]!.reason, /every tenant slack > 0\.2: a \(slack 0\.40\) gives 1000 m back/);
    // Back at its plan, nobody gives more.
    const after = applied(tenants, d.moves);
    assert.deepEqual(p.step(10 * SECOND, after).moves, []);
    // One tenant at 0.15 slack: nothing is released.
    assert.deepEqual(policy(4).step(0, withSlack(tenants, 'b', 0.15)).moves, []);
  });

  it('undoes a move whose receiver did not improve over 5 intervals', () => {
    const p = policy(4);
    let tenants = [tenant('a', 0.01, 1000), tenant('b', 0.1, 1000)];
    const grow = p.step(0, tenants).moves;
    assert.equal(grow.length, 1);
    tenants = applied(tenants, grow);
    for (let i = 1; i < 5; i++)
      assert.deepEqual(p.step(i * SECOND, tenants), { moves: [], needCapacity: [] }, `interval ${i}: under judgement`);
    const d = p.step(5 * SECOND, withSlack(tenants, 'a', 0.02));
    assert.deepEqual(
      d.moves.map(m => ({ ...m, reason: '' })),
      [{ to: 'free', from: 'a', millis: 1000, kind: 'core', undo: true, reason: '' }],
    );
    assert.match(
      d.moves[0]!.reason,
      /^undo: a p95 did not improve over 5 intervals \(99\.0 ms at the move, 98\.0 ms now/,
    );
  });

  it('keeps a move after which p95 fell by ≥ 5 % or slack came back to 0.05, and the tenant may grow again', () => {
    /** p95 at the end of judgement for a move made at `atMove` ms (SLA 100 ms) → was it undone? */
    const undone = (atMove: number, after: number): boolean => {
      const p = policy(4);
      let tenants = [tenant('a', 1 - atMove / 100, 1000), tenant('b', 0.1, 1000)];
      tenants = applied(tenants, p.step(0, tenants).moves);
      const moves = p.step(
        5 * SECOND,
        tenants.map(t => (t.model === 'a' ? { ...t, p95Ms: after } : t)),
      ).moves;
      return moves.some(m => m.undo);
    };
    assert.equal(undone(120, 113), false, '6 % better, still over the SLA: kept');
    assert.equal(undone(120, 116), true, '3 % better, still over: undone');
    assert.equal(undone(99, 96), true, '3 % better, slack 0.04: undone');
    assert.equal(undone(99, 95), false, '4 % better, slack 0.05: kept');
    // Kept, and a grows again as soon as judgement is over.
    const p = policy(4);
    let tenants = [tenant('a', 0.01, 1000), tenant('b', 0.1, 1000)];
    tenants = applied(tenants, p.step(0, tenants).moves);
    assert.deepEqual(p.step(5 * SECOND, withSlack(tenants, 'a', 0.06)).moves, []);
    assert.deepEqual(
      p.step(6 * SECOND, withSlack(tenants, 'a', 0.03)).moves.map(m => [m.to, m.from, m.millis, m.undo]),
      [['a', 'free', 1000, false]],
    );
  });

  it('undoes a move when the receiver had no usable window during judgement', () => {
    const p = policy(4);
    let tenants = [tenant('a', 0.01, 1000)];
    tenants = applied(tenants, p.step(0, tenants).moves);
    const thin = tenants.map(t => ({ ...t, p95Ms: 50, samples: 5 }));
    for (let i = 1; i < 5; i++) p.step(i * SECOND, thin);
    const d = p.step(5 * SECOND, thin);
    assert.deepEqual(
      d.moves.map(m => [m.to, m.from, m.undo]),
      [['free', 'a', true]],
    );
    assert.match(d.moves[0]!.reason, /no window with 20\+ samples/);
  });

  it('cools a tenant down for 10 intervals after an undo: no growth, then growth again', () => {
    const p = policy(4);
    let tenants = [tenant('a', 0.01, 1000), tenant('b', 0.1, 1000)];
    tenants = applied(tenants, p.step(0, tenants).moves);
    const undo = p.step(5 * SECOND, tenants).moves;
    assert.equal(undo[0]?.undo, true);
    tenants = applied(tenants, undo);
    for (let i = 6; i < 15; i++) {
      const d = p.step(i * SECOND, tenants);
      assert.deepEqual(d.moves, [], `interval ${i}: a cools down`);
      assert.deepEqual(d.needCapacity, [], `interval ${i}: a cooling tenant is not reported`);
    }
    // While a cools down, another tenant may still grow.
    const other = policy(4);
    let t2 = [tenant('a', 0.01, 1000), tenant('b', 0.1, 1000)];
    t2 = applied(t2, other.step(0, t2).moves);
    t2 = applied(t2, other.step(5 * SECOND, t2).moves);
    assert.deepEqual(
      other.step(11 * SECOND, withSlack(t2, 'b', 0.0)).moves.map(m => m.to),
      ['b'],
    );
    // Ten intervals after the undo, a grows again.
    assert.deepEqual(
      p.step(15 * SECOND, tenants).moves.map(m => [m.to, m.undo]),
      [['a', false]],
    );
  });

  it('makes no new move for a tenant under judgement, as receiver or as donor', () => {
    const p = policy(4);
    let tenants = [tenant('a', 0.0, 2000), tenant('b', 0.5, 2000)];
    const steal = p.step(0, tenants).moves;
    assert.deepEqual(
      steal.map(m => [m.to, m.from, m.millis, m.kind]),
      [['a', 'b', 1000, 'core']],
    );
    tenants = applied(tenants, steal);
    // a still short, b still slack: both wait for the judgement.
    assert.deepEqual(p.step(SECOND, tenants).moves, []);
    // A third tenant in need takes from the next donor, not from b while b is under judgement.
    const q = policy(8);
    let four = [tenant('a', 0.0, 2000), tenant('b', 0.5, 3000), tenant('c', 0.1, 1000), tenant('d', 0.3, 2000)];
    four = applied(four, q.step(0, four).moves);
    assert.deepEqual(
      q.step(SECOND, withSlack(four, 'c', 0.0)).moves.map(m => [m.to, m.from, m.millis]),
      [['c', 'd', 1000]],
    );
  });

  it('moves CFS quota on a 2-core node with two 1-core tenants (a whole core would leave the donor at 0)', () => {
    const p = policy(2);
    const tenants = [tenant('a', 0.0, 1000), tenant('b', 0.6, 1000)];
    const d = p.step(0, tenants);
    assert.deepEqual(
      d.moves.map(m => [m.to, m.from, m.millis, m.kind]),
      [['a', 'b', 250, 'quota']],
    );
    // Down to the floor: b keeps 250 m and then gives nothing more.
    const atFloor = [tenant('a', 0.0, 1750, { plannedMillis: 1000 }), tenant('b', 0.6, 250, { plannedMillis: 1000 })];
    const d2 = policy(2).step(0, atFloor);
    assert.deepEqual(d2.moves, []);
    assert.deepEqual(
      d2.needCapacity.map(n => n.model),
      ['a'],
    );
  });

  it('says nothing about a tenant with a thin window', () => {
    const p = policy(4);
    const d = p.step(0, [tenant('a', -3, 1000, { samples: 19 }), tenant('b', 0.1, 1000)]);
    assert.deepEqual(d, { moves: [], needCapacity: [] });
    // Nor does a thin window offer capacity or count toward "every tenant is slack".
    const d2 = policy(2).step(0, [tenant('a', 0.0, 1000), tenant('b', 0.9, 1000, { samples: 3 })]);
    assert.deepEqual(d2.moves, []);
    assert.deepEqual(
      d2.needCapacity.map(n => n.model),
      ['a'],
    );
    const d3 = policy(4).step(0, [
      tenant('a', 0.5, 2000, { plannedMillis: 1000 }),
      tenant('b', 0.0, 1000, { samples: 3 }),
    ]);
    assert.deepEqual(
      d3.moves.map(m => [m.to, m.from]),
      [['free', 'a']],
    );
  });

  it('releases toward the plan only after every tenant has had room for releaseAfterIntervals', () => {
    const p = policy(2, { releaseAfterIntervals: 3 });
    const roomy = [tenant('a', 0.5, 1250, { plannedMillis: 1000 }), tenant('b', 0.5, 750, { plannedMillis: 1000 })];
    assert.deepEqual(p.step(0, roomy).moves, []);
    assert.deepEqual(p.step(1000, roomy).moves, []);
    assert.deepEqual(
      p.step(2000, roomy).moves.map(m => [m.from, m.to]),
      [['a', 'free']],
    );
    // A tenant without room in between starts the count again.
    const q = policy(2, { releaseAfterIntervals: 3 });
    q.step(0, roomy);
    q.step(1000, roomy);
    q.step(2000, [roomy[0]!, tenant('b', 0.1, 750, { plannedMillis: 1000 })]);
    assert.deepEqual(q.step(3000, roomy).moves, []);
  });

  it('takes lent capacity back for a tenant below its plan from a lender not itself in need', () => {
    const starving = tenant('a', -1, 250, { plannedMillis: 1000 });
    const d = policy(2).step(0, [starving, tenant('b', 0.1, 1750, { plannedMillis: 1000 })]);
    assert.deepEqual(
      d.moves.map(m => [m.from, m.to, m.millis]),
      [['b', 'a', 250]],
    );
    assert.match(d.moves[0]!.reason, /back from 1750 m lent past its plan of 1000 m/);
    // Not from a lender in need itself, nor from a tenant at its plan with little room.
    assert.deepEqual(policy(2).step(0, [starving, tenant('b', 0.01, 1750, { plannedMillis: 1000 })]).moves, []);
    assert.deepEqual(policy(2).step(0, [tenant('a', -1, 1000), tenant('b', 0.1, 1000)]).moves, []);
  });

  it('judges a quiet tenant (thin short window) on its long window as a donor, never for growth', () => {
    const quiet = (slack: number, longSlack: number) =>
      tenant('b', slack, 1000, { samples: 3, longSamples: 60, longP95Ms: 100 * (1 - longSlack) });
    const gives = policy(2).step(0, [tenant('a', 0.0, 1000), quiet(0.9, 0.7)]);
    assert.deepEqual(
      gives.moves.map(m => [m.to, m.from, m.millis, m.kind]),
      [['a', 'b', 250, 'quota']],
    );
    assert.match(gives.moves[0]!.reason, /from b \(slack 0\.70\)/);
    // Its long window has no room: not a donor, whatever the thin short window says.
    const busy = policy(2).step(0, [tenant('a', 0.0, 1000), quiet(0.9, 0.1)]);
    assert.deepEqual(busy.moves, []);
    assert.deepEqual(
      busy.needCapacity.map(n => n.model),
      ['a'],
    );
    // A long window over its SLA does not make it grow (nor ask for capacity), and it keeps the node from releasing.
    const p = policy(4);
    for (const now of [0, 1000, 2000])
      assert.deepEqual(p.step(now, [tenant('a', 0.5, 2000, { plannedMillis: 1000 }), quiet(-2, -2)]), {
        moves: [],
        needCapacity: [],
      });
    // A quiet tenant that just gave is not judged on a long window of its old capacity: it gives
    // again only once the window has turned over (10 intervals by default).
    const q = policy(2, { judgeIntervals: 1 });
    const step = (now: number, aSlack: number, bMillis: number) =>
      q.step(now, [tenant('a', aSlack, 2000 - bMillis), { ...quiet(0.9, 0.7), millis: bMillis }]);
    const moved = (d: { moves: Move[] }) => d.moves.map(m => `${m.from}→${m.to}`);
    assert.deepEqual(moved(step(0, 0.0, 1000)), ['b→a']);
    assert.deepEqual(moved(step(1000, 0.5, 750)), [], 'judged: it helped');
    const early = step(2000, 0.0, 750);
    assert.deepEqual(
      [moved(early), early.needCapacity.map(n => n.model)],
      [[], ['a']],
      "b's long window still holds its 1000 m",
    );
    assert.deepEqual(moved(step(10_000, 0.0, 750)), ['b→a'], 'the window has turned over');
    // With room in both windows' view, the same node releases a's extra core.
    assert.deepEqual(
      policy(4)
        .step(0, [tenant('a', 0.5, 2000, { plannedMillis: 1000 }), quiet(0.9, 0.5)])
        .moves.map(m => [m.to, m.from]),
      [['free', 'a']],
    );
  });

  it('forgets judgements and cooldowns on reset()', () => {
    const p = policy(4);
    let tenants = [tenant('a', 0.01, 1000), tenant('b', 0.1, 1000)];
    tenants = applied(tenants, p.step(0, tenants).moves);
    p.reset();
    // Under judgement a would wait; after reset (the node is back at the plan) it grows at once.
    const plan = [tenant('a', 0.01, 1000), tenant('b', 0.1, 1000)];
    assert.deepEqual(
      p.step(SECOND, plan).moves.map(m => m.to),
      ['a'],
    );
    // And a cooldown is forgotten too.
    tenants = applied(plan, []);
    const q = policy(4);
    let t = applied(tenants, q.step(0, tenants).moves);
    t = applied(t, q.step(5 * SECOND, t).moves);
    assert.deepEqual(q.step(6 * SECOND, t).moves, [], 'cooling down');
    q.reset();
    assert.deepEqual(
      q.step(7 * SECOND, t).moves.map(m => m.to),
      ['a'],
    );
  });

  it('rejects bad options and duplicate tenants, naming the field', () => {
    assert.throws(
      () => policy(0),
      (e: unknown) => isHeraError(e, 'INVALID_ARGUMENT') && /cores/.test(e.message),
    );
    assert.throws(() => policy(2, { growBelowSlack: 0.3 }), /growBelowSlack/);
    assert.throws(() => policy(2, { quotaStepMillis: 0 }), /quotaStepMillis/);
    assert.throws(() => policy(2).step(0, [tenant('a', 0, 1000), tenant('a', 0, 1000)]), /tenants\[1\]\.model/);
    assert.throws(() => policy(2).step(0, [tenant('a', 0, Number.NaN)]), /tenants\[0\]\.millis/);
  });

  it('never over-allocates the node, never takes a tenant below 250 m, never grows a memory-bound tenant past its knee (random runs)', () => {
    // What the runs exercised, so the property cannot hold by doing nothing.
    const seen = { intervals: 0, core: 0, quota: 0, fromFree: 0, steal: 0, release: 0, undo: 0, needCapacity: 0 };
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = mulberry32(seed);
      const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
      const cores = int(1, 12);
      const n = int(1, Math.min(4, cores * 4));
      // Random starting capacities in quota steps, ≥ 250 m each, Σ ≤ the node.
      let left = cores * 4 - n;
      let tenants: ManagedTenant[] = Array.from({ length: n }, (_, i) => {
        const extra = int(0, left);
        left -= extra;
        const millis = 250 * (1 + extra);
        const memoryBound = rnd() < 0.5;
        const knee = int(1, cores);
        return {
          model: `m${i}`,
          slaMs: int(5, 400),
          p95Ms: 0,
          samples: int(0, 200),
          millis,
          plannedMillis: millis,
          ...(memoryBound ? { kind: 'memory-bound' as const, knee } : { kind: 'compute-bound' as const }),
        };
      });
      const startMillis = new Map(tenants.map(t => [t.model, t.millis]));
      const p = policy(cores, { minSamples: 20 });
      for (let step = 0; step < 60; step++) {
        seen.intervals++;
        tenants = tenants.map(t => ({ ...t, p95Ms: t.slaMs * rnd() * 1.6, samples: int(0, 200) }));
        const d = p.step(step * SECOND, tenants);
        if (step % 17 === 16) p.reset();
        assert.ok(d.moves.filter(m => !m.undo).length <= 1, `seed ${seed}: one new move per interval`);
        for (const m of d.moves) {
          assert.ok(
            (m.millis === 1000 && m.kind === 'core') || (m.millis === 250 && m.kind === 'quota'),
            `seed ${seed}: step ${JSON.stringify(m)}`,
          );
          assert.notEqual(m.to, m.from);
          seen[m.kind]++;
          if (m.undo) seen.undo++;
          else if (m.to === 'free') seen.release++;
          else if (m.from === 'free') seen.fromFree++;
          else seen.steal++;
        }
        seen.needCapacity += d.needCapacity.length;
        tenants = applied(tenants, d.moves);
        const total = tenants.reduce((s, t) => s + t.millis, 0);
        assert.ok(total <= cores * 1000, `seed ${seed} step ${step}: ${total} m on ${cores} cores`);
        for (const t of tenants) {
          assert.ok(t.millis >= 250, `seed ${seed} step ${step}: ${t.model} at ${t.millis} m`);
          if (t.kind === 'memory-bound' && t.knee !== undefined) {
            assert.ok(
              t.millis <= Math.max(t.knee * 1000, startMillis.get(t.model)!),
              `seed ${seed}: ${t.model} grown past its knee`,
            );
          }
        }
        // Whatever the moves left, it can be realized without handing out more than the node has.
        const realized = realizeAllocations(
          cores,
          tenants.map(t => ({ ...t, plannedCpuset: [] })),
        );
        const cpusOf = realized.map(r => r.cpuset);
        if (tenants.every(t => t.millis % 1000 === 0)) {
          assert.equal(new Set(cpusOf.flat()).size, cpusOf.flat().length, `seed ${seed}: disjoint cpusets`);
        } else {
          for (const r of realized)
            assert.ok(
              r.cpuset.length * 1000 >= r.cpuMillis,
              `seed ${seed}: ${r.model} has ${r.cpuMillis} m on ${r.cpuset.length} cores`,
            );
        }
      }
    }
    for (const [what, n] of Object.entries(seen))
      assert.ok(n >= 50, `random runs made only ${n} of ${what}: ${JSON.stringify(seen)}`);
  });
});

describe('realizeAllocations', () => {
  it('gives disjoint cpusets when every tenant holds whole cores: the plan as planned, a grown tenant the highest free core', () => {
    const planned = [
      { model: 'a', millis: 1000, plannedCpuset: [2] },
      { model: 'b', millis: 1000, plannedCpuset: [3], kind: 'memory-bound' as const, knee: 1 },
    ];
    assert.deepEqual(realizeAllocations(4, planned), [
      { model: 'a', cpuset: [2], cpuMillis: 1000, workers: 1 },
      { model: 'b', cpuset: [3], cpuMillis: 1000, workers: 1 },
    ]);
    // a grows from the free pool: it keeps core 2 and takes core 1; b does not move.
    assert.deepEqual(realizeAllocations(4, [{ ...planned[0]!, millis: 2000 }, planned[1]!]), [
      { model: 'a', cpuset: [1, 2], cpuMillis: 2000, workers: 2 },
      { model: 'b', cpuset: [3], cpuMillis: 1000, workers: 1 },
    ]);
    // A core moves from d to c: c takes the core d gave up; a memory-bound tenant's workers stop at its knee.
    assert.deepEqual(
      realizeAllocations(8, [
        { model: 'c', millis: 3000, plannedCpuset: [4, 5] },
        { model: 'd', millis: 1000, plannedCpuset: [6, 7], kind: 'memory-bound', knee: 1 },
      ]),
      [
        { model: 'c', cpuset: [4, 5, 6], cpuMillis: 3000, workers: 3 },
        { model: 'd', cpuset: [7], cpuMillis: 1000, workers: 1 },
      ],
    );
    assert.deepEqual(
      realizeAllocations(8, [{ model: 'm', millis: 3000, plannedCpuset: [5, 6, 7], kind: 'memory-bound', knee: 2 }])[0]!
        .workers,
      2,
    );
  });

  it('shares cores under CFS quotas only where a fraction of a core moved', () => {
    // The 2-core node after one quota step from b to a: b stays on its core under 750 m; a
    // spans its own core and b's, under 1250 m.
    assert.deepEqual(
      realizeAllocations(2, [
        { model: 'a', millis: 1250, plannedCpuset: [0] },
        { model: 'b', millis: 750, plannedCpuset: [1] },
      ]),
      [
        { model: 'a', cpuset: [0, 1], cpuMillis: 1250, workers: 2 },
        { model: 'b', cpuset: [1], cpuMillis: 750, workers: 1 },
      ],
    );
    // Grown from the free pool past the planned cores: a takes the highest core nobody keeps;
    // b, which did not move, keeps its core to itself.
    assert.deepEqual(
      realizeAllocations(4, [
        { model: 'a', millis: 1750, plannedCpuset: [2] },
        { model: 'b', millis: 1000, plannedCpuset: [3] },
      ]).map(r => [r.cpuset, r.cpuMillis]),
      [
        [[1, 2], 1750],
        [[3], 1000],
      ],
    );
    // A core freed by a tenant that shrank goes to the one that grew; a tenant with no planned
    // cores then shares the cores with the most room under their quota (a's third core).
    assert.deepEqual(
      realizeAllocations(4, [
        { model: 'a', millis: 2250, plannedCpuset: [2, 3] },
        { model: 'b', millis: 750, plannedCpuset: [0, 1] },
        { model: 'c', millis: 1000, plannedCpuset: [] },
      ]).map(r => r.cpuset),
      [[0, 2, 3], [1], [3]],
    );
  });

  it('refuses more than the node has, and planned cores that are off the node or planned twice', () => {
    assert.throws(
      () =>
        realizeAllocations(2, [
          { model: 'a', millis: 1500, plannedCpuset: [0] },
          { model: 'b', millis: 750, plannedCpuset: [1] },
        ]),
      (e: unknown) => isHeraError(e, 'PRECONDITION'),
    );
    assert.throws(
      () => realizeAllocations(2, [{ model: 'a', millis: 1000, plannedCpuset: [2] }]),
      /tenants\[0\]\.plannedCpuset: core 2/,
    );
    assert.throws(
      () =>
        realizeAllocations(2, [
          { model: 'a', millis: 1000, plannedCpuset: [1] },
          { model: 'b', millis: 1000, plannedCpuset: [1] },
        ]),
      /planned for a too/,
    );
  });
});
