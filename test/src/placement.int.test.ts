/**
 * The placement service against real Redis and real node agents (slow-ish: worker
 * processes start tenant hosts for the plan): demand, dry-run and applied plans,
 * idempotent Apply, Explain, and re-planning as a BullMQ job when a node joins —
 * the plan version increases once. Last: a model built for ONNX Runtime is not planned from
 * the shipped (TF.js) profiles, and is from a profile measured on onnxruntime.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient, unaryCall } from '@hera/grpc';
import { toModelRecord } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { loadProtos, type PlacementServiceClient, type WorkerServiceClient } from '@hera/proto';
import { Keyspace, ModelStore, ProfileStore } from '@hera/state';
import { startRedis, startService, waitFor, type TestRedis, type TestService, grpcOutcome } from '@hera/testing';
import { serviceEntry } from './service-entry';

const repo = mkdtempSync(join(tmpdir(), 'hera-pl-repo-'));
const prefix = 'pl';
let redisServer: TestRedis;
let redis: Redis;
let placement: TestService;
let client: PlacementServiceClient;
const workers: TestService[] = [];
const env = () => ({
  REDIS_URL: redisServer.url,
  HERA_REDIS_PREFIX: prefix,
  HERA_MODEL_REPO: repo,
  HEARTBEAT_MS: '300',
  NODE_CLASS: '2c',
  NODE_CORES: '2',
});

before(async () => {
  const configs = await buildRepository({ repo, scale: 0.0005, only: ['ncf', 'rmc1'] });
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  await new ModelStore(redis, new Keyspace(prefix)).put(...configs.map(c => toModelRecord(c)));
  placement = await startService(serviceEntry('placement'), { ...env(), NODE_SWEEP_MS: '300', REPLAN_DELAY_MS: '300' });
  client = createClient(loadProtos().proto.hera.placement.v1.PlacementService, placement.address, {
    defaultDeadlineMs: 30_000,
  });
  workers.push(await startService(serviceEntry('worker'), { ...env(), NODE_ID: 'node-a' }));
});

after(async () => {
  client?.close();
  for (const w of workers) await w.stop();
  await placement?.stop();
  redis?.disconnect();
  await redisServer?.stop();
  rmSync(repo, { recursive: true, force: true });
});

describe('placement service', () => {
  it('validates demand: bad QPS and unknown models are refused', async () => {
    assert.match(
      await grpcOutcome(unaryCall(client, 'SetDemand', { demands: [{ model: 'ncf', qps: -1 }] })),
      /^INVALID_ARGUMENT: demands\[0\]\.qps/,
    );
    assert.match(
      await grpcOutcome(unaryCall(client, 'SetDemand', { demands: [{ model: 'nosuch', qps: 1 }] })),
      /^NOT_FOUND: models not registered: nosuch/,
    );
    assert.match(await grpcOutcome(unaryCall(client, 'Plan', {})), /^FAILED_PRECONDITION: no demand/);
    assert.match(await grpcOutcome(unaryCall(client, 'GetPlan', {})), /^NOT_FOUND/);
  });

  it('bounds demand: 1e300 QPS, and more than a million dedicated servers worth, are refused naming the model', async () => {
    assert.match(
      await grpcOutcome(unaryCall(client, 'SetDemand', { demands: [{ model: 'ncf', qps: 1e300 }] })),
      /^INVALID_ARGUMENT: demands\[0\]\.qps: .*over the limit of 1000000000000 QPS.*\(model ncf\)/,
    );
    // rmc1's QPSmax on the shipped 2c set is ~512: 1e9 QPS is ~2 million servers' worth.
    assert.match(
      await grpcOutcome(
        unaryCall(client, 'SetDemand', {
          demands: [
            { model: 'ncf', qps: 1 },
            { model: 'rmc1', qps: 1e9 },
          ],
        }),
      ),
      /^INVALID_ARGUMENT: demands\[1\]\.qps: .*dedicated servers' worth.*at most 1000000 per model \(model rmc1\)/,
    );
    assert.deepEqual((await unaryCall(client, 'GetDemand', {})).demands, [], 'nothing refused was stored');
  });

  it('plans (dry run) with Hera and every baseline, then applies idempotently', async () => {
    // Two models at half a 2-core server each: two servers for one node.
    const set = await unaryCall(client, 'SetDemand', {
      demands: [
        { model: 'ncf', qps: 150 },
        { model: 'rmc1', qps: 250 },
      ],
      replace: true,
    });
    assert.equal(set.demands.length, 2);
    const dry = await unaryCall(client, 'Plan', {});
    assert.deepEqual(
      dry.strategies.map(s => s.strategy),
      ['hera', 'dedicated', 'random', 'first-fit'],
    );
    assert.equal(dry.plan?.serversNeeded, 2);
    assert.equal(dry.plan?.nodeClass, '2c');
    assert.equal(await redis.exists(new Keyspace(prefix).plan()), 0, 'a dry run writes nothing');

    const first = await unaryCall(client, 'Apply', {});
    assert.equal(first.changed, true);
    assert.equal(Number(first.plan?.version), 1);
    // One node for two servers' worth: the second configuration shares node-a's cores.
    assert.deepEqual(first.plan?.nodes.map(n => [n.nodeId, n.overcommitted]).sort(), [
      ['node-a', false],
      ['node-a', true],
    ]);
    const again = await unaryCall(client, 'Apply', {});
    assert.equal(again.changed, false);
    assert.equal(Number(again.plan?.version), 1);
    // A version never applied cannot be waited for (FAILED_PRECONDITION); an older one lost a race (ABORTED).
    assert.match(
      await grpcOutcome(unaryCall(client, 'Apply', { expectedVersion: 7 })),
      /^FAILED_PRECONDITION: expected_version: the plan is at version 1; version 7 was never applied/,
    );

    const why = await unaryCall(client, 'Explain', {});
    assert.equal(why.configs.length, 2);
    for (const c of why.configs) {
      assert.ok(c.reason.length > 0 && c.tenants.length === 1);
      // The shipped 2c set is roofline-derived: never labelled measured.
      assert.equal(c.basis, 'solo profile (derived)');
      assert.match(c.countReason, /^×\d+: /);
    }
    assert.equal(why.predictor?.splits, 0, 'no pair measured');
    assert.ok(first.plan!.nodes.every(n => n.basis === 'solo profile (derived)'));
  });

  it('applies a pinned configuration instead of solving, and refuses one that cannot run', async () => {
    const pinned = await unaryCall(client, 'Apply', { pinned: [{ config: 'ncf:1+rmc1:1', count: 0 }] });
    assert.equal(pinned.plan?.solver, 'pinned');
    assert.deepEqual(
      pinned.plan?.nodes.map(n => [n.nodeId, n.config, n.basis.split(';')[0]]),
      [['node-a', 'ncf:1+rmc1:1', 'predicted from solo profiles']],
    );
    assert.match(
      await grpcOutcome(unaryCall(client, 'Apply', { pinned: [{ config: 'ncf:2+rmc1:1', count: 0 }] })),
      /^INVALID_ARGUMENT: pinned\[0\]\.config: ncf:2\+rmc1:1 does not fit node class 2c/,
    );
    assert.match(
      await grpcOutcome(unaryCall(client, 'Apply', { pinned: [{ config: 'ncf', count: 0 }] })),
      /^INVALID_ARGUMENT: pinned\[0\]\.config: "ncf" in "ncf" is not model:workers/,
    );
    assert.match(
      await grpcOutcome(unaryCall(client, 'Apply', { pinned: [{ config: 'nosuch:1', count: 0 }] })),
      /^INVALID_ARGUMENT: pinned\[0\]\.config: nosuch has no profile/,
    );
    // Back to the solved plan for the tests after this one.
    const back = await unaryCall(client, 'Apply', {});
    assert.notEqual(back.plan?.solver, 'pinned');
  });

  it('runs the planned tenants on the node', async () => {
    const agent: WorkerServiceClient = createClient(
      loadProtos().proto.hera.worker.v1.WorkerService,
      workers[0]!.address,
    );
    try {
      await waitFor(
        async () => {
          const s = await unaryCall(agent, 'GetStatus', {});
          return (
            s.tenants
              .filter(t => t.state === 'serving')
              .map(t => t.allocation?.model)
              .sort()
              .join() === 'ncf,rmc1'
          );
        },
        30_000,
        'node-a to serve ncf and rmc1',
      );
    } finally {
      agent.close();
    }
  });

  it('re-plans once, as a job, when a node joins', async () => {
    const keys = new Keyspace(prefix);
    const before = Number(await redis.get(keys.planVersion()));
    workers.push(await startService(serviceEntry('worker'), { ...env(), NODE_ID: 'node-b' }));
    await waitFor(
      async () => Number(await redis.get(keys.planVersion())) === before + 1,
      15_000,
      `a re-plan to version ${before + 1}`,
    );
    // The join is seen twice (pub/sub and the node sweep); the second re-plan changes nothing.
    await new Promise(r => setTimeout(r, 2_000));
    assert.equal(Number(await redis.get(keys.planVersion())), before + 1);
    const plan = (await unaryCall(client, 'GetPlan', {})).plan!;
    assert.deepEqual(plan.nodes.map(n => [n.nodeId, n.overcommitted]).sort(), [
      ['node-a', false],
      ['node-b', false],
    ]);
    const done = await redis.keys(`${keys.bullPrefix()}:replan:node-joined/node-b/*`);
    assert.ok(done.length >= 1, 'the re-plan ran as a BullMQ job');
  });

  it('refuses to plan a model built for onnx from TF.js profiles (FAILED_PRECONDITION), and plans it from a profile measured on onnxruntime', async () => {
    const keys = new Keyspace(prefix);
    const models = new ModelStore(redis, keys);
    const ncf = (await models.get('ncf'))!;
    await models.put({ ...ncf, engine: 'onnx' });
    try {
      const refused = await grpcOutcome(unaryCall(client, 'Plan', { demands: [{ model: 'ncf', qps: 10 }] }));
      assert.match(
        refused,
        /^FAILED_PRECONDITION: profiles of another engine: model ncf is built for onnx but its profile on node class 2c describes tfjs \(the roofline describes TF\.js.*re-profile it on onnx \(hera profile ncf\)/,
      );
      // A profile of ncf measured on ONNX Runtime (as the profiler records it) replaces the shipped one.
      await new ProfileStore(redis, keys).put({
        model: 'ncf',
        nodeClass: '2c',
        cores: 2,
        knee: 2,
        qpsMax: 300,
        kind: 'compute-bound',
        bestSubBatch: 64,
        memoryPerHostBytes: 1 << 20,
        memoryPerWorkerBytes: 1 << 20,
        points: [
          { workers: 1, qps: 160, p95Ms: 10, subBatch: 64, scalability: 1, recheckP95Ms: 10 },
          { workers: 2, qps: 300, p95Ms: 12, subBatch: 64, scalability: 0.94, recheckP95Ms: 12 },
        ],
        measuredAtMs: Date.now(),
        method: 'placement.int.test: as measured on onnxruntime',
        slaMs: ncf.slaMs,
        backend: 'onnxruntime',
      });
      const planned = await unaryCall(client, 'Plan', { demands: [{ model: 'ncf', qps: 10 }] });
      assert.deepEqual(
        planned.plan?.nodes.flatMap(n => n.tenants.map(t => t.model)),
        ['ncf'],
      );
    } finally {
      await models.put(ncf);
      await redis.del(keys.profile('2c', 'ncf'));
    }
  });
});
