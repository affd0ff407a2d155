/**
 * Tracing end to end (slow), once per OTLP protocol (gRPC, HTTP/protobuf): a real node
 * agent with a real tenant host, gateway and profiler export to an OTLP receiver in this
 * process (libs/testing otlp-receiver.ts). Checks that one Rank and one ModelInfer query
 * each make one trace — the gateway's server span, its InferStream client span, the
 * host's span under it and the host's queue and inference spans under that, with their
 * attributes — that the stream is no span, that `hera up`-style polls are not traced
 * while a plain ModelReady is, and that a profiling job's span is a child of the RPC that
 * queued it, with the node agent's spans in the same trace.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, unaryCall, untracedMetadata } from '@hera/grpc';
import { randomItems, toItemBatch } from '@hera/loadgen';
import type { ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import {
  loadProtos,
  type GRPCInferenceServiceClient,
  type ProfilerServiceClient,
  type RankingServiceClient,
  type WorkerServiceClient,
} from '@hera/proto';
import { Rng } from '@hera/stats';
import { ATTR } from '@hera/telemetry';
import {
  SPAN_KIND,
  startOtlpReceiver,
  startRedis,
  startService,
  waitFor,
  type OtlpProtocol,
  type OtlpReceiver,
  type ReceivedSpan,
  type TestRedis,
  type TestService,
} from '@hera/testing';
import { serviceEntry } from './service-entry';

const MODEL = 'ncf'; // the smallest of the zoo
const repo = mkdtempSync(join(tmpdir(), 'hera-trace-repo-'));
let config: ModelConfig;
const rng = new Rng(5);

const INFER_STREAM = 'hera.worker.v1.WorkerService/InferStream';

before(async () => {
  config = (await buildRepository({ repo, scale: 0.0005, only: [MODEL] }))[0]!;
});
after(() => rmSync(repo, { recursive: true, force: true }));

/** The spans of one trace, and lookups by parent. */
function traceOf(spans: ReceivedSpan[], traceId: string) {
  const mine = spans.filter(s => s.traceId === traceId);
  return {
    spans: mine,
    childrenOf: (s: ReceivedSpan) => mine.filter(c => c.parentSpanId === s.spanId),
  };
}

/**
 * Checks one query's trace, rooted at the gateway's server span `method`, and returns it:
 * gateway SERVER → InferStream CLIENT (gateway) → InferStream SERVER (host) → hera.queue and
 * hera.inference per part (host), nothing else.
 */
async function checkQueryTrace(
  receiver: OtlpReceiver,
  method: string,
  requestId: string,
  items: number,
): Promise<ReceivedSpan[]> {
  const subBatch = config.subBatchSize;
  const parts = Math.ceil(items / subBatch);
  const root = (spans: ReceivedSpan[]) =>
    spans.find(s => s.name.endsWith(method) && s.attributes[ATTR.REQUEST_ID] === requestId);
  // The gateway span ends last but may be exported before the host's: wait for the whole trace.
  const spans = await receiver.waitFor(
    all => {
      const r = root(all);
      return !!r && all.filter(s => s.traceId === r.traceId && s.name === 'hera.inference').length >= parts;
    },
    15_000,
    `the trace of ${method} ${requestId}`,
  );
  const gatewaySpan = root(spans)!;
  const t = traceOf(spans, gatewaySpan.traceId);
  assert.equal(gatewaySpan.service, 'hera-gateway');
  assert.equal(gatewaySpan.kind, SPAN_KIND.SERVER);
  assert.equal(gatewaySpan.parentSpanId, '', 'the query starts the trace');
  assert.equal(gatewaySpan.attributes[ATTR.MODEL], MODEL);
  assert.equal(gatewaySpan.attributes[ATTR.MODEL_VERSION], config.version);
  assert.equal(gatewaySpan.attributes[ATTR.ITEMS], items);

  // One replica: the query's sub-batches travel as one request, which the host splits.
  const clients = t.childrenOf(gatewaySpan);
  assert.deepEqual(
    clients.map(c => [c.name, c.kind, c.service]),
    [[INFER_STREAM, SPAN_KIND.CLIENT, 'hera-gateway']],
  );
  const client = clients[0]!;
  assert.equal(client.attributes[ATTR.ITEMS], items);
  assert.equal(client.attributes[ATTR.REQUEST_ID], requestId);
  assert.equal(client.attributes['rpc.grpc.status_code'], 0);

  const hosts = t.childrenOf(client);
  assert.deepEqual(
    hosts.map(h => [h.name, h.kind, h.service]),
    [[INFER_STREAM, SPAN_KIND.SERVER, 'hera-worker-host']],
  );
  const host = hosts[0]!;
  assert.equal(host.attributes[ATTR.MODEL], MODEL);
  assert.equal(host.attributes[ATTR.MODEL_VERSION], config.version);
  assert.equal(host.attributes[ATTR.ITEMS], items);
  assert.equal(host.attributes[ATTR.SUB_BATCH_SIZE], subBatch);
  assert.equal(host.attributes[ATTR.SUB_BATCHES], parts);
  assert.equal(host.attributes[ATTR.REQUEST_ID], requestId);
  assert.equal(typeof host.attributes[ATTR.COMPUTE_US], 'number');

  const inHost = t.childrenOf(host);
  const queue = inHost.filter(s => s.name === 'hera.queue');
  const inference = inHost.filter(s => s.name === 'hera.inference');
  assert.equal(queue.length, parts);
  assert.equal(inference.length, parts);
  assert.equal(inHost.length, 2 * parts, inHost.map(s => s.name).join(', '));
  let itemsScored = 0;
  for (const s of [...queue, ...inference]) {
    assert.equal(s.service, 'hera-worker-host');
    // Model, version and sub-batch size are on the host span above (not repeated per part).
    assert.ok(Number(s.attributes[ATTR.THREAD]) >= 1, 'the thread that ran it');
    assert.ok(s.startNs <= s.endNs);
    // Inside the host's span (within a millisecond: the wall clock's grain).
    assert.ok(s.startNs >= host.startNs - 1_000_000n && s.endNs <= host.endNs + 1_000_000n, s.name);
  }
  for (const s of inference) {
    itemsScored += Number(s.attributes[ATTR.ITEMS]);
    assert.ok(Number(s.attributes[ATTR.COMPUTE_US]) > 0);
    const us = Number((s.endNs - s.startNs) / 1000n);
    assert.ok(Math.abs(us - Number(s.attributes[ATTR.COMPUTE_US])) <= 2, `span ${us} µs vs compute_us`);
  }
  for (const s of queue) assert.equal(typeof s.attributes[ATTR.QUEUE_US], 'number');
  assert.equal(itemsScored, items);
  // Nothing else in the trace: no span for the stream, no Redis on the query path.
  assert.equal(t.spans.length, 3 + 2 * parts, t.spans.map(s => `${s.service} ${s.name}`).join('\n'));
  return t.spans;
}

for (const protocol of ['grpc', 'http/protobuf'] as const satisfies readonly OtlpProtocol[]) {
  describe(`tracing, exported over OTLP ${protocol}`, () => {
    let receiver: OtlpReceiver;
    let redis: TestRedis;
    const services: TestService[] = [];
    let worker: TestService;
    let gateway: TestService;
    let profiler: TestService;
    let rank: RankingServiceClient;
    let oip: GRPCInferenceServiceClient;

    before(async () => {
      receiver = await startOtlpReceiver(protocol);
      redis = await startRedis();
      const env = {
        REDIS_URL: redis.url,
        HERA_REDIS_PREFIX: 'trace',
        HERA_MODEL_REPO: repo,
        HEARTBEAT_MS: '300',
        HERA_BACKEND: 'wasm',
        ...receiver.env(),
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      };
      worker = await startService(serviceEntry('worker'), {
        ...env,
        NODE_ID: 'trace-a',
        NODE_MANAGER: 'off',
        TENANT_WARMUP_MS: '200',
      });
      services.push(worker);
      const agent: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
        defaultDeadlineMs: 60_000,
      });
      await unaryCall(agent, 'ApplyAllocation', { allocation: { model: MODEL, workers: 1 } });
      agent.close();
      gateway = await startService(serviceEntry('gateway'), { ...env, ROUTING_REFRESH_MS: '200' });
      services.push(gateway);
      profiler = await startService(serviceEntry('profiler'), {
        ...env,
        POINT_SECONDS: '1',
        WARMUP_SECONDS: '0',
        MIN_QUERIES: '10',
        RECHECK_SECONDS: '1',
      });
      services.push(profiler);
      rank = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway.address, { maxAttempts: 1 });
      oip = createClient(loadProtos().proto.inference.GRPCInferenceService, gateway.address, { maxAttempts: 1 });
      // As `hera up` waits: polls sent unsampled.
      await waitFor(
        async () =>
          (
            await unaryCall(oip, 'ModelReady', { name: MODEL }, { metadata: untracedMetadata() }).catch(() => ({
              ready: false,
            }))
          ).ready,
        30_000,
        'the gateway to route the model',
      );
    });

    after(async () => {
      rank?.close();
      oip?.close();
      for (const s of services.reverse()) await s.stop();
      await redis?.stop();
      await receiver?.stop();
    });

    it('makes one trace of a Rank query: gateway → InferStream client → tenant host → queue and inference', async () => {
      const k = Math.floor(config.subBatchSize * 2.5);
      const items = toItemBatch(randomItems(config, k, rng));
      const res = await unaryCall(rank, 'Rank', { model: MODEL, items, requestId: `rank-${protocol}` });
      assert.equal(res.timing?.subBatches, 3);
      await checkQueryTrace(receiver, 'hera.gateway.v1.RankingService/Rank', `rank-${protocol}`, k);
    });

    it('makes one trace of an Open Inference Protocol ModelInfer query', async () => {
      const k = 5;
      const items = randomItems(config, k, rng);
      const res = await unaryCall(oip, 'ModelInfer', {
        modelName: MODEL,
        id: `oip-${protocol}`,
        inputs: [
          { name: 'dense', datatype: 'FP32', shape: [k, config.denseDim] },
          { name: 'sparse', datatype: 'INT32', shape: [k, config.tables.length, config.tables[0]!.lookups] },
        ],
        rawInputContents: [Buffer.from(items.dense.buffer), Buffer.from(items.ids.buffer)],
      });
      assert.equal(res.id, `oip-${protocol}`);
      await checkQueryTrace(receiver, 'inference.GRPCInferenceService/ModelInfer', `oip-${protocol}`, k);
    });

    it("keeps hera up's readiness polls out of traces, and traces a client's own ModelReady", async () => {
      for (let i = 0; i < 5; i++) await unaryCall(oip, 'ModelReady', { name: MODEL }, { metadata: untracedMetadata() });
      await unaryCall(oip, 'ModelReady', { name: MODEL });
      const ready = (all: ReceivedSpan[]) => all.filter(s => s.name.endsWith('GRPCInferenceService/ModelReady'));
      await receiver.waitFor(all => ready(all).length > 0, 10_000, 'the traced ModelReady');
      // The unsampled calls ended first: had any been recorded, it would have come by now.
      await new Promise(r => setTimeout(r, 500));
      assert.equal(ready(receiver.spans()).length, 1, 'only the plain ModelReady (before() polled unsampled too)');
      assert.equal(receiver.spans().filter(s => s.name.endsWith('/Check')).length, 0, 'health checks are not traced');
    });

    it("parents a profiling job's span on the RPC that queued it, with the node agent's spans in its trace", async () => {
      const client: ProfilerServiceClient = createClient(
        loadProtos().proto.hera.profiler.v1.ProfilerService,
        profiler.address,
        { defaultDeadlineMs: 30_000 },
      );
      try {
        const { jobId } = await unaryCall(client, 'StartProfile', {
          model: MODEL,
          workerCounts: [1],
          subBatchSizes: [config.subBatchSize],
          quick: true,
        });
        const startSpan = (all: ReceivedSpan[]) =>
          all.find(s => s.name.endsWith('ProfilerService/StartProfile') && s.service === 'hera-profiler');
        // The job drives the node agent (its ApplyAllocation spans come once the call ends).
        const agentSpan = (all: ReceivedSpan[]) =>
          all.find(
            s =>
              s.service === 'hera-worker' &&
              s.kind === SPAN_KIND.SERVER &&
              s.name.endsWith('WorkerService/ApplyAllocation') &&
              s.traceId === startSpan(all)?.traceId,
          );
        await receiver.waitFor(all => !!agentSpan(all), 60_000, "the node agent's span in the job's trace");
        // Enough seen: cancel, which ends the job (and its span) at its next check.
        await unaryCall(client, 'CancelJob', { jobId }).catch(() => undefined); // it may have finished
        const job = (all: ReceivedSpan[]) => all.find(s => s.name === 'profile process');
        const spans = await receiver.waitFor(all => !!job(all), 60_000, "the job's processing span");
        const rpc = startSpan(spans)!;
        const processing = job(spans)!;
        assert.equal(processing.service, 'hera-profiler');
        assert.equal(processing.kind, SPAN_KIND.CONSUMER);
        assert.equal(processing.traceId, rpc.traceId);
        assert.equal(processing.parentSpanId, rpc.spanId, 'a child of the enqueuing RPC');
        assert.equal(processing.attributes[ATTR.JOB_ID], jobId);
        // The agent's span hangs under the job's (through the profiler's client span).
        const agent = agentSpan(spans)!;
        const profilerClient = spans.find(s => s.spanId === agent.parentSpanId)!;
        assert.equal(profilerClient.kind, SPAN_KIND.CLIENT);
        assert.equal(profilerClient.parentSpanId, processing.spanId);
        // The job's load is not traced: no query spans in its trace.
        assert.equal(traceOf(spans, rpc.traceId).spans.filter(s => s.name === INFER_STREAM).length, 0);
      } finally {
        client.close();
      }
    });

    it('never makes a span of the InferStream itself, even once the stream ends', async () => {
      // Stopping the gateway ends its streams and flushes its spans: a span for a stream would come now.
      await gateway.stop();
      await new Promise(r => setTimeout(r, 300));
      const streamSpans = receiver
        .spans()
        .filter(s => s.name.includes('InferStream') && s.scope.includes('instrumentation-grpc'));
      assert.deepEqual(streamSpans, []);
      // …while the per-request ones did come (the checks above).
      assert.ok(receiver.spans().some(s => s.name === INFER_STREAM));
    });
  });
}
