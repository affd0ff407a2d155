/**
 * The node manager's loop with the real policy (@hera/hera NodeManagerPolicy) and a
 * stand-in node: tenants whose window statistics the test sets, and an `apply` that
 * records what the loop hands the agent. What the cgroups and hosts then do is
 * covered by node-manager.int.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@hera/logger';
import { Registry } from '@hera/metrics';
import type { TenantStats } from './host/protocol';
import {
  allocationMillis,
  NodeManager,
  planOvercommit,
  type ManagedNode,
  type NodeManagerLoopOptions,
  type ProfileHint,
} from './node-manager';
import type { Allocation, TenantState } from './tenant';

const MiB = 1024 * 1024;

function alloc(model: string, cpuset: number[], memoryLimitBytes = 200 * MiB): Allocation {
  return {
    model,
    version: '1',
    workers: cpuset.length,
    cpuset,
    cpuMillis: cpuset.length * 1000,
    memoryLimitBytes,
    subBatchSize: 64,
  };
}

function stats(p95Ms: number, count = 100): TenantStats {
  return {
    p50Ms: p95Ms / 2,
    p95Ms: 0,
    p99Ms: 0,
    count: 0,
    servedQps: 0,
    itemsPerS: 0,
    queueDepth: 0,
    workersReady: 1,
    errors: {},
    rssBytes: 0,
    recent: { windowMs: 2_000, p95Ms, count },
  };
}

interface StandIn extends ManagedNode {
  list: { allocation: Allocation; state: TenantState; stats: TenantStats | undefined }[];
  plan: Map<string, Allocation>;
  applied: Allocation[];
  reconciling: boolean;
  set(model: string, p95Ms: number, count?: number): void;
  /** What NodeAgent.reconcile does: every plan tenant back to the plan's allocation. */
  resetToPlan(): void;
}

/** rmc1 (SLA 100 ms) on core 3 and din (SLA 100 ms) on core 2 of a 4-core node; cores 0-1 free. */
function standIn(): StandIn {
  const plan = new Map([
    ['din', alloc('din', [2])],
    ['rmc1', alloc('rmc1', [3])],
  ]);
  const n: StandIn = {
    list: [...plan.values()].map(a => ({ allocation: { ...a }, state: 'serving' as TenantState, stats: stats(50) })),
    plan,
    applied: [],
    reconciling: false,
    tenants: () => n.list,
    planned: m => n.plan.get(m),
    slaMs: () => 100,
    apply: async a => {
      n.applied.push(a);
      n.list.find(t => t.allocation.model === a.model)!.allocation = a;
    },
    set: (model, p95Ms, count) => {
      n.list.find(t => t.allocation.model === model)!.stats = stats(p95Ms, count);
    },
    resetToPlan: () => {
      for (const t of n.list) t.allocation = { ...n.plan.get(t.allocation.model)! };
    },
  };
  return n;
}

function manager(node: ManagedNode, o: Partial<NodeManagerLoopOptions> = {}) {
  const asked: { model: string; why: string }[] = [];
  const metrics = new Registry();
  const m = new NodeManager({
    node,
    cores: 4,
    memoryBytes: 8 * 1024 * MiB,
    enabled: true,
    state: 'on',
    intervalMs: 1_000,
    profile: async (model): Promise<ProfileHint | undefined> =>
      model === 'rmc1' ? { kind: 'compute-bound', knee: 4, memoryPerWorkerBytes: 40 * MiB } : undefined,
    needCapacity: (model, _p95, _sla, why) => asked.push({ model, why }),
    resctrl: 'unavailable: /sys/fs/resctrl not mounted',
    log: silentLogger(),
    metrics,
    // These tests look at the step right after a window goes bad (the default waits for two).
    policy: { growAfterIntervals: 1 },
    ...o,
  });
  return { m, asked, metrics };
}

const T0 = 1_000_000;

describe('NodeManager (loop)', () => {
  it('gives a tenant under its SLA a core from the free pool: cpuset, quota, workers and memory together', async () => {
    const node = standIn();
    const { m, asked, metrics } = manager(node);
    assert.deepEqual(await m.step(T0), [], 'everyone within SLA, nobody above the plan: nothing to do');
    node.set('rmc1', 99); // slack 0.01 < 0.05
    const moves = await m.step(T0 + 1_000);
    assert.equal(moves.length, 1);
    assert.deepEqual(
      { ...moves[0], reason: undefined },
      { to: 'rmc1', from: 'free', millis: 1000, kind: 'core', undo: false, reason: undefined },
    );
    assert.equal(node.applied.length, 2, 'both tenants handed to the agent (din unchanged: a no-op there)');
    const rmc1 = node.applied.find(a => a.model === 'rmc1')!;
    assert.deepEqual(rmc1.cpuset, [1, 3], 'keeps its planned core, takes the highest free one');
    assert.equal(rmc1.cpuMillis, 2000);
    assert.equal(rmc1.workers, 2);
    assert.equal(rmc1.memoryLimitBytes, 250 * MiB, "the plan's limit + the profile's 40 MiB per added worker × 1.25");
    assert.deepEqual(
      node.applied.find(a => a.model === 'din'),
      alloc('din', [2]),
    );
    assert.equal(asked.length, 0);

    const s = m.status();
    assert.equal(s.moves, 1);
    assert.equal(s.lastMoves?.length, 1);
    assert.equal(s.lastMoves?.[0]?.atMs, T0 + 1_000);
    assert.match(s.lastMoves?.[0]?.reason ?? '', /rmc1 slack 0\.01 < 0\.05: \+1000 m from the free pool/);
    assert.match(
      await metrics.getSingleMetricAsString('hera_node_manager_moves_total'),
      /model="rmc1",direction="grow",kind="core"\} 1/,
    );
  });

  it('shrinks before it grows, so the node never holds more than it has', async () => {
    const node = standIn();
    // 2 cores, both taken by the plan: growth can only come from the slack tenant.
    node.plan.set('din', alloc('din', [0]));
    node.plan.set('rmc1', alloc('rmc1', [1]));
    node.resetToPlan();
    const { m } = manager(node, { cores: 2 });
    // din comes first among the tenants, and it is the one that grows.
    node.set('din', 99);
    node.set('rmc1', 10); // slack 0.9 > 0.2: the donor
    const moves = await m.step(T0);
    assert.deepEqual(
      moves.map(x => `${x.from}→${x.to} ${x.millis} ${x.kind}`),
      ['rmc1→din 250 quota'],
      'whole cores cannot move on 2 cores: a quarter core of quota',
    );
    assert.deepEqual(
      node.applied.map(a => `${a.model} ${a.cpuMillis}m [${a.cpuset.join(',')}] ×${a.workers}`),
      ['rmc1 750m [1] ×1', 'din 1250m [0,1] ×2'],
    );
  });

  it('does not apply moves that would hand out more than the node has (a tenant outside the plan holds cores)', async () => {
    const node = standIn();
    // The profiler's tenant (ApplyAllocation: no plan allocation) runs on every core without a quota.
    node.list.push({
      allocation: { ...alloc('ncf', []), workers: 1, cpuMillis: 0 },
      state: 'serving',
      stats: undefined,
    });
    const { m, metrics } = manager(node);
    node.set('rmc1', 99);
    assert.deepEqual(await m.step(T0), []);
    assert.deepEqual(node.applied, []);
    assert.equal(m.status().moves, 0);
    assert.match(
      await metrics.getSingleMetricAsString('hera_node_manager_skipped_total'),
      /reason="would-overcommit"\} 1/,
    );
  });

  it('asks placement for capacity for a memory-bound tenant at its knee instead of growing it', async () => {
    const node = standIn();
    const { m, asked } = manager(node, {
      profile: async model => (model === 'din' ? { kind: 'memory-bound', knee: 1 } : undefined),
    });
    node.set('din', 120);
    assert.deepEqual(await m.step(T0), []);
    assert.deepEqual(node.applied, []);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.model, 'din');
    assert.match(asked[0]!.why, /^node manager: .*knee/);
  });

  it('resets on a new plan: what was under judgement is forgotten', async () => {
    for (const newPlan of [false, true]) {
      const node = standIn();
      const { m } = manager(node);
      node.set('rmc1', 99);
      assert.equal((await m.step(T0)).length, 1);
      if (newPlan) {
        node.resetToPlan();
        m.planApplied();
      }
      // Still short of its SLA one interval later: under judgement (the move holds it for
      // 5 intervals) it gets nothing more; after a new plan it starts afresh from the plan.
      const next = await m.step(T0 + 1_000);
      if (newPlan) {
        assert.deepEqual(
          next.map(x => `${x.from}→${x.to} ${x.millis}`),
          ['free→rmc1 1000'],
        );
        assert.deepEqual(node.list.find(t => t.allocation.model === 'rmc1')!.allocation.cpuset, [1, 3]);
      } else {
        assert.deepEqual(next, [], 'the first move is still being judged');
      }
    }
  });

  it('keeps its hands off during a reconcile, while a plan tenant restarts and under an overcommitted plan', async () => {
    const node = standIn();
    const { m } = manager(node);
    node.set('rmc1', 99);
    node.reconciling = true;
    assert.deepEqual(await m.step(T0), []);
    node.reconciling = false;
    node.list[0]!.state = 'restarting';
    assert.deepEqual(await m.step(T0 + 1_000), []);
    node.list[0]!.state = 'serving';
    node.plan.set('din', alloc('din', [3]));
    assert.deepEqual(await m.step(T0 + 2_000), []);
    assert.match(m.status().state ?? '', /^on, holding: the plan puts din and rmc1 on core 3$/);
    assert.deepEqual(node.applied, []);
  });

  it('reports why it is off and starts no timer then', () => {
    const { m } = manager(standIn(), { enabled: false, state: 'off: NODE_MANAGER=off' });
    m.start();
    assert.equal(m.status().enabled, false);
    assert.equal(m.status().state, 'off: NODE_MANAGER=off');
    assert.equal(m.status().resctrl, 'unavailable: /sys/fs/resctrl not mounted');
    m.stop();
  });
});

describe('allocationMillis / planOvercommit', () => {
  it('counts a quota, else the cores, else the whole node', () => {
    assert.equal(allocationMillis({ cpuset: [0, 1], cpuMillis: 1250 }, 4), 1250);
    assert.equal(allocationMillis({ cpuset: [0, 1], cpuMillis: 0 }, 4), 2000);
    assert.equal(allocationMillis({ cpuset: [], cpuMillis: 0 }, 4), 4000);
    assert.equal(
      allocationMillis({ cpuset: [1], cpuMillis: 3000 }, 4),
      1000,
      'a quota above its cores gives no more than the cores',
    );
  });

  it("says when the plan's own split does not fit the node", () => {
    assert.equal(planOvercommit([alloc('a', [0]), alloc('b', [1])], 2), '');
    assert.equal(
      planOvercommit([alloc('a', [0, 1]), alloc('b', [1])], 2),
      'the plan gives its tenants 3000 m, the node has 2000 m',
    );
    assert.equal(planOvercommit([alloc('a', [1]), alloc('b', [1])], 4), 'the plan puts a and b on core 1');
  });
});
