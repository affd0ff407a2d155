import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { explainPlan, explainPredictor } from './explain';
import { loadMilpSolver, type MilpSolver } from './milp-solver';
import { NODE_CLASS_2C } from './node-classes';
import { planCluster } from './plan';
import { rooflineProfileSet } from './roofline';
import { handExample, node, profile, profileSet, roofline } from './test-fixtures';
import { zooRooflineModels } from './zoo-roofline';

let highs: MilpSolver;
before(async () => {
  highs = await loadMilpSolver();
});

describe('explainPlan', () => {
  it('says what a pair rests on and why that many servers of it', () => {
    // cpu:4+mem:4 serves 40/1.04 × 0.95 ≈ 36.5 QPS of each; 10 such servers carry 365 QPS.
    const plan = planCluster(handExample(), { mem: 365, cpu: 365 }, { solver: highs });
    const [pair] = explainPlan(plan).filter(e => e.config === 'cpu:4+mem:4');
    assert.ok(pair, `plan: ${plan.hera.counts.map(c => `${c.config.id}×${c.count}`).join(', ')}`);
    assert.equal(pair.basis, 'predicted from solo profiles; solo profiles: cpu measured, mem measured');
    assert.match(pair.countReason, new RegExp(`^×${pair.count}: cpu ${pair.count} × 36\\.5 = `));
    assert.match(pair.countReason, /of its 365\.0 qps/);
    assert.match(pair.reason, /memory-bound with compute-bound/);
    assert.deepEqual(
      pair.tenants.map(t => t.profileSource),
      ['measured', 'measured'],
    );
  });

  it('says a dedicated server is there because its partner’s demand is used up, when it is', () => {
    // Little cpu demand: a pair server or two carries all of it, mem's rest goes on dedicated servers.
    const plan = planCluster(handExample(), { mem: 400, cpu: 30 }, { solver: highs });
    const ded = explainPlan(plan).find(e => e.config === 'mem:4')!;
    assert.ok(ded, `plan: ${plan.hera.counts.map(c => `${c.config.id}×${c.count}`).join(', ')}`);
    const pairs = plan.hera.counts.find(c => c.config.id === 'cpu:4+mem:4')!.count;
    assert.match(
      ded.reason,
      new RegExp(
        `cpu's demand \\(30\\.0 qps\\) is used up: the plan already carries ${(pairs * 36.538).toFixed(1)} qps of it`,
      ),
    );
    assert.match(ded.reason, new RegExp(`besides ×${pairs} on cpu:4\\+mem:4`));
    assert.equal(ded.basis, 'solo profile (measured)');
  });

  it('says no partner beats dedicated when none does', () => {
    const set = profileSet(node(4, { bandwidth: 1e9 }), [
      profile('a', roofline(4, 10), { bytesPerQuery: 1 }),
      profile('b', roofline(4, 7), { bytesPerQuery: 1 }),
    ]);
    const e = explainPlan(planCluster(set, { a: 80, b: 56 }, { solver: highs }));
    assert.deepEqual(e.map(x => x.config).sort(), ['a:4', 'b:4']);
    for (const x of e) assert.match(x.reason, /no partner beats two dedicated servers/);
  });

  it('never calls a roofline-derived profile measured', () => {
    const set = rooflineProfileSet(zooRooflineModels(), NODE_CLASS_2C);
    const e = explainPlan(planCluster(set, { rmc1: 300, din: 1000 }, { solver: highs }));
    assert.ok(e.length > 0);
    for (const x of e) {
      assert.doesNotMatch(x.basis, /measured/);
      assert.match(x.basis, /derived/);
    }
  });
});

describe('explainPredictor', () => {
  it('checks the predictor against the measured pairs of the plan’s set', () => {
    const base = handExample();
    const set = {
      ...base,
      pairs: [
        {
          a: 'mem',
          b: 'cpu',
          splits: [{ workersA: 3, workersB: 5, qpsA: 30, qpsB: 50 }],
          provenance: { kind: 'measured', detail: 't' } as const,
        },
      ],
    };
    const c = explainPredictor(planCluster(set, { mem: 40 }, { solver: highs }));
    assert.equal(c.splits, 1);
    // Predicted 28.5 and 47.5 (bus at 0.8, γ = 0.05) against 30 and 50: 5% each.
    assert.ok(Math.abs(c.qpsError!.mean - 0.05) < 1e-9 && Math.abs(c.qpsError!.max - 0.05) < 1e-9);
  });
});
