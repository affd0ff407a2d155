/**
 * Triton's client against a running cluster (slow: real Redis, a real node agent with a real
 * tenant host, a real gateway). The client is generated here, at test time, from Triton's own
 * public grpc_service.proto (test/fixtures/triton, kept verbatim), not from our proto: what a
 * Triton user's tooling sees is what this test sees. It drives the repository index, model
 * config, statistics (counts go up by exactly what it sent), ModelInfer, ModelStreamInfer (one
 * bad request among good ones), ModelReady of an unknown model, and the `timeout` parameter.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { createClient, unaryCall } from '@hera/grpc';
import { randomItems, toItemBatch, type GeneratedItems } from '@hera/loadgen';
import { toModelRecord, type ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { loadProtos, type RankingServiceClient, type WorkerServiceClient } from '@hera/proto';
import { Keyspace, ModelStore } from '@hera/state';
import { Rng } from '@hera/stats';
import { startRedis, startService, waitFor, type TestRedis, type TestService } from '@hera/testing';
import { serviceEntry } from './service-entry';
import { tritonCall, tritonClient, type Msg } from './triton-client';

const repo = mkdtempSync(join(tmpdir(), 'hera-triton-repo-'));
const SERVED = 'ncf';
/** Registered, but no node runs it: the index says UNAVAILABLE. */
const IDLE = 'rmc1';
const PREFIX = 'triton';
const MAX_ITEMS = 512;
let redisServer: TestRedis;
let worker: TestService;
let gateway: TestService;
let rank: RankingServiceClient;
let triton: grpc.Client;
let configs: Record<string, ModelConfig>;
const rng = new Rng(22);

/** One unary call of the Triton client; rejects with the gRPC error. */
function call(method: string, req: Msg, deadlineMs = 30_000): Promise<Msg> {
  return tritonCall(triton, method, req, deadlineMs);
}

/** Resolves with the gRPC status code and details a call failed with. */
async function failure(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  assert.fail('expected the call to fail');
}

/** A Triton ModelInfer request for generated items, raw inputs as Triton's Python client sends them. */
function inferRequest(model: ModelConfig, items: GeneratedItems, id: string, parameters: Msg = {}): Msg {
  return {
    model_name: model.name,
    id,
    parameters,
    inputs: [
      { name: 'dense', datatype: 'FP32', shape: [items.count, model.denseDim] },
      { name: 'sparse', datatype: 'INT32', shape: [items.count, model.idsPerItem] },
    ],
    raw_input_contents: [Buffer.from(items.dense.buffer), Buffer.from(items.ids.buffer)],
  };
}

const f32 = (b: Uint8Array) => {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return Array.from(out);
};

/** The scores RankingService gives the same items (same gateway, same tenant). */
async function rankScores(model: string, items: GeneratedItems): Promise<number[]> {
  return f32((await unaryCall(rank, 'Rank', { model, items: toItemBatch(items) })).scores);
}

async function statsOf(model: string): Promise<Msg> {
  const res = await call('ModelStatistics', { name: model, version: '' });
  assert.equal(res.model_stats.length, 1);
  return res.model_stats[0];
}

before(async () => {
  configs = Object.fromEntries(
    (await buildRepository({ repo, scale: 0.0005, only: [SERVED, IDLE] })).map(c => [c.name, c]),
  );
  redisServer = await startRedis();
  const env = {
    REDIS_URL: redisServer.url,
    HERA_REDIS_PREFIX: PREFIX,
    HERA_MODEL_REPO: repo,
    HEARTBEAT_MS: '300',
    HERA_BACKEND: 'wasm',
  };
  worker = await startService(serviceEntry('worker'), { ...env, NODE_ID: 'tritonA' });
  const w: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
    defaultDeadlineMs: 60_000,
  });
  const cpuset = availableParallelism() > 1 ? [availableParallelism() - 1] : [];
  await unaryCall(w, 'ApplyAllocation', { allocation: { model: SERVED, workers: 1, cpuset } });
  w.close();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  await new ModelStore(redis, new Keyspace(PREFIX)).put(toModelRecord(configs[IDLE]!));
  redis.disconnect();
  gateway = await startService(serviceEntry('gateway'), {
    ...env,
    ROUTING_REFRESH_MS: '200',
    MAX_ITEMS: String(MAX_ITEMS),
    STREAM_MAX_IN_FLIGHT: '4',
  });
  rank = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway.address, {
    maxAttempts: 1,
    defaultDeadlineMs: 30_000,
  });
  triton = tritonClient(gateway.address);
  await waitFor(async () => (await call('ModelReady', { name: SERVED })).ready === true, 30_000, `${SERVED} ready`);
  await waitFor(
    async () => (await call('RepositoryIndex', {})).models.length === 2,
    10_000,
    'both models in the index',
  );
});

after(async () => {
  rank?.close();
  triton?.close();
  await gateway?.stop();
  await worker?.stop();
  await redisServer?.stop();
  rmSync(repo, { recursive: true, force: true });
});

describe("Triton's client against the gateway", () => {
  it('RepositoryIndex lists the registry: READY where served, UNAVAILABLE with a reason, `ready` filters', async () => {
    const all = await call('RepositoryIndex', { repository_name: '', ready: false });
    const byName = Object.fromEntries(all.models.map((m: Msg) => [m.name, m]));
    assert.deepEqual(Object.keys(byName).sort(), [SERVED, IDLE].sort());
    assert.equal(byName[SERVED].state, 'READY');
    assert.equal(byName[SERVED].version, configs[SERVED]!.version);
    assert.equal(byName[SERVED].reason, '');
    assert.equal(byName[IDLE].state, 'UNAVAILABLE');
    assert.match(byName[IDLE].reason, /no replica of rmc1 is up/);
    const ready = await call('RepositoryIndex', { ready: true });
    assert.deepEqual(
      ready.models.map((m: Msg) => m.name),
      [SERVED],
    );
    const bad = await failure(call('RepositoryIndex', { repository_name: 'elsewhere' }));
    assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad.details, /^repository_name: /);
  });

  it('ModelConfig answers a Triton-shaped config; NOT_FOUND for an unknown model or version', async () => {
    const c = configs[SERVED]!;
    const { config } = await call('ModelConfig', { name: SERVED, version: '' });
    assert.equal(config.name, SERVED);
    assert.equal(config.platform, 'hera_recsys');
    assert.equal(config.backend, 'tfjs');
    assert.equal(config.max_batch_size, MAX_ITEMS);
    assert.equal(config.version_policy.policy_choice, 'latest');
    assert.equal(config.version_policy.latest.num_versions, 1);
    const lookups = c.tables[0]!.lookups;
    const uniform = c.tables.every(t => t.lookups === lookups);
    assert.deepEqual(
      config.input.map((i: Msg) => [i.name, i.data_type, i.dims]),
      [
        ['dense', 'TYPE_FP32', [c.denseDim]],
        ['sparse', 'TYPE_INT32', uniform ? [c.tables.length, lookups] : [c.idsPerItem]],
      ],
    );
    assert.deepEqual(
      config.output.map((o: Msg) => [o.name, o.data_type, o.dims]),
      [['score', 'TYPE_FP32', [1]]],
    );
    for (const req of [
      { name: 'no-such-model', version: '' },
      { name: SERVED, version: '999' },
    ])
      assert.equal((await failure(call('ModelConfig', req))).code, grpc.status.NOT_FOUND);
  });

  it('ModelInfer scores as Rank does; statistics go up by exactly what was sent', async () => {
    const c = configs[SERVED]!;
    const before = await statsOf(SERVED);
    const t0 = Date.now();
    const sizes = [3, c.subBatchSize + 5, 1];
    for (const [i, k] of sizes.entries()) {
      const items = randomItems(c, k, rng);
      const res = await call('ModelInfer', inferRequest(c, items, `one-${i}`));
      assert.equal(res.id, `one-${i}`);
      assert.equal(res.model_name, SERVED);
      assert.deepEqual(res.outputs[0].shape, [k, 1]);
      assert.deepEqual(f32(res.raw_output_contents[0]), await rankScores(SERVED, items));
    }
    const bad = await failure(call('ModelInfer', { ...inferRequest(c, randomItems(c, 2, rng), 'bad'), inputs: [] }));
    assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
    const after = await statsOf(SERVED);
    const s0 = before.inference_stats;
    const s1 = after.inference_stats;
    // The Rank calls above count too (the same statistics, whatever the protocol): sent twice each.
    const okQueries = sizes.length * 2;
    const items = sizes.reduce((a, b) => a + b, 0) * 2;
    const executions = sizes.reduce((a, k) => a + Math.ceil(k / c.subBatchSize), 0) * 2;
    assert.equal(s1.success.count - s0.success.count, okQueries);
    assert.equal(s1.fail.count - s0.fail.count, 1);
    assert.equal(s1.queue.count - s0.queue.count, okQueries);
    assert.equal(s1.compute_infer.count - s0.compute_infer.count, okQueries);
    assert.equal(after.inference_count - before.inference_count, items);
    assert.equal(after.execution_count - before.execution_count, executions);
    assert.ok(s1.success.ns > s0.success.ns, 'success durations grow');
    assert.ok(s1.compute_infer.ns > s0.compute_infer.ns, 'compute durations grow');
    assert.ok(after.last_inference >= t0, `last_inference ${after.last_inference} ≥ ${t0}`);
    assert.equal(after.version, c.version);
    const every = await call('ModelStatistics', {});
    assert.deepEqual(every.model_stats.map((s: Msg) => s.name).sort(), [SERVED, IDLE].sort());
    assert.equal((await failure(call('ModelStatistics', { name: 'no-such-model' }))).code, grpc.status.NOT_FOUND);
  });

  it('ModelStreamInfer answers each request with its id; a bad one gets error_message and the stream goes on', async () => {
    const c = configs[SERVED]!;
    const before = await statsOf(SERVED);
    const sent = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, items: randomItems(c, 2 + i, rng) }));
    const answers: Msg[] = [];
    const status = await new Promise<grpc.StatusObject>((resolve, reject) => {
      const s = (
        triton as unknown as { ModelStreamInfer(o: grpc.CallOptions): grpc.ClientDuplexStream<Msg, Msg> }
      ).ModelStreamInfer({ deadline: Date.now() + 60_000 });
      s.on('data', (m: Msg) => answers.push(m));
      s.on('status', resolve);
      s.on('error', reject);
      for (const [i, q] of sent.entries()) {
        const req = inferRequest(c, q.items, q.id);
        // The fourth names an input the model does not have.
        if (i === 3) req.inputs[0].name = 'features';
        s.write(req);
      }
      s.end();
    });
    assert.equal(status.code, grpc.status.OK, status.details);
    assert.equal(answers.length, sent.length);
    const errors = answers.filter(a => a.error_message);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.error_message, /^INVALID_ARGUMENT: inputs\[0\]\.name: unknown input "features"/);
    assert.equal(errors[0]!.infer_response.id, 's3', 'the failed request named by its id');
    const byId = new Map(answers.filter(a => !a.error_message).map(a => [a.infer_response.id, a.infer_response]));
    for (const [i, q] of sent.entries()) {
      if (i === 3) continue;
      const r = byId.get(q.id);
      assert.ok(r, `answer for ${q.id}`);
      assert.deepEqual(f32(r.raw_output_contents[0]), await rankScores(SERVED, q.items), q.id);
    }
    const after = await statsOf(SERVED);
    // 9 streamed OK + 9 Rank calls to compare; 1 streamed failure.
    assert.equal(after.inference_stats.success.count - before.inference_stats.success.count, 18);
    assert.equal(after.inference_stats.fail.count - before.inference_stats.fail.count, 1);
  });

  it('ModelReady of an unknown model or version answers ready=false (not NOT_FOUND)', async () => {
    assert.equal((await call('ModelReady', { name: 'no-such-model', version: '' })).ready, false);
    assert.equal((await call('ModelReady', { name: SERVED, version: '999' })).ready, false);
    assert.equal((await call('ModelReady', { name: IDLE, version: '' })).ready, false);
    assert.equal((await call('ModelReady', { name: SERVED, version: '' })).ready, true);
  });

  it("honours a request's `timeout` parameter (µs) in ModelInfer and in the stream", async () => {
    const c = configs[SERVED]!;
    const items = randomItems(c, 4, rng);
    const t0 = Date.now();
    const late = await failure(call('ModelInfer', inferRequest(c, items, 't', { timeout: { int64_param: 1 } })));
    const took = Date.now() - t0;
    assert.equal(late.code, grpc.status.DEADLINE_EXCEEDED, late.details);
    assert.match(late.details, /parameters\["timeout"\]/);
    assert.ok(took < 1_000, `answered in ${took} ms`);
    // A timeout the query meets changes nothing.
    const ok = await call('ModelInfer', inferRequest(c, items, 'ok', { timeout: { int64_param: 20_000_000 } }));
    assert.deepEqual(f32(ok.raw_output_contents[0]), await rankScores(SERVED, items));
    const notMicros = await failure(
      call('ModelInfer', inferRequest(c, items, 's', { timeout: { string_param: '1s' } })),
    );
    assert.equal(notMicros.code, grpc.status.INVALID_ARGUMENT);
    assert.match(notMicros.details, /^parameters\["timeout"\]: /);

    const answers: Msg[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = (
        triton as unknown as { ModelStreamInfer(o: grpc.CallOptions): grpc.ClientDuplexStream<Msg, Msg> }
      ).ModelStreamInfer({ deadline: Date.now() + 30_000 });
      s.on('data', (m: Msg) => answers.push(m));
      s.on('status', () => resolve());
      s.on('error', reject);
      s.write(inferRequest(c, items, 'late', { timeout: { int64_param: 1 } }));
      s.write(inferRequest(c, items, 'fine'));
      s.end();
    });
    assert.equal(answers.length, 2);
    assert.match(
      answers.find(a => a.error_message)?.error_message ?? '',
      /^DEADLINE_EXCEEDED: parameters\["timeout"\]/,
    );
    assert.equal(answers.find(a => a.error_message)?.infer_response.id, 'late');
    assert.equal(answers.find(a => !a.error_message)?.infer_response.id, 'fine');
  });
});
