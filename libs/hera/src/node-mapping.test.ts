import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateTenants, packCpusets } from './allocation';
import { mapConfigsToNodes, type RegisteredNode } from './node-mapping';
import type { ServerConfig } from './server-config';
import { profile, roofline } from './test-fixtures';

function cfg(tenants: [string, number][], memoryBytes = 0): ServerConfig {
  const sorted = [...tenants].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    id: sorted.map(([m, w]) => `${m}:${w}`).join('+'),
    kind: tenants.length === 1 ? 'dedicated' : 'pair',
    tenants: sorted.map(([model, workers]) => ({
      model,
      workers,
      qps: 1,
      qpsMax: 1,
      kind: 'compute-bound',
      profileSource: 'measured',
    })),
    emu: 1,
    basis: tenants.length === 1 ? 'solo-profile' : 'predicted',
    predicted: tenants.length > 1,
    cores: tenants.reduce((s, [, w]) => s + w, 0),
    memoryBytes,
  };
}

const nodes = (n: number, extra: Partial<RegisteredNode> = {}): RegisteredNode[] =>
  Array.from({ length: n }, (_, i) => ({ nodeId: `n${i}`, nodeClass: '16c', cores: 16, memoryBytes: 1000, ...extra }));

describe('mapConfigsToNodes', () => {
  it('keeps nodes on their previous configuration when the plan still wants it', () => {
    const pair = cfg([
      ['rmc2', 12],
      ['ncf', 4],
    ]);
    const wnd = cfg([['wnd', 16]]);
    const previous = { n2: pair.id, n0: wnd.id, n1: 'gone:16' };
    const r = mapConfigsToNodes(
      [
        { config: pair, count: 1 },
        { config: wnd, count: 2 },
      ],
      nodes(3),
      { previous },
    );
    const by = Object.fromEntries(r.assignments.map(a => [a.nodeId, [a.config.id, a.movement]]));
    assert.deepEqual(by, { n0: ['wnd:16', 'kept'], n2: ['ncf:4+rmc2:12', 'kept'], n1: ['wnd:16', 'new'] });
    assert.deepEqual(r.movement, { kept: 3, resized: 0, started: 1, stopped: 1 });
    assert.deepEqual(r.unplaced, []);
  });

  it('prefers a node that already runs one of the tenants (partial reuse)', () => {
    const next = cfg([
      ['rmc2', 10],
      ['din', 6],
    ]);
    const r = mapConfigsToNodes([{ config: next, count: 1 }], nodes(3), {
      previous: { n0: 'wnd:16', n2: 'ncf:4+rmc2:12' },
    });
    assert.equal(r.assignments[0]!.nodeId, 'n2');
    assert.equal(r.assignments[0]!.movement, 'partial');
    assert.deepEqual(r.movement, { kept: 0, resized: 1, started: 1, stopped: 2 });
    assert.deepEqual(r.idleNodes, ['n0', 'n1']);
  });

  it('reports configurations it cannot place, with the reason', () => {
    const big = cfg([['a', 16]], 2000);
    const small = cfg([['b', 8]]);
    const r = mapConfigsToNodes(
      [
        { config: big, count: 1 },
        { config: small, count: 3 },
      ],
      nodes(2),
    );
    assert.equal(r.assignments.length, 2);
    const why = Object.fromEntries(r.unplaced.map(u => [u.config.id, [u.count, u.reason]]));
    assert.match(why['a:16']![1] as string, /no eligible node has 16 cores and 2000 bytes/);
    assert.deepEqual(why['b:8']![0], 1);
    assert.match(why['b:8']![1] as string, /1 more node\(s\) needed/);
  });

  it('uses only nodes of the class and labels asked for', () => {
    const all = [
      ...nodes(2),
      { nodeId: 'x', nodeClass: '2c', cores: 2, memoryBytes: 1000 },
      { nodeId: 'y', nodeClass: '16c', cores: 16, memoryBytes: 1000, labels: { zone: 'b' } },
    ];
    const r = mapConfigsToNodes([{ config: cfg([['a', 16]]), count: 4 }], all, {
      nodeClass: '16c',
      labelSelector: { zone: 'b' },
    });
    assert.deepEqual(
      r.assignments.map(a => a.nodeId),
      ['y'],
    );
    assert.equal(r.unplaced[0]!.count, 3);
  });

  it('maps 10,000 nodes quickly', () => {
    const r = mapConfigsToNodes(
      [
        { config: cfg([['a', 16]]), count: 6000 },
        {
          config: cfg([
            ['b', 8],
            ['c', 8],
          ]),
          count: 4000,
        },
      ],
      nodes(10_000),
    );
    assert.equal(r.assignments.length, 10_000);
    assert.deepEqual(r.unplaced, []);
  });

  it('rejects duplicate node ids', () => {
    assert.throws(() => mapConfigsToNodes([], [...nodes(1), ...nodes(1)]), /nodes\[1\]\.nodeId: n0 is listed twice/);
  });
});

describe('allocateTenants', () => {
  const profiles = [
    profile('rmc2', roofline(16, 10, 100), { memoryPerHostBytes: 1000, memoryPerWorkerBytes: 10, bestSubBatch: 32 }),
    profile('ncf', roofline(16, 10), { memoryPerHostBytes: 100, memoryPerWorkerBytes: 1, bestSubBatch: 256 }),
  ];

  it('gives each tenant a contiguous, disjoint cpuset against the highest cores, a quota and a memory limit with headroom', () => {
    const a = allocateTenants('ncf:4+rmc2:10', { cores: 16, memoryBytes: 1e6 }, profiles);
    // 14 of 16 cores: cores 0 and 1 (agent, interrupts) stay free; the profiler measures there too.
    assert.deepEqual(a, [
      {
        model: 'ncf',
        workers: 4,
        cpuset: [2, 3, 4, 5],
        cpuMillis: 4000,
        memoryLimitBytes: Math.floor(104 * 1.25),
        subBatchSize: 256,
      },
      {
        model: 'rmc2',
        workers: 10,
        cpuset: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        cpuMillis: 10_000,
        memoryLimitBytes: 1100 + 275,
        subBatchSize: 32,
      },
    ]);
    assert.deepEqual(packCpusets(16, [4, 10]), [a[0]!.cpuset, a[1]!.cpuset]);
    assert.deepEqual(
      packCpusets(2, [1]),
      [[1]],
      'a one-worker tenant on 2 cores runs on core 1, as its solo profile did',
    );
  });

  it('skips reserved cores and shrinks headroom to what the node has', () => {
    const a = allocateTenants('ncf:4+rmc2:10', { cores: 16, memoryBytes: 1204 + 120 }, profiles, {
      reservedCores: [0, 5],
    });
    assert.deepEqual(a[0]!.cpuset, [1, 2, 3, 4]);
    assert.deepEqual(a[1]!.cpuset, [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const total = a.reduce((s, t) => s + t.memoryLimitBytes, 0);
    assert.ok(total <= 1324 && a[0]!.memoryLimitBytes >= 104 && a[1]!.memoryLimitBytes >= 1100);
  });

  it('refuses a node without enough cores or memory', () => {
    assert.throws(
      () => allocateTenants('ncf:4+rmc2:10', { cores: 16, memoryBytes: 1e6 }, profiles, { reservedCores: [0, 1, 2] }),
      /needs 14 cores, the node has 13/,
    );
    assert.throws(
      () => allocateTenants('ncf:4+rmc2:10', { cores: 16, memoryBytes: 1000 }, profiles),
      /needs 1204 bytes/,
    );
    assert.throws(() => allocateTenants('dien:2', { cores: 16, memoryBytes: 1e6 }, profiles), /no profile for dien/);
    assert.throws(() => allocateTenants('ncf-4', { cores: 16, memoryBytes: 1e6 }, profiles), /is not model:workers/);
  });
});
