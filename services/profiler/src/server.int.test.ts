/**
 * The profiler's request checks (issue 16, item 3) against a real redis-server and a real
 * profiler process: unknown jobs answer NOT_FOUND at once (WatchJob used to hang until the
 * caller's deadline), and every numeric or repeated field is bounded, naming the field. No
 * request here is valid, so no job runs; the registered node is a record in Redis only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type * as grpc from '@grpc/grpc-js';
import { createClient, unaryCall } from '@hera/grpc';
import { loadProtos, type ProfilerServiceClient } from '@hera/proto';
import { Keyspace, ModelStore } from '@hera/state';
import { grpcOutcome, startRedis, startService, type TestRedis, type TestService } from '@hera/testing';
import { PROFILER_LIMITS } from './server';

const prefix = 'pf';
let redisServer: TestRedis;
let redis: Redis;
let profiler: TestService;
let client: ProfilerServiceClient;

before(async () => {
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  const keys = new Keyspace(prefix);
  await new ModelStore(redis, keys).put(
    ...['ncf', 'rmc1'].map(name => ({
      name,
      version: '1',
      denseDim: 8,
      tables: [{ name: 't', rows: 1000, lookups: 4, dim: 16 }],
      slaMs: 100,
      subBatchSize: 64,
      sizeBytes: 200_000,
    })),
  );
  await redis.sadd(keys.nodes(), 'node-a');
  await redis.set(
    keys.node('node-a'),
    JSON.stringify({
      nodeId: 'node-a',
      endpoint: '127.0.0.1:1',
      nodeClass: '2c',
      cores: 2,
      memoryBytes: 8 * 2 ** 30,
      cgroupMode: 'none',
      backend: 'wasm',
      labels: {},
      resctrl: false,
      startedAtMs: Date.now(),
      heartbeatAtMs: Date.now(),
      tenants: {},
    }),
  );
  profiler = await startService(
    { name: 'profiler', main: require.resolve('./main') },
    { REDIS_URL: redisServer.url, HERA_REDIS_PREFIX: prefix },
  );
  client = createClient(loadProtos().proto.hera.profiler.v1.ProfilerService, profiler.address, {
    defaultDeadlineMs: 5_000,
  });
});

after(async () => {
  client?.close();
  await profiler?.stop();
  redis?.disconnect();
  await redisServer?.stop();
});

/** Reads a server stream to its end: "OK" after the last message, or "CODE: details". */
function streamOutcome(
  stream: grpc.ClientReadableStream<unknown>,
): Promise<{ outcome: string; messages: number; ms: number }> {
  const t0 = performance.now();
  let messages = 0;
  return new Promise(resolve => {
    stream.on('data', () => messages++);
    stream.on('error', (err: grpc.ServiceError) =>
      resolve({ outcome: `${STATUS[err.code] ?? err.code}: ${err.details}`, messages, ms: performance.now() - t0 }),
    );
    stream.on('end', () => resolve({ outcome: 'OK', messages, ms: performance.now() - t0 }));
  });
}
const STATUS: Record<number, string> = { 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND' };

describe('profiler: bounded work per request', () => {
  it('answers WatchJob and CancelJob of an unknown job with NOT_FOUND at once', async () => {
    const watch = await streamOutcome(client.WatchJob({ jobId: 'p-nosuch' }, { deadline: Date.now() + 5_000 }));
    assert.equal(watch.outcome, 'NOT_FOUND: no job "p-nosuch"');
    assert.equal(watch.messages, 0);
    assert.ok(watch.ms < 1_000, `answered in ${watch.ms.toFixed(0)} ms, not at the deadline`);
    assert.equal(
      (await streamOutcome(client.WatchJob({ jobId: '' }, { deadline: Date.now() + 5_000 }))).outcome,
      'INVALID_ARGUMENT: job_id: must not be empty',
    );
    assert.equal(
      await grpcOutcome(unaryCall(client, 'CancelJob', { jobId: 'p-nosuch' })),
      'NOT_FOUND: no job "p-nosuch"',
    );
    assert.equal(
      await grpcOutcome(unaryCall(client, 'CancelJob', { jobId: '' })),
      'INVALID_ARGUMENT: job_id: must not be empty',
    );
  });

  it('bounds every numeric and repeated field of StartProfile, naming it', async () => {
    const start = (req: object) => grpcOutcome(unaryCall(client, 'StartProfile', { model: 'ncf', ...req }));
    const { maxSlaFactor, minSlaFactor, maxSubBatchSizes } = PROFILER_LIMITS;
    assert.equal(
      await start({ slaFactor: 1e300 }),
      `INVALID_ARGUMENT: sla_factor: must be 0 (= 1) or in ${minSlaFactor}..${maxSlaFactor}, got 1e+300`,
    );
    assert.equal(
      await start({ slaFactor: 0.001 }),
      `INVALID_ARGUMENT: sla_factor: must be 0 (= 1) or in ${minSlaFactor}..${maxSlaFactor}, got 0.001`,
    );
    assert.equal(
      await start({ slaFactor: Number.NaN }),
      `INVALID_ARGUMENT: sla_factor: must be 0 (= 1) or in ${minSlaFactor}..${maxSlaFactor}, got NaN`,
    );
    assert.equal(
      await start({ workerCounts: Array.from({ length: 1_000 }, () => 1) }),
      'INVALID_ARGUMENT: worker_counts[1]: 1 is listed twice',
    );
    assert.equal(
      await start({ workerCounts: [3] }),
      'INVALID_ARGUMENT: worker_counts[0]: must be in 1..2 (cores of node-a), got 3',
    );
    assert.equal(
      await start({ subBatchSizes: [2_000] }),
      'INVALID_ARGUMENT: sub_batch_sizes[0]: must be in 1..1024, got 2000',
    );
    assert.equal(await start({ subBatchSizes: [8, 8] }), 'INVALID_ARGUMENT: sub_batch_sizes[1]: 8 is listed twice');
    assert.equal(
      await start({ subBatchSizes: Array.from({ length: maxSubBatchSizes + 1 }, (_, i) => i + 1) }),
      `INVALID_ARGUMENT: sub_batch_sizes: at most ${maxSubBatchSizes} sizes, got ${maxSubBatchSizes + 1}`,
    );
    assert.equal(
      await start({
        pairModel: 'rmc1',
        splits: [
          { workersA: 1, workersB: 1 },
          { workersA: 1, workersB: 1 },
        ],
      }),
      'INVALID_ARGUMENT: splits[1]: 1:1 is listed twice',
    );
    assert.equal(
      await start({ pairModel: 'rmc1', splits: [{ workersA: 0, workersB: 2 }] }),
      'INVALID_ARGUMENT: splits[0]: 0:2 does not fit 2 cores',
    );
    assert.equal(await start({ model: 'nosuch' }), 'NOT_FOUND: model nosuch is not registered');
    assert.equal(await start({ nodeId: 'node-z' }), 'NOT_FOUND: node node-z is not registered');
  });

  it('bounds StartPairProfiles, naming the field', async () => {
    const pairs = (req: object) => grpcOutcome(unaryCall(client, 'StartPairProfiles', req));
    assert.equal(await pairs({ splitsPerPair: 65 }), 'INVALID_ARGUMENT: splits_per_pair: must be at most 64, got 65');
    assert.equal(await pairs({ controls: 65 }), 'INVALID_ARGUMENT: controls: must be at most 64, got 65');
    assert.equal(
      await pairs({ slaFactor: 1e300 }),
      `INVALID_ARGUMENT: sla_factor: must be 0 (= 1) or in ${PROFILER_LIMITS.minSlaFactor}..${PROFILER_LIMITS.maxSlaFactor}, got 1e+300`,
    );
    assert.equal(await pairs({ models: ['ncf', 'ncf'] }), 'INVALID_ARGUMENT: models[1]: ncf is listed twice');
    assert.equal(await pairs({ models: ['ncf', 'nosuch'] }), 'NOT_FOUND: models[1]: model nosuch is not registered');
    assert.deepEqual(await redis.keys(`${new Keyspace(prefix).bullPrefix()}:profile:p-*`), [], 'nothing was queued');
  });
});
