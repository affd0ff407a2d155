/**
 * The ProfileRunner over in-memory fakes of its stores, the node agent and the load (searches
 * and re-checks answer from a table of capacities): no Redis, no gRPC, no load generated.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeraError } from '@hera/errors';
import { silentLogger } from '@hera/logger';
import type { LoadSummary } from '@hera/loadgen';
import type { TenantStatus__Output } from '@hera/proto';
import type { ProfileJobData } from '@hera/queues';
import type { ModelRecord, NodeRecord, ProfilePointRecord, ProfileRecord } from '@hera/state';
import type { Budget, LoadDriver, NodeControl } from './measure';
import {
  CancelledError,
  ProfileRunner,
  type JobProgressData,
  type ProfileJob,
  type RunnerOptions,
  type RunnerStores,
} from './profile-job';

const MiB = 1024 * 1024;
const MODEL: ModelRecord = {
  name: 'm',
  version: '1',
  denseDim: 2,
  tables: [{ name: 't', rows: 100, lookups: 2, dim: 4 }],
  slaMs: 100,
  subBatchSize: 16,
  sizeBytes: 4_000,
};
const NODE: NodeRecord = {
  nodeId: 'n1',
  endpoint: 'n1:50052',
  nodeClass: '2c',
  cores: 2,
  memoryBytes: 1 << 30,
  cgroupMode: 'none',
  backend: '',
  labels: {},
  resctrl: false,
  startedAtMs: 0,
  heartbeatAtMs: 0,
  tenants: {},
};
const BUDGET: Budget = {
  pointMs: 1_000,
  maxPointMs: 2_000,
  warmupMs: 100,
  minQueries: 10,
  precision: 0.1,
  maxSteps: 5,
};
const OPTS: RunnerOptions = {
  budget: BUDGET,
  quickBudget: BUDGET,
  applyTimeoutMs: 1_000,
  recheckMargin: 0.1,
  recheckMs: 1_000,
  rateHeadroom: 0.1,
};

/**
 * A node agent: applies record "model×workers sb<n>"; tenant memory is 100 MiB + 10 MiB a worker;
 * each tenant's backend from `backends` (else wasm).
 */
class FakeNode implements NodeControl {
  readonly applied: string[] = [];
  backends: Record<string, string> = {};
  readonly restored: string[] = [];
  closed = false;
  failAt: number | undefined;
  tenant(): Promise<TenantStatus__Output | undefined> {
    return Promise.resolve(undefined); // no tenant before the job
  }
  backend(): Promise<string> {
    return Promise.resolve('wasm');
  }
  tenantBackend(model: string): Promise<string> {
    return Promise.resolve(this.backends[model] ?? 'wasm');
  }
  apply(model: string, workers: number, _cpuset: number[], subBatchSize: number): Promise<TenantStatus__Output> {
    if (workers === this.failAt) return Promise.reject(new HeraError('UNAVAILABLE', `tenant ${model} on n1 is failed`));
    this.applied.push(`${model}×${workers} sb${subBatchSize}`);
    return Promise.resolve({
      endpoint: `host-${workers}`,
      state: 'serving',
      memoryBytes: String(100 * MiB + workers * 10 * MiB),
    } as unknown as TenantStatus__Output);
  }
  restore(model: string, before: TenantStatus__Output | undefined): Promise<void> {
    this.restored.push(`${model}:${before ? 'as before' : 'removed'}`);
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

function summary(rate: number, meetsSla: boolean, p95Ms: number): LoadSummary {
  return {
    offeredQps: rate,
    servedQps: rate,
    sent: 1,
    ok: 1,
    errors: {},
    items: 1,
    p50Ms: p95Ms / 2,
    p95Ms,
    p99Ms: p95Ms,
    maxMs: p95Ms,
    meanMs: p95Ms,
    lastThirdP95Ms: p95Ms,
    sendLagP95Ms: 0,
    sendLagMaxMs: 0,
    durationMs: 1_000,
    seed: 1,
    slaMs: MODEL.slaMs,
    meetsSla,
  };
}

/**
 * The load: a search on host-<n> finds `found[n]` qps (p95 40 ms); a re-check at a rate meets
 * the SLA (p95 30 ms) up to `holds[n]` qps, else misses (p95 250 ms).
 */
function fakeLoad(node: FakeNode, found: Record<number, number>, holds: Record<number, number>) {
  let host = '';
  const rechecks: string[] = [];
  const load: LoadDriver = {
    node: () => node,
    workerTarget: address => {
      host = address;
      return { send: () => Promise.resolve(), close: () => undefined };
    },
    gatewayTarget: () => assert.fail('no gateway in these jobs'),
    searchRate: async (open, _m, _start, _budget, onStep, check) => {
      await check();
      open().close();
      const n = Number(host.slice('host-'.length));
      onStep({ rate: found[n]!, meetsSla: true, p95Ms: 40, servedQps: found[n]!, good: found[n]!, bad: Infinity });
      return { rate: found[n]!, p95Ms: 40, steps: [] };
    },
    loadAt: (open, _m, rate) => {
      open().close();
      const n = Number(host.slice('host-'.length));
      rechecks.push(`n=${n} ${rate.toFixed(2)}`);
      return Promise.resolve(rate <= holds[n]! ? summary(rate, true, 30) : summary(rate, false, 250));
    },
  };
  return { load, rechecks };
}

/** Stores holding MODEL and NODE; `put` keeps what the runner stores. */
function fakeStores(cancelAfter = Infinity, node: NodeRecord = NODE) {
  const stored: ProfileRecord[] = [];
  const models: ModelRecord[] = [];
  let checks = 0;
  const stores: RunnerStores = {
    nodes: { live: () => Promise.resolve([node]) },
    services: { live: () => Promise.resolve([]) },
    models: {
      get: name => Promise.resolve(name === MODEL.name ? MODEL : undefined),
      put: (...ms) => {
        models.push(...ms);
        return Promise.resolve();
      },
    },
    profiles: {
      get: () => Promise.resolve(undefined),
      put: p => {
        stored.push(p);
        return Promise.resolve();
      },
      mergePair: p => Promise.resolve(p),
    },
    cancels: { cancelled: () => Promise.resolve(++checks > cancelAfter) },
  };
  return { stores, stored, models };
}

type Data = ProfileJobData & { done?: ProfilePointRecord[] };

/** A job as BullMQ hands it over; `saved` holds the worker counts done at each updateData. */
function fakeJob(data: Data) {
  const saved: number[][] = [];
  const progress: JobProgressData[] = [];
  const job: ProfileJob<Data> = {
    id: 'j1',
    data,
    updateProgress: p => {
      progress.push(p);
      return Promise.resolve();
    },
    updateData: d => {
      saved.push((d.done ?? []).map(p => p.workers));
      return Promise.resolve();
    },
  };
  return { job, saved, progress };
}

const JOB: Data = { model: 'm', workerCounts: [1, 2], subBatchSizes: [16] };

describe('ProfileRunner (fakes)', () => {
  it('measures each worker count, re-checks it, and stores the profile with the headroom taken off', async () => {
    const node = new FakeNode();
    const { load, rechecks } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 10, 2: 18 });
    const { stores, stored, models } = fakeStores();
    const { job, saved, progress } = fakeJob({ ...JOB });
    const record = (await new ProfileRunner(stores, load, OPTS, silentLogger()).run(job)) as ProfileRecord;

    assert.deepEqual(
      node.applied,
      ['m×1 sb16', 'm×1 sb16', 'm×2 sb16', 'm×2 sb16'],
      'search, then re-check, per count',
    );
    assert.deepEqual(rechecks, ['n=1 10.00', 'n=2 18.00']);
    assert.deepEqual(
      record.points.map(p => [p.workers, p.qps, p.p95Ms, p.recheckP95Ms]),
      [
        [1, 9, 40, 30],
        [2, 16.2, 40, 30],
      ],
    );
    assert.equal(record.memoryPerWorkerBytes, 10 * MiB);
    assert.equal(record.memoryPerHostBytes, 100 * MiB);
    assert.deepEqual(stored, [record]);
    assert.deepEqual(
      models.map(m => [m.name, m.kind]),
      [['m', record.kind]],
      'the model record takes the measured class',
    );
    assert.match(
      record.method,
      /^measured on node n1 \(class 2c, 2 cores, backend wasm\) by profiler job j1: open-loop Poisson load straight to the tenant host/,
    );
    assert.equal(record.backend, 'wasm');
    assert.deepEqual(saved, [[1], [1, 2]], 'each point kept in the job data as it is done');
    assert.ok(progress.length > 0 && progress.every(p => p.fraction >= 0 && p.fraction < 1));
    assert.deepEqual(node.restored, ['m:removed']);
    assert.equal(node.closed, true);
  });

  it("records the measured tenant's own backend, not the node's (its first tenant's)", async () => {
    const node = new FakeNode();
    node.backends = { m: 'onnxruntime', other: 'wasm' };
    const { load } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 10, 2: 18 });
    const { stores, stored } = fakeStores(Infinity, { ...NODE, backend: 'wasm' });
    const record = (await new ProfileRunner(stores, load, OPTS, silentLogger()).run(
      fakeJob({ ...JOB }).job,
    )) as ProfileRecord;
    assert.equal(record.backend, 'onnxruntime');
    assert.match(record.method, /backend onnxruntime\)/);
    assert.equal(stored[0]!.backend, 'onnxruntime');
  });

  it('stores no backend when the agent cannot say (read as TF.js, as records of older profilers)', async () => {
    const node = new FakeNode();
    node.backends = { m: '' };
    const { load } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 10, 2: 18 });
    const { stores } = fakeStores();
    const record = (await new ProfileRunner(stores, load, OPTS, silentLogger()).run(
      fakeJob({ ...JOB }).job,
    )) as ProfileRecord;
    assert.equal('backend' in record, false);
    assert.match(record.method, /backend unknown\)/);
  });

  it('steps down from a rate whose re-check misses the SLA, and reports 0 when none holds', async () => {
    const node = new FakeNode();
    const { load, rechecks } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 9.5, 2: 0 });
    const { stores } = fakeStores();
    const record = (await new ProfileRunner(stores, load, OPTS, silentLogger()).run(
      fakeJob({ ...JOB }).job,
    )) as ProfileRecord;
    // n=1: 10 misses, 9 (one precision step down) holds; n=2: six re-checks, all miss.
    assert.deepEqual(
      rechecks.filter(r => r.startsWith('n=1')),
      ['n=1 10.00', 'n=1 9.00'],
    );
    assert.equal(rechecks.filter(r => r.startsWith('n=2')).length, 6);
    assert.deepEqual(
      record.points.map(p => [p.workers, Number(p.qps.toFixed(2))]),
      [
        [1, 8.1],
        [2, 0],
      ],
    );
  });

  it('steps down faster the more re-checks miss, so a search that overrated the node by half still finds a rate', async () => {
    const node = new FakeNode();
    // n=1's search says 10 qps, but only 4.5 holds: precision steps alone (10, 9, 8.1, … 5.9) never get there.
    const { load, rechecks } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 4.5, 2: 18 });
    const { stores } = fakeStores();
    const record = (await new ProfileRunner(stores, load, OPTS, silentLogger()).run(
      fakeJob({ ...JOB }).job,
    )) as ProfileRecord;
    assert.deepEqual(
      rechecks.filter(r => r.startsWith('n=1')),
      ['n=1 10.00', 'n=1 9.00', 'n=1 7.20', 'n=1 4.32'],
    );
    assert.equal(Number(record.points.find(p => p.workers === 1)!.qps.toFixed(3)), 3.888);
  });

  it('fails the job on a failed measurement, keeps the points done, stores nothing and restores the node', async () => {
    const node = new FakeNode();
    node.failAt = 2;
    const { load } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 10, 2: 18 });
    const { stores, stored } = fakeStores();
    const { job, saved } = fakeJob({ ...JOB });
    await assert.rejects(
      new ProfileRunner(stores, load, OPTS, silentLogger()).run(job),
      /UNAVAILABLE|tenant m on n1 is failed/,
    );
    assert.deepEqual(saved, [[1]], 'a retry resumes from n=1');
    assert.deepEqual(stored, []);
    assert.deepEqual(node.restored, ['m:removed']);
    assert.equal(node.closed, true);
  });

  it('resumes a job from the points in its data', async () => {
    const node = new FakeNode();
    const { load } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 10, 2: 18 });
    const { stores } = fakeStores();
    const done: ProfilePointRecord[] = [
      { workers: 1, qps: 9, p95Ms: 40, subBatch: 16, scalability: 0, recheckP95Ms: 30 },
    ];
    const record = (await new ProfileRunner(stores, load, OPTS, silentLogger()).run(
      fakeJob({ ...JOB, done }).job,
    )) as ProfileRecord;
    assert.deepEqual(node.applied, ['m×2 sb16', 'm×2 sb16']);
    assert.deepEqual(
      record.points.map(p => p.workers),
      [1, 2],
    );
  });

  it('stops at a cancel between measurements, stores nothing and restores the node', async () => {
    const node = new FakeNode();
    const { load } = fakeLoad(node, { 1: 10, 2: 18 }, { 1: 10, 2: 18 });
    const { stores, stored } = fakeStores(2);
    await assert.rejects(
      new ProfileRunner(stores, load, OPTS, silentLogger()).run(fakeJob({ ...JOB }).job),
      CancelledError,
    );
    assert.deepEqual(stored, []);
    assert.deepEqual(node.restored, ['m:removed']);
    assert.equal(node.closed, true);
  });

  it('refuses a model that is not registered, before touching the node', async () => {
    const node = new FakeNode();
    const { load } = fakeLoad(node, {}, {});
    const { stores } = fakeStores();
    await assert.rejects(new ProfileRunner(stores, load, OPTS, silentLogger()).run(fakeJob({ model: 'x' }).job), {
      name: 'UnrecoverableError',
      message: 'model x is not registered',
    });
    assert.deepEqual(node.applied, []);
  });
});
