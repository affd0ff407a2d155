import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadMilpSolver, type MilpSolver } from './milp-solver';
import { explainPlan } from './explain';
import { planCluster } from './plan';
import { qpsAt, tenantMemoryBytes, type ProfileSet } from './profile';
import { node, profile, profileSet } from './test-fixtures';

let highs: MilpSolver;
before(async () => {
  highs = await loadMilpSolver();
});

/** Random node classes and profiles: roofline-ish curves with some sub-linear scaling, random memory. */
const arbSet: fc.Arbitrary<ProfileSet> = fc.integer({ min: 2, max: 10 }).chain(cores =>
  fc
    .record({
      memory: fc.integer({ min: 200, max: 2000 }),
      bandwidth: fc.integer({ min: 100, max: 10_000 }),
      models: fc.array(
        fc.record({
          q1: fc.double({ min: 1, max: 100, noNaN: true }),
          knee: fc.integer({ min: 1, max: cores }),
          ws: fc.double({ min: 0.6, max: 1, noNaN: true }),
          bytes: fc.option(fc.double({ min: 0.1, max: 50, noNaN: true }), { nil: undefined }),
          host: fc.integer({ min: 0, max: 150 }),
          worker: fc.integer({ min: 0, max: 30 }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    })
    .map(({ memory, bandwidth, models }) =>
      profileSet(
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
      ),
    ),
);

const arbCase = arbSet.chain(set =>
  fc.record({
    set: fc.constant(set),
    units: fc.array(fc.double({ min: 0, max: 30, noNaN: true }), {
      minLength: set.models.length,
      maxLength: set.models.length,
    }),
    penalty: fc.constantFrom(0, 0.05, 0.2),
    sameKind: fc.boolean(),
  }),
);

describe('planCluster properties', () => {
  it('every plan meets every demand, respects cores and memory, and never needs more servers than dedicated', () => {
    fc.assert(
      fc.property(arbCase, ({ set, units, penalty, sameKind }) => {
        const demand = Object.fromEntries(set.models.map((m, i) => [m.model, units[i]! * m.qpsMax]));
        const plan = planCluster(set, demand, {
          solver: highs,
          timeLimitMs: 2000,
          pairSearch: { interference: { colocationPenalty: penalty }, heterogeneousOnly: !sameKind },
        });
        const byName = new Map(plan.strategies.map(s => [s.strategy, s]));
        const hera = byName.get('hera')!;
        const dedicated = byName.get('dedicated')!;
        assert.ok(hera.servers <= dedicated.servers, `hera ${hera.servers} > dedicated ${dedicated.servers}`);
        for (const s of plan.strategies) {
          for (const { config } of s.counts) {
            assert.ok(config.cores <= set.nodeClass.cores, `${s.strategy} ${config.id}: ${config.cores} cores`);
            const mem = config.tenants.reduce(
              (sum, t) => sum + tenantMemoryBytes(plan.search.profiles.get(t.model)!, t.workers),
              0,
            );
            assert.ok(mem <= set.nodeClass.memoryBytes, `${s.strategy} ${config.id}: ${mem} bytes`);
            for (const t of config.tenants) {
              // Sharing a node never makes a tenant faster than it runs alone.
              assert.ok(
                t.qps <= qpsAt(plan.search.profiles.get(t.model)!, t.workers) + 1e-9,
                `${config.id} ${t.model}`,
              );
            }
          }
          if (s.unmet.length) continue; // first-fit may report unmet demand instead
          for (const [m, d] of Object.entries(demand)) {
            const cap = s.counts.reduce(
              (sum, c) => sum + c.count * (c.config.tenants.find(t => t.model === m)?.qps ?? 0),
              0,
            );
            assert.ok(cap >= d * (1 - 1e-9), `${s.strategy}: ${m} capacity ${cap} < demand ${d}`);
          }
        }
        // Hera only uses pairs that beat two dedicated servers.
        for (const { config } of hera.counts)
          if (config.kind === 'pair') assert.ok(config.emu > 1, `${config.id} EMU ${config.emu}`);
        assert.equal(explainPlan(plan).length, hera.counts.length);
      }),
      { numRuns: 120, seed: 7 },
    );
  });
});
