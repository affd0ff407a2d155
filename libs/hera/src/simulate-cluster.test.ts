import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { demandFromMix } from './demand';
import { loadMilpSolver, type MilpSolver } from './milp-solver';
import { simulateCluster } from './simulate-cluster';
import { handExample } from './test-fixtures';

let highs: MilpSolver;
before(async () => {
  highs = await loadMilpSolver();
});

describe('simulateCluster', () => {
  it('compares Hera with every baseline and maps Hera onto the simulated nodes', () => {
    const set = handExample();
    const demand = demandFromMix(set, { mix: 'uniform', dedicatedServers: 300 });
    const r = simulateCluster(set, demand, { clusterSize: 300, solver: highs });
    assert.deepEqual(
      r.strategies.map(s => s.strategy),
      ['hera', 'dedicated', 'random', 'first-fit'],
    );
    const [hera, dedicated] = r.strategies;
    assert.equal(dedicated!.servers, 300);
    assert.ok(hera!.servers < 300);
    assert.ok(Math.abs(hera!.serversSavedVsDedicated - (1 - hera!.servers / 300)) < 1e-12);
    assert.equal(r.mapping.placed, hera!.servers);
    assert.equal(r.mapping.idle, 300 - hera!.servers);
    assert.ok(r.heraConfigs.some(c => c.predicted && c.config === 'cpu:4+mem:4'));
  });

  it('reports when a strategy needs more nodes than the cluster has', () => {
    const set = handExample();
    const r = simulateCluster(set, demandFromMix(set, { mix: 'uniform', dedicatedServers: 30 }), {
      clusterSize: 10,
      solver: highs,
    });
    assert.equal(r.strategies[1]!.fitsCluster, false);
    assert.ok(r.mapping.unplaced > 0);
  });

  it('rejects cluster sizes outside 1..10,000', () => {
    assert.throws(
      () => simulateCluster(handExample(), {}, { clusterSize: 10_001 }),
      /clusterSize: must be an integer in 1\.\.10000/,
    );
  });
});
