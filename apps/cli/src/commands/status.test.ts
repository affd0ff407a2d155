import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TenantAllocation__Output, TenantStatus__Output } from '@hera/proto';
import { renderStatus, unconfinedNotes, type ClusterStatus } from './status';

const alloc = (model: string, cpuset: number[], cpuMillis: number): TenantAllocation__Output => ({
  model,
  version: '1',
  workers: Math.ceil(cpuMillis / 1000),
  cpuset,
  cpuMillis,
  memoryLimitBytes: 0,
  subBatchSize: 64,
});

function tenant(
  a: TenantAllocation__Output,
  planned: TenantAllocation__Output | null,
  recent: TenantStatus__Output['recent'] = null,
  backend = 'wasm',
): TenantStatus__Output {
  return {
    allocation: a,
    plannedAllocation: planned,
    state: 'serving',
    latency: { p50Ms: 1, p95Ms: 2, p99Ms: 3, count: 10 },
    servedQps: 5,
    servedItemsPerS: 800,
    queueDepth: 0,
    memoryBytes: 0,
    restarts: 0,
    lastRestartCause: '',
    endpoint: '127.0.0.1:1',
    version: '1',
    errors: {},
    recent,
    backend,
  };
}

describe('renderStatus: node manager', () => {
  it("shows each tenant's planned allocation beside the current one and the last moves", () => {
    const now = 1_000_000;
    const s: ClusterStatus = {
      redisUrl: 'redis://x',
      services: [],
      nodes: [],
      models: [],
      planVersion: 3,
      tenants: [
        {
          nodeId: 'n1',
          tenants: [
            tenant(alloc('rmc1', [0, 1], 1250), alloc('rmc1', [1], 1000), {
              p50Ms: 0,
              p95Ms: 60_000,
              p99Ms: 0,
              count: 41,
            }),
            tenant(alloc('din', [0], 1000), alloc('din', [0], 1000), null, 'onnxruntime'),
            tenant(alloc('ncf', [], 0), null),
          ],
          nodeManager: {
            enabled: true,
            state: 'on',
            intervalMs: 1000,
            resctrl: 'unavailable: /sys/fs/resctrl not mounted',
            moves: 1,
            undos: 0,
            lastMoves: [
              {
                atMs: now - 3_000,
                to: 'rmc1',
                from: 'din',
                millis: 250,
                kind: 'quota',
                reason: 'rmc1 slack 0.01 < 0.05: +250 m from din (slack 0.50)',
                undo: false,
              },
            ],
          },
        },
      ],
    };
    const out = renderStatus(s, now);
    const rows = out.split('\n');
    const header = rows.find(l => l.includes('tenant') && l.includes('planned'));
    assert.ok(header, out);
    const col = header.indexOf('planned');
    const at = (model: string) =>
      rows
        .find(l => new RegExp(`^n1 +${model} `).test(l))!
        .slice(col)
        .split(/\s{2,}/)[0];
    assert.equal(at('rmc1'), '1w 1 1000m', "moved: the plan's allocation");
    assert.equal(at('din'), '=', 'as planned');
    assert.equal(at('ncf'), '-', 'not a plan tenant');
    const win = header.indexOf('manager window');
    assert.equal(
      rows
        .find(l => /^n1 +rmc1 /.test(l))!
        .slice(win)
        .split(/\s{2,}/)[0],
      '60000.0 (41)',
      'the window the node manager judges by, shed requests as 60,000 ms',
    );
    const engine = header.indexOf('backend');
    assert.equal(
      rows
        .find(l => /^n1 +din /.test(l))!
        .slice(engine)
        .split(/\s{2,}/)[0],
      'onnxruntime',
      'which engine serves each tenant',
    );
    assert.equal(
      rows
        .find(l => /^n1 +rmc1 /.test(l))!
        .slice(engine)
        .split(/\s{2,}/)[0],
      'wasm',
    );
    assert.match(out, /node manager on n1: on; 1 moves, 0 undone; resctrl unavailable: \/sys\/fs\/resctrl not mounted/);
    assert.match(out, /3s ago +din → rmc1 +250 m \(quota\) +rmc1 slack 0\.01 < 0\.05: \+250 m from din/);
  });
});

describe('renderStatus: cgroups', () => {
  const node = (nodeId: string, cgroupMode: 'v1' | 'v2' | 'none') => ({
    nodeId,
    endpoint: `${nodeId}:50052`,
    nodeClass: '2c',
    cores: 2,
    memoryBytes: 1 << 30,
    cgroupMode,
    backend: 'wasm',
    labels: {},
    resctrl: false,
    startedAtMs: 0,
    heartbeatAtMs: 0,
    tenants: {},
  });

  it('says which nodes run tenants unconfined, why, and what a container needs', () => {
    const s: ClusterStatus = {
      redisUrl: 'redis://x',
      services: [],
      nodes: [node('worker-1', 'none'), node('worker-2', 'v2')],
      models: [],
      planVersion: 1,
      tenants: [
        {
          nodeId: 'worker-1',
          tenants: [],
          nodeManager: {
            enabled: false,
            state:
              'off: no cgroups to enforce moves (cgroup v2 at /sys/fs/cgroup is not writable (run as root or delegate the subtree))',
            intervalMs: 1000,
            resctrl: 'unavailable',
            lastMoves: [],
            moves: 0,
            undos: 0,
          },
        },
      ],
    };
    const out = renderStatus(s);
    assert.match(
      out,
      /^node worker-1: NO CGROUPS — tenants run without CPU or memory limits \(cgroup v2 at \/sys\/fs\/cgroup is not writable/m,
    );
    assert.match(out, /privileged, or cap_add SYS_ADMIN with \/sys\/fs\/cgroup mounted rw/);
    assert.doesNotMatch(out, /node worker-2: NO CGROUPS/);
    assert.deepEqual(unconfinedNotes({ nodes: [node('a', 'v1')], tenants: [] }), []);
  });
});
