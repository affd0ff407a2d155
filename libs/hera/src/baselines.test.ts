import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dedicatedBaseline, firstFitBaseline, randomBaseline } from './baselines';
import { searchPairs } from './pair-search';
import { InfeasibleDemandError } from './required-servers';
import { handExample, node, profile, profileSet, roofline } from './test-fixtures';

describe('dedicatedBaseline', () => {
  it('needs ⌈D_m / QPSmax_m⌉ servers per model, each at EMU 1', () => {
    const search = searchPairs(handExample());
    const r = dedicatedBaseline(search, { mem: 100, cpu: 80, mem2: 0 });
    assert.equal(r.servers, 3 + 1);
    assert.deepEqual(r.counts.map(c => [c.config.id, c.count]), [['mem:4', 3], ['cpu:8', 1]]);
    assert.equal(r.meanEmu, 1);
    // Demand in dedicated units: 100/40 + 80/80 = 3.5 over 4 servers.
    assert.equal(r.demandEmu, 3.5 / 4);
  });

  it('reports infeasible demand instead of placing it', () => {
    assert.throws(() => dedicatedBaseline(searchPairs(handExample()), { nope: 1 }), InfeasibleDemandError);
  });
});

describe('randomBaseline', () => {
  it('is deterministic for a seed and meets the demand', () => {
    const search = searchPairs(handExample());
    const demand = { mem: 400, cpu: 800, mem2: 400 };
    const a = randomBaseline(search, demand, { seed: 7 });
    const b = randomBaseline(search, demand, { seed: 7 });
    assert.deepEqual(a.counts.map(c => [c.config.id, c.count]), b.counts.map(c => [c.config.id, c.count]));
    for (const [m, d] of Object.entries(demand)) {
      const cap = a.counts.reduce((s, c) => s + c.count * (c.config.tenants.find(t => t.model === m)?.qps ?? 0), 0);
      assert.ok(cap >= d, `${m}: ${cap} < ${d}`);
    }
    // Random partners include mem+mem2, which Hera never picks: it needs more servers than Hera.
    assert.ok(a.counts.some(c => c.config.id.startsWith('mem:') && c.config.id.includes('mem2:')));
  });
});

describe('firstFitBaseline', () => {
  it('packs replicas of n* workers by cores, blind to interference, and repacks until demand is met', () => {
    // 8 cores; mem and mem2 each need one 4-worker replica (40 QPS). First-fit puts both on one
    // node, where they share the bus: each gets 40/2 × 0.95 = 19 QPS. Short by 21 each, each
    // gets ⌈21/19⌉ = 2 more replicas and everything is repacked: [mem:8], [mem:4+mem2:4],
    // [mem2:8] → 40 + 19 = 59 QPS each, on 3 servers where dedicated needs 2.
    const search = searchPairs(handExample());
    const demand = { mem: 40, mem2: 40 };
    const r = firstFitBaseline(search, demand);
    assert.deepEqual(r.unmet, []);
    assert.deepEqual(r.counts.map(c => [c.config.id, c.count]).sort(), [['mem:4+mem2:4', 1], ['mem2:8', 1], ['mem:8', 1]].sort());
    const shared = r.counts.find(c => c.config.tenants.length === 2)!.config;
    assert.ok(shared.predicted);
    assert.ok(Math.abs(shared.tenants[0]!.qps - 19) < 1e-9);
    assert.equal(r.servers, 3);
    assert.equal(dedicatedBaseline(search, demand).servers, 2);
  });

  it('respects memory when packing', () => {
    // Each replica needs 60 of the node's 100 bytes, so no two share a node.
    const n = node(8, { memoryBytes: 100 });
    const set = profileSet(n, [profile('a', roofline(8, 10, 20), { memoryPerHostBytes: 50, memoryPerWorkerBytes: 5 }), profile('b', roofline(8, 10, 20), { memoryPerHostBytes: 50, memoryPerWorkerBytes: 5 })]);
    const r = firstFitBaseline(searchPairs(set), { a: 40, b: 40 });
    assert.ok(r.counts.every(c => c.config.tenants.length === 1 || c.config.memoryBytes <= 100));
  });

  it('reports what it could not meet after its rounds', () => {
    const search = searchPairs(handExample());
    const r = firstFitBaseline(search, { mem: 4000, mem2: 4000 }, { maxRounds: 1 });
    assert.ok(r.unmet.length > 0);
    assert.match(r.note!, /unmet after 1 repacking rounds/);
  });
});
