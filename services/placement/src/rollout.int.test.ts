/**
 * Rollout jobs against a real Redis and BullMQ (this file's own redis-server): StartRollout's
 * checks, then the job — ModelRecord and plan name the new version, progress follows the node
 * record until the tenant serves it alone, and a node reporting that the version failed to
 * start rolls record and plan back with the job failed and its reason. The node agent's side is
 * played by writing its node record, as an agent does (the worker's make-before-break is
 * tested with real hosts in services/worker rollout.int.test.ts, the whole in the rollout e2e).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { HeraError } from '@hera/errors';
import { silentLogger } from '@hera/logger';
import type { ModelRecord } from '@hera/model-schema';
import type { Rollout } from '@hera/proto';
import { queueOptions, QUEUES, type RolloutJobData } from '@hera/queues';
import { Keyspace, ModelStore, NodeStore, PlanStore, type NodeRecord } from '@hera/state';
import { redisPerFile, waitFor } from '@hera/testing';
import { Rollouts } from './rollout';

const ctx = redisPerFile();
const dir = mkdtempSync(join(tmpdir(), 'hera-rollout-job-'));
const keys = new Keyspace(`rollout-int-${process.pid}`);
const tables = [{ name: 't', rows: 10, lookups: 2, dim: 4 }];
let rollouts: Rollouts;
let queue: Queue<RolloutJobData>;

function version(v: string, denseDim = 2): void {
  mkdirSync(join(dir, 'm', v), { recursive: true });
  writeFileSync(join(dir, 'm', v, 'config.json'), JSON.stringify({ name: 'm', version: v, denseDim, tables }));
}

const record = (v: string): ModelRecord => ({
  name: 'm',
  version: v,
  denseDim: 2,
  tables,
  slaMs: 10,
  subBatchSize: 8,
  sizeBytes: 1,
});

async function nodeRecord(tenant: Partial<NodeRecord['tenants'][string]>): Promise<void> {
  const n: NodeRecord = {
    nodeId: 'n1',
    endpoint: 'x:1',
    nodeClass: 'c',
    cores: 2,
    memoryBytes: 1 << 30,
    cgroupMode: 'none',
    backend: '',
    labels: {},
    resctrl: false,
    startedAtMs: 0,
    heartbeatAtMs: Date.now(),
    tenants: { m: { endpoint: 'x:2', workers: 1, state: 'serving', ...tenant } },
  };
  await ctx.redis.multi().set(keys.node('n1'), JSON.stringify(n), 'PX', 60_000).sadd(keys.nodes(), 'n1').exec();
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof HeraError ? `${e.code}: ${e.message}` : String(e)),
  );

async function setup(): Promise<void> {
  // The file's redis-server starts in a root hook of its own.
  await waitFor(() => Boolean(ctx.server), 30_000, 'redis-server');
  mkdirSync(join(dir, 'm'), { recursive: true });
  writeFileSync(join(dir, 'm', 'config.json'), JSON.stringify({ name: 'm', version: '1', denseDim: 2, tables }));
  version('1');
  version('2');
  version('3');
  version('wide', 3);
  const connection = { host: '127.0.0.1', port: Number(new URL(ctx.server.url).port), maxRetriesPerRequest: null };
  queue = new Queue<RolloutJobData>(QUEUES.rollout, queueOptions(keys, connection));
  rollouts = new Rollouts(
    {
      models: new ModelStore(ctx.redis, keys),
      plans: new PlanStore(ctx.redis, keys),
      nodes: new NodeStore(ctx.redis, keys),
      repo: dir,
      timeoutMs: 30_000,
      log: silentLogger(),
    },
    queue,
    { keys, connection },
  );
}

async function teardown(): Promise<void> {
  await rollouts?.stop();
  await queue?.close();
  rmSync(dir, { recursive: true, force: true });
}

describe('rollout jobs (real Redis and BullMQ)', () => {
  before(setup);
  // Before the root hook stops the file's redis-server.
  after(teardown);
  it('refuses what cannot be rolled out, naming the field or the version', async () => {
    assert.match(await code(rollouts.request('', '2')), /^INVALID_ARGUMENT: model/);
    assert.match(await code(rollouts.request('m', '')), /^INVALID_ARGUMENT: version/);
    assert.match(await code(rollouts.request('m', '../x')), /^INVALID_ARGUMENT: version/);
    assert.match(await code(rollouts.request('m', '2')), /^NOT_FOUND: model "m" is not registered/);
    await new ModelStore(ctx.redis, keys).put(record('1'));
    assert.match(await code(rollouts.request('m', '9')), /^NOT_FOUND: model m has no version "9"/);
    assert.match(await code(rollouts.request('m', 'wide')), /^INVALID_ARGUMENT: version.*dense width 2 → 3/);
    assert.match(await code(rollouts.request('m', '2')), /^PRECONDITION: no plan is applied/);
    await new PlanStore(ctx.redis, keys).update(() => ({
      plan: { createdAtMs: 1, nodes: [{ nodeId: 'n1', config: 'o', tenants: [{ model: 'o', version: '1' }] }] },
      explanation: {},
    }));
    assert.match(await code(rollouts.request('m', '2')), /^PRECONDITION: the applied plan places no tenant of m/);
    // A model whose policy serves several versions changes them by its policy, not a rollout.
    await new ModelStore(ctx.redis, keys).put({ ...record('2'), versions: ['1', '2'], versionPolicy: { latest: 2 } });
    assert.match(
      await code(rollouts.request('m', '3')),
      /^PRECONDITION: m serves versions 1, 2 under its version policy: change the policy instead/,
    );
    await new ModelStore(ctx.redis, keys).put(record('1'));
  });

  it('rolls out: record and plan name the version, done once the node serves it alone', async () => {
    const plans = new PlanStore(ctx.redis, keys);
    await plans.update(() => ({
      plan: {
        createdAtMs: 2,
        nodes: [{ nodeId: 'n1', config: 'm', tenants: [{ model: 'm', version: '1', workers: 1, cpuset: [0] }] }],
      },
      explanation: {},
    }));
    await nodeRecord({ version: '1' });
    rollouts.start();
    const r = await rollouts.request('m', '2');
    assert.deepEqual([r.model, r.fromVersion, r.toVersion], ['m', '1', '2']);
    assert.equal((await rollouts.request('m', '2')).id, r.id, 'the same rollout again is the running one');
    assert.match(await code(rollouts.request('m', '3')), /^PRECONDITION: m is being rolled out to version 2/);

    await waitFor(
      async () => (await plans.get())?.nodes?.[0]?.tenants?.[0]?.version === '2',
      10_000,
      'the plan to name version 2',
    );
    const t = (await plans.get())!.nodes![0]!.tenants![0]!;
    assert.deepEqual([t.workers, t.cpuset], [1, [0]], 'the allocation otherwise unchanged');
    assert.equal((await new ModelStore(ctx.redis, keys).get('m'))?.version, '2');
    const state = async (): Promise<Rollout> => rollouts.get(r.id!);
    await waitFor(async () => (await state()).phase === 'switching', 5_000, 'switching');
    // The node starts version 2 beside 1, switches, then retires the old host.
    await nodeRecord({ version: '1', pendingVersion: '2' });
    await new Promise(res => setTimeout(res, 600));
    assert.equal((await state()).state, 'active');
    await nodeRecord({ version: '2', retiring: 1 });
    await new Promise(res => setTimeout(res, 600));
    assert.equal((await state()).tenantsDone, 0, 'not done while an old host is alive');
    await nodeRecord({ version: '2' });
    await waitFor(async () => (await state()).state === 'completed', 5_000, 'the rollout to complete');
    const done = await state();
    assert.deepEqual([done.phase, done.tenants, done.tenantsDone, done.error], ['done', 1, 1, '']);
  });

  it('a version the node cannot start fails the job and rolls record and plan back', async () => {
    const plans = new PlanStore(ctx.redis, keys);
    const r = await rollouts.request('m', '3');
    assert.equal(r.fromVersion, '2');
    await waitFor(
      async () => (await plans.get())?.nodes?.[0]?.tenants?.[0]?.version === '3',
      10_000,
      'the plan to name version 3',
    );
    await nodeRecord({
      version: '2',
      failedVersion: '3',
      rolloutError: 'exited with code 1: ENOENT emb-t-shard1of1.bin',
    });
    await waitFor(async () => (await rollouts.get(r.id!)).state === 'failed', 10_000, 'the rollout to fail');
    const failed = await rollouts.get(r.id!);
    assert.match(failed.error!, /version 3 failed: node n1: exited with code 1: ENOENT emb-t-shard1of1\.bin; 2 serves/);
    assert.equal(failed.phase, 'rolled-back');
    assert.equal((await plans.get())!.nodes![0]!.tenants![0]!.version, '2', 'the plan names the old version');
    assert.equal((await new ModelStore(ctx.redis, keys).get('m'))?.version, '2');
    assert.match(await code(rollouts.get('nope')), /^NOT_FOUND: no rollout "nope"/);
  });
});
