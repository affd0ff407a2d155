import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { referenceFirstFit } from './baselines-reference.test-helper';
import { dedicatedBaseline, firstFitBaseline, randomBaseline, type StrategyResult } from './baselines';
import { demandFromMix } from './demand';
import { NODE_CLASS_16C } from './node-classes';
import { searchPairs, type PairSearchResult } from './pair-search';
import { tenantMemoryBytes, type ProfileSet } from './profile';
import { InfeasibleDemandError, type Demand } from './required-servers';
import { rooflineProfileSet } from './roofline';
import { handExample, node, profile, profileSet, roofline } from './test-fixtures';
import { zooRooflineModels } from './zoo-roofline';

/** [config id, count] of a result, sorted by id. */
const idCounts = (r: StrategyResult): [string, number][] =>
  r.counts.map((c): [string, number] => [c.config.id, c.count]).sort(([x], [y]) => (x < y ? -1 : 1));

/** QPS a result's servers give `model`. */
const capacityOf = (r: StrategyResult, model: string) =>
  r.counts.reduce((s, c) => s + c.count * (c.config.tenants.find(t => t.model === model)?.qps ?? 0), 0);

describe('dedicatedBaseline', () => {
  it('needs ⌈D_m / QPSmax_m⌉ servers per model, each at EMU 1', () => {
    const search = searchPairs(handExample());
    const r = dedicatedBaseline(search, { mem: 100, cpu: 80, mem2: 0 });
    assert.equal(r.servers, 3 + 1);
    assert.deepEqual(
      r.counts.map(c => [c.config.id, c.count]),
      [
        ['mem:4', 3],
        ['cpu:8', 1],
      ],
    );
    assert.equal(r.meanEmu, 1);
    // Demand in dedicated units: 100/40 + 80/80 = 3.5 over 4 servers.
    assert.equal(r.demandEmu, 3.5 / 4);
  });

  it('reports infeasible demand instead of placing it', () => {
    assert.throws(() => dedicatedBaseline(searchPairs(handExample()), { nope: 1 }), InfeasibleDemandError);
  });
});

describe('randomBaseline', () => {
  it('is deterministic for a seed and meets every demand', () => {
    const search = searchPairs(handExample());
    const demand = { mem: 400, cpu: 800, mem2: 400 };
    const a = randomBaseline(search, demand, { seed: 7 });
    const b = randomBaseline(search, demand, { seed: 7 });
    assert.deepEqual(idCounts(a), idCounts(b));
    assert.equal(a.note, 'seed 7');
    // Another seed draws other servers.
    assert.notDeepEqual(idCounts(randomBaseline(search, demand, { seed: 8 })), idCounts(a));
    for (const [m, d] of Object.entries(demand))
      assert.ok(capacityOf(a, m) >= d * (1 - 1e-9), `${m}: ${capacityOf(a, m)} < ${d}`);
    assert.deepEqual(a.unmet, []);
  });

  it('co-locates random partners at random splits that fill the node, not at the best split', () => {
    const search = searchPairs(handExample());
    const r = randomBaseline(search, { mem: 4000, cpu: 8000, mem2: 4000 }, { seed: 3 });
    const pairs = r.counts.filter(c => c.config.tenants.length === 2);
    // Random partners include mem+mem2, which Hera never picks.
    assert.ok(pairs.some(c => c.config.id.startsWith('mem:') && c.config.id.includes('mem2:')));
    // A random co-location fills the node: nA + nB = 8, nA uniform in 1..7.
    for (const c of pairs) assert.equal(c.config.cores, 8, c.config.id);
    const best = new Map(search.pairs.map(p => [`${p.a}:${p.best!.workersA}+${p.b}:${p.best!.workersB}`, p]));
    assert.ok(
      pairs.some(c => !best.has(c.config.id)),
      'every pair ran its best split',
    );
    // With 16,000 dedicated units every split of mem+cpu is drawn.
    const memCpu = new Set(
      pairs.filter(c => c.config.id.startsWith('cpu:') && c.config.id.includes('+mem:')).map(c => c.config.id),
    );
    assert.equal(memCpu.size, 7, [...memCpu].join(' '));
  });

  it('never runs a split that does not fit memory', () => {
    // a needs 30 + 10·n bytes, b 30: a split a:nA + b:(8 − nA) fits the 100-byte node only for nA ≤ 4.
    const n = node(8, { memoryBytes: 100 });
    const set = profileSet(n, [
      profile('a', roofline(8, 10, 40), { memoryPerHostBytes: 30, memoryPerWorkerBytes: 10 }),
      profile('b', roofline(8, 10, 40), { memoryPerHostBytes: 30 }),
    ]);
    const search = searchPairs(set);
    const demand = { a: 4000, b: 4000 };
    const r = randomBaseline(search, demand, { seed: 5 });
    const pairs = r.counts.filter(c => c.config.tenants.length === 2);
    assert.ok(pairs.length > 0);
    for (const c of pairs) {
      assert.ok(c.config.memoryBytes <= 100, `${c.config.id}: ${c.config.memoryBytes} bytes`);
      assert.ok(c.config.tenants.find(t => t.model === 'a')!.workers <= 4, c.config.id);
    }
    for (const [m, d] of Object.entries(demand)) assert.ok(capacityOf(r, m) >= d * (1 - 1e-9), m);
  });
});

describe('firstFitBaseline', () => {
  it('interleaves replicas of equal size, blind to interference, and repacks until demand is met', () => {
    // 8 cores; mem and mem2 each need one 4-worker replica (40 QPS). Round-robin puts both on
    // one node, where they share the bus: each gets 40/2 × 0.95 = 19 QPS. Short by 21 each, each
    // gets ⌈21/19⌉ = 2 more replicas and everything is repacked mem, mem2, mem, mem2, …: three
    // mem:4+mem2:4 nodes, 57 QPS each, on 3 servers where dedicated needs 2.
    const search = searchPairs(handExample());
    const demand = { mem: 40, mem2: 40 };
    const r = firstFitBaseline(search, demand);
    assert.deepEqual(r.unmet, []);
    assert.deepEqual(idCounts(r), [['mem:4+mem2:4', 3]]);
    const shared = r.counts[0]!.config;
    assert.ok(shared.predicted);
    assert.ok(Math.abs(shared.tenants[0]!.qps - 19) < 1e-9);
    assert.equal(r.servers, 3);
    assert.equal(dedicatedBaseline(search, demand).servers, 2);
  });

  it('mixes models: smaller replicas fill the holes larger ones leave, equal ones take turns', () => {
    // 8 cores. a (knee 5) goes first: a, a on two nodes; b (knee 3) fills the 3-core holes.
    const n = node(8, { bandwidth: 1000 });
    const set = profileSet(n, [
      profile('a', roofline(8, 10, 50), { bytesPerQuery: 1 }),
      profile('b', roofline(8, 10, 30), { bytesPerQuery: 1 }),
    ]);
    const holes = firstFitBaseline(searchPairs(set), { a: 100, b: 60 }, { maxRounds: 1 });
    assert.deepEqual(idCounts(holes), [['a:5+b:3', 2]]);
    // Three models of 3 cores: two per node, round-robin a b | c a | b c | a b | c — node
    // contents repeat every three nodes.
    const three = profileSet(
      n,
      ['a', 'b', 'c'].map(m => profile(m, roofline(8, 10, 30), { bytesPerQuery: 1 })),
    );
    const r = firstFitBaseline(searchPairs(three), { a: 90, b: 90, c: 90 }, { maxRounds: 1 });
    assert.deepEqual(idCounts(r), [
      ['a:3+b:3', 2],
      ['a:3+c:3', 1],
      ['b:3+c:3', 1],
      ['c:3', 1],
    ]);
  });

  it('equals a per-replica first-fit on small random instances where memory does not bind', () => {
    fc.assert(
      fc.property(arbInstance(false), ({ search, demand, maxRounds }) => {
        const ours = firstFitBaseline(search, demand, { maxRounds });
        const ref = referenceFirstFit(search, demand, { maxRounds, memory: 'merged' });
        assert.equal(ours.servers, ref.servers);
        assert.deepEqual(idCounts(ours), ref.counts);
        assert.deepEqual(
          ours.unmet.map(u => u.model),
          ref.unmet,
        );
        assert.doesNotMatch(ours.note ?? '', /memory binds/);
      }),
      { numRuns: 300 },
    );
  });

  it('respects memory when packing', () => {
    // Each replica needs 60 of the node's 100 bytes, so no two share a node.
    const n = node(8, { memoryBytes: 100 });
    const set = profileSet(n, [
      profile('a', roofline(8, 10, 20), { memoryPerHostBytes: 50, memoryPerWorkerBytes: 5 }),
      profile('b', roofline(8, 10, 20), { memoryPerHostBytes: 50, memoryPerWorkerBytes: 5 }),
    ]);
    const r = firstFitBaseline(searchPairs(set), { a: 40, b: 40 });
    assert.ok(r.counts.length > 0);
    assert.ok(
      r.counts.every(c => c.config.memoryBytes <= 100),
      idCounts(r).join(' '),
    );
    assert.match(r.note!, /memory binds/);
  });

  it('where memory binds, charges every replica its full request: the documented simplification, memory always respected', () => {
    fc.assert(
      fc.property(arbInstance(true), ({ search, demand, maxRounds }) => {
        const ours = firstFitBaseline(search, demand, { maxRounds });
        const ref = referenceFirstFit(search, demand, { maxRounds, memory: 'as-baseline' });
        assert.equal(ours.servers, ref.servers);
        assert.deepEqual(idCounts(ours), ref.counts);
        assert.deepEqual(
          ours.unmet.map(u => u.model),
          ref.unmet,
        );
        const limit = search.nodeClass.memoryBytes;
        for (const { config } of ours.counts) {
          const bytes = config.tenants.reduce(
            (s, t) => s + tenantMemoryBytes(search.profiles.get(t.model)!, t.workers),
            0,
          );
          assert.ok(bytes <= limit, `${config.id}: ${bytes} > ${limit}`);
          assert.ok(config.cores <= search.nodeClass.cores, config.id);
        }
        // When packing on cores alone fitted memory in every round, it is exactly merge-aware first-fit.
        if (!ref.chargedAnyRound)
          assert.deepEqual(referenceFirstFit(search, demand, { maxRounds, memory: 'merged' }).counts, ref.counts);
      }),
      { numRuns: 300 },
    );
  });

  it('reports what it could not meet after its rounds', () => {
    const search = searchPairs(handExample());
    const r = firstFitBaseline(search, { mem: 4000, mem2: 4000 }, { maxRounds: 1 });
    assert.ok(r.unmet.length > 0);
    assert.match(r.note!, /unmet after 1 repacking rounds/);
  });
});

describe('baselines at scale', () => {
  // 32 cores, 192 GiB: rmc1 and rmc2 are memory-bound with knees below 32, so first-fit mixes
  // and merges replicas and random co-location has many cells.
  const set: ProfileSet = rooflineProfileSet(zooRooflineModels(), {
    ...NODE_CLASS_16C,
    name: '32c',
    cores: 32,
    memoryBytes: 192 * 2 ** 30,
    perCoreFlops: 3 * 17e9,
  });
  const search = searchPairs(set);
  /** Uniform demand worth `perModel` dedicated servers for each of the eight models. */
  const demandAt = (perModel: number) =>
    demandFromMix(set, { mix: 'uniform', dedicatedServers: perModel * set.models.length });
  /** Fastest of five runs, in ms (this machine is shared and noisy), and the last result. */
  const time = (f: () => StrategyResult): [number, StrategyResult] => {
    let best = Infinity;
    let r: StrategyResult | undefined;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      r = f();
      best = Math.min(best, performance.now() - t0);
    }
    return [best, r!];
  };

  for (const [name, run] of [
    ['random', (d: Demand) => randomBaseline(search, d, { seed: 1 })],
    ['first-fit', (d: Demand) => firstFitBaseline(search, d)],
  ] as const) {
    it(`${name}: a million dedicated servers per model take about as long as a thousand`, () => {
      for (const m of ['rmc1', 'rmc2'])
        assert.ok(
          search.dedicated.some(c => c.tenants[0]!.model === m && c.tenants[0]!.workers < 32),
          m,
        );
      run(demandAt(1e3)); // warm up
      const [small, r3] = time(() => run(demandAt(1e3)));
      const [large, r6] = time(() => run(demandAt(1e6)));
      console.log(
        `${name}: ${small.toFixed(1)} ms for 1e3 units per model (${r3.servers} servers), ${large.toFixed(1)} ms for 1e6 (${r6.servers} servers)`,
      );
      assert.ok(large < 2000, `${large} ms`);
      // Within ~3× (or a quarter second, for noise): per-server work would make it ~1000×.
      assert.ok(large < Math.max(3 * small, small + 250), `${large} ms at 1e6 units per model, ${small} ms at 1e3`);
      assert.deepEqual(r6.unmet, []);
      const units = 1e6 * set.models.length;
      assert.ok(r6.servers > 0.5 * units && r6.servers < 2 * units, `${r6.servers} servers`);
      for (const [m, d] of Object.entries(demandAt(1e6))) assert.ok(capacityOf(r6, m) >= d * (1 - 1e-9), m);
    });
  }
});

/** Small random instances: node, profiles (equal sizes are common), demand and rounds. */
function arbInstance(
  memoryBinds: boolean,
): fc.Arbitrary<{ search: PairSearchResult; demand: Demand; maxRounds: number }> {
  return fc.integer({ min: 2, max: 12 }).chain(cores =>
    fc
      .record({
        memory: memoryBinds ? fc.integer({ min: 100, max: 1500 }) : fc.constant(1e12),
        bandwidth: fc.integer({ min: 100, max: 10_000 }),
        penalty: fc.constantFrom(0, 0.05, 0.2),
        maxRounds: fc.integer({ min: 1, max: 6 }),
        models: fc.array(
          fc.record({
            q1: fc.double({ min: 1, max: 100, noNaN: true }),
            knee: fc.oneof(fc.integer({ min: 1, max: Math.min(cores, 3) }), fc.integer({ min: 1, max: cores })),
            ws: fc.constantFrom(1, 0.9),
            bytes: fc.option(fc.double({ min: 0.1, max: 50, noNaN: true }), { nil: undefined }),
            host: memoryBinds ? fc.integer({ min: 0, max: 400 }) : fc.constantFrom(0, 50),
            worker: memoryBinds ? fc.integer({ min: 0, max: 100 }) : fc.constantFrom(0, 5),
            units: fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 25, noNaN: true })),
          }),
          { minLength: 1, maxLength: 6 },
        ),
      })
      .map(({ memory, bandwidth, penalty, maxRounds, models }) => {
        const set = profileSet(
          node(cores, { memoryBytes: memory, bandwidth }),
          models.map((m, i) =>
            profile(
              `m${i}`,
              Array.from({ length: cores }, (_, j) => m.q1 * Math.min(j + 1, m.knee) * m.ws ** Math.min(j, m.knee - 1)),
              {
                ...(m.bytes === undefined ? {} : { bytesPerQuery: m.bytes }),
                memoryPerHostBytes: m.host,
                memoryPerWorkerBytes: m.worker,
              },
            ),
          ),
        );
        const search = searchPairs(set, { interference: { colocationPenalty: penalty } });
        const placeable = new Set(search.dedicated.map(c => c.tenants[0]!.model));
        const demand = Object.fromEntries(
          models.map((m, i) => [`m${i}`, placeable.has(`m${i}`) ? m.units * search.profiles.get(`m${i}`)!.qpsMax : 0]),
        );
        return { search, demand, maxRounds };
      }),
  );
}
