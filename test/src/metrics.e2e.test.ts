/**
 * Metrics end to end (slow): real Redis, a real node agent with a real tenant host
 * (ncf, the smallest zoo model, at a tiny scale) and a real gateway, each with
 * METRICS_PORT set. Sends a known set of queries — OK ones through Rank and
 * ModelInfer, refused ones (a bad payload, an unknown model, a wrong model straight
 * to the host) — then scrapes the gateway's and the node's /metrics and checks the
 * per-model series count exactly what was sent. The node's page merges the agent's
 * registry with its tenant host's (asked over the control socket).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHealth, createClient, unaryCall } from '@hera/grpc';
import { randomItems, toItemBatch } from '@hera/loadgen';
import { parseExposition, type Sample } from '@hera/metrics';
import type { ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { loadProtos, type RankingServiceClient, type WorkerServiceClient } from '@hera/proto';
import { Rng } from '@hera/stats';
import { freePort, grpcCode, redisPerFile, startService, waitFor, type TestService } from '@hera/testing';
import { serviceEntry } from './service-entry';

const repo = mkdtempSync(join(tmpdir(), 'hera-metrics-repo-'));
const redis = redisPerFile();
let config: ModelConfig;
let worker: TestService;
let gateway: TestService;
let workerMetrics: number;
let gatewayMetrics: number;
let hostEndpoint: string;
const rng = new Rng(20);

before(async () => {
  [config] = (await buildRepository({ repo, scale: 0.0005, only: ['ncf'] })) as [ModelConfig];
  const env = {
    REDIS_URL: redis.server.url,
    HERA_REDIS_PREFIX: 'metrics',
    HERA_MODEL_REPO: repo,
    HEARTBEAT_MS: '300',
    HERA_BACKEND: 'wasm',
  };
  workerMetrics = await freePort();
  worker = await startService(serviceEntry('worker'), { ...env, NODE_ID: 'm1', METRICS_PORT: String(workerMetrics) });
  const agent: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
    defaultDeadlineMs: 60_000,
  });
  const cpuset = availableParallelism() > 1 ? [availableParallelism() - 1] : [];
  const res = await unaryCall(agent, 'ApplyAllocation', { allocation: { model: 'ncf', workers: 1, cpuset } });
  agent.close();
  hostEndpoint = res.tenant!.endpoint;
  gatewayMetrics = await freePort();
  gateway = await startService(serviceEntry('gateway'), {
    ...env,
    ROUTING_REFRESH_MS: '200',
    METRICS_PORT: String(gatewayMetrics),
  });
  // Ready = it routes a model; no query is sent before the ones counted below.
  await waitFor(async () => (await checkHealth(gateway.address, '')) === 'SERVING', 15_000, 'gateway ready');
});

after(async () => {
  await gateway?.stop();
  await worker?.stop();
  rmSync(repo, { recursive: true, force: true });
});

async function scrape(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return parseExposition(await res.text());
}

/** The value of the one sample with this name and these labels (undefined: none; two: an error). */
function one(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]?.value;
}

const RANK_OK = 5;
const INFER_OK = 3;
const BAD_PAYLOAD = 2;

describe('metrics', () => {
  it('count every query the gateway and the tenant host answered, per model and version, by status', async () => {
    const rank: RankingServiceClient = createClient(
      loadProtos().proto.hera.gateway.v1.RankingService,
      gateway.address,
      {
        maxAttempts: 1,
        defaultDeadlineMs: 30_000,
      },
    );
    const oip = createClient(loadProtos().proto.inference.GRPCInferenceService, gateway.address, { maxAttempts: 1 });
    const host: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, hostEndpoint, {
      maxAttempts: 1,
    });
    const sub = config.subBatchSize;
    const k = Math.floor(sub * 2.5); // three sub-batches
    const inferK = 4;
    try {
      for (let i = 0; i < RANK_OK; i++) {
        const r = await unaryCall(rank, 'Rank', {
          model: 'ncf',
          items: toItemBatch(randomItems(config, k, rng)),
          timeoutMs: 10_000,
        });
        assert.equal(r.timing?.subBatches, 3);
      }
      for (let i = 0; i < INFER_OK; i++) {
        const items = toItemBatch(randomItems(config, inferK, rng));
        await unaryCall(
          oip,
          'ModelInfer',
          {
            modelName: 'ncf',
            inputs: [
              { name: 'dense', datatype: 'FP32', shape: [inferK, config.denseDim] },
              { name: 'sparse', datatype: 'INT32', shape: [inferK, config.idsPerItem] },
            ],
            rawInputContents: [items.dense, items.sparse],
          },
          { deadlineMs: 10_000 },
        );
      }
      for (let i = 0; i < BAD_PAYLOAD; i++) {
        const items = toItemBatch(randomItems(config, 8, rng));
        const bad = { ...items, sparse: items.sparse.subarray(4) }; // one id short
        assert.equal(await grpcCode(unaryCall(rank, 'Rank', { model: 'ncf', items: bad })), 'INVALID_ARGUMENT');
      }
      assert.equal(
        await grpcCode(unaryCall(rank, 'Rank', { model: 'nope', items: toItemBatch(randomItems(config, 1, rng)) })),
        'NOT_FOUND',
      );
      // Straight to the tenant host: a request for a model it does not serve.
      assert.equal(
        await grpcCode(unaryCall(host, 'Infer', { model: 'wnd', items: toItemBatch(randomItems(config, 1, rng)) })),
        'NOT_FOUND',
      );
    } finally {
      rank.close();
      oip.close();
      host.close();
    }

    const v = config.version;
    const g = await scrape(gatewayMetrics);
    const rankL = { method: 'Rank', model: 'ncf', version: v };
    const inferL = { method: 'ModelInfer', model: 'ncf', version: v };
    assert.equal(one(g, 'hera_gateway_requests_total', { ...rankL, code: 'OK' }), RANK_OK);
    assert.equal(one(g, 'hera_gateway_requests_total', { ...inferL, code: 'OK' }), INFER_OK);
    assert.equal(one(g, 'hera_gateway_requests_total', { ...rankL, code: 'INVALID_ARGUMENT' }), BAD_PAYLOAD);
    assert.equal(
      one(g, 'hera_gateway_requests_total', { method: 'Rank', model: '', version: '', code: 'NOT_FOUND' }),
      1,
    );
    assert.equal(one(g, 'hera_gateway_request_duration_seconds_count', rankL), RANK_OK);
    assert.equal(one(g, 'hera_gateway_request_duration_seconds_count', inferL), INFER_OK);
    assert.equal(one(g, 'hera_gateway_query_items_sum', rankL), RANK_OK * k);
    assert.equal(one(g, 'hera_gateway_query_sub_batches_sum', rankL), RANK_OK * 3);
    assert.equal(one(g, 'hera_gateway_query_items_sum', inferL), INFER_OK * inferK);
    assert.equal(one(g, 'hera_gateway_in_flight_requests', rankL), 0);
    assert.equal(one(g, 'hera_gateway_shed_total', { model: 'ncf', stage: 'admission' }), 0);
    assert.equal(one(g, 'hera_gateway_deadline_exceeded_total', { model: 'ncf', stage: 'in_flight' }), 0);
    // Node's default metrics, unprefixed, with the service label.
    assert.ok(one(g, 'process_cpu_seconds_total', { service: 'gateway' })! > 0);
    assert.equal(g.filter(s => s.name.startsWith('hera_process_') || s.name.startsWith('hera_nodejs_')).length, 0);

    const n = await scrape(workerMetrics);
    const t = { tenant: 'ncf', model: 'ncf', version: v };
    // One request per query: with one replica the gateway sends a query's sub-batches together.
    assert.equal(one(n, 'hera_host_requests_total', { ...t, code: 'OK' }), RANK_OK + INFER_OK);
    assert.equal(one(n, 'hera_host_requests_total', { ...t, code: 'NOT_FOUND' }), 1);
    assert.equal(one(n, 'hera_host_requests_total', { ...t, code: 'INVALID_ARGUMENT' }), undefined);
    const subBatches = RANK_OK * 3 + INFER_OK;
    assert.equal(one(n, 'hera_host_sub_batch_items_count', t), subBatches);
    assert.equal(one(n, 'hera_host_sub_batch_items_sum', t), RANK_OK * k + INFER_OK * inferK);
    assert.equal(one(n, 'hera_host_queue_wait_seconds_count', t), subBatches);
    assert.equal(one(n, 'hera_host_inference_seconds_count', t), subBatches);
    assert.ok(one(n, 'hera_host_inference_seconds_sum', t)! > 0);
    assert.equal(one(n, 'hera_host_shed_total', t), 0);
    assert.equal(one(n, 'hera_host_in_flight_requests', t), 0);
    assert.equal(one(n, 'hera_host_queue_depth', t), 0);
    assert.equal(one(n, 'hera_host_workers', { ...t, state: 'ready' }), 1);
    assert.equal(one(n, 'hera_host_engine_info', { ...t, engine: 'tfjs' }), 1);
    // The agent's own series beside the host's.
    assert.equal(one(n, 'hera_node_tenant_metrics_up', { tenant: 'ncf' }), 1);
    assert.equal(one(n, 'hera_node_tenant_host_restarts_total', { tenant: 'ncf' }), 0);
    const mode = n.find(s => s.name === 'hera_node_cgroup_info')?.labels['mode'];
    assert.ok(mode === 'v1' || mode === 'v2' || mode === 'none', `cgroup mode ${mode}`);
    if (mode !== 'none') {
      assert.ok(one(n, 'hera_node_tenant_memory_usage_bytes', { tenant: 'ncf' })! > 0);
      assert.ok(one(n, 'hera_node_tenant_cpu_throttled_seconds_total', { tenant: 'ncf' })! >= 0);
    }
    assert.ok(one(n, 'process_start_time_seconds', { service: 'worker' })! > 0);
    assert.ok(one(n, 'process_start_time_seconds', { service: 'worker-host', tenant: 'ncf' })! > 0);
  });
});
