#!/usr/bin/env node
/**
 * A tenant's host process: one model on one node, inside the tenant's cgroup.
 * It loads the model's tables once, runs n inference threads sharing them, and
 * serves hera.worker.v1.WorkerService/Infer for this model on its own port, so a
 * query crosses one process boundary on the node instead of two (the agent only
 * supervises). Started and controlled by the node agent over a control socket
 * (agent-link.ts): it outlives the agent, and a restarted agent adopts it.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { HeraError } from '@hera/errors';
import {
  callDeadline,
  endServerTrace,
  startServer,
  startServerTrace,
  STATUS_OF,
  statusName,
  unary,
  type ServerTrace,
} from '@hera/grpc';
import { tracingEnabled } from '@hera/telemetry';
import { loadSecurityConfig } from '@hera/config';
import { applySecurity } from '@hera/runtime';
import { createLogger } from '@hera/logger';
import { checkShape, denseBytesPer, joinVersions, MAX_ITEMS, splitVersions } from '@hera/model-schema';
import { isTensorsModel, type ModelConfig, type TensorSignature } from '@hera/model-schema';
import { loadTables, readModelConfig } from '@hera/models';
import { services, type InferRequest__Output, type InferResponse, type WorkerServiceHandlers } from '@hera/proto';
import { FAILED_REQUEST_MS, type HostToAgent, type StartMessage, type TenantStats } from './protocol';
import { SlidingWindow } from './sliding-window';
import { WorkerPool } from './worker-pool';
import { cgroupMemory, forceGc, MemoryBudget } from './memory-budget';
import { runSplit } from './split';
import { chooseEngine } from './engine-choice';
import { TenantHost } from './tenant-host';
import { HostMetrics } from './host-metrics';
import { endRequest, requestSpans } from './request-spans';
import { isTensorRequest, runTensors } from './tensor-request';

const log = createLogger({ service: 'worker-host', level: (process.env['LOG_LEVEL'] as 'info') ?? 'info' });

const socketPath = process.env['HERA_HOST_SOCKET'] ?? '';
const orphanMs = Number(process.env['HERA_HOST_ORPHAN_MS']);
if (!socketPath || !(orphanMs > 0)) {
  log.fatal('HERA_HOST_SOCKET and HERA_HOST_ORPHAN_MS are not set: tenant hosts are started by the node agent');
  process.exit(2);
}
const host = new TenantHost({
  socketPath,
  files: [socketPath, ...(process.env['HERA_HOST_DESCRIPTOR'] ? [process.env['HERA_HOST_DESCRIPTOR']] : [])],
  orphanMs,
  id: process.env['HERA_HOST_ID'] ?? '',
  log,
  // Traced requests are recorded here and exported by the agent (request-spans.ts): no SDK in
  // a host, whose cores are the tenant's. Same environment as the agent's, so the same answer.
  tracing: tracingEnabled(process.env),
  start,
});
const send = (m: HostToAgent) => host.send(m);
host.listen().catch(err => {
  log.fatal({ err, socket: socketPath }, 'cannot listen on the control socket');
  process.exit(1);
});

async function start(m: StartMessage): Promise<void> {
  // m.version names the versions to serve, newest last ("1,2" under a policy selecting
  // several; '' for the repository's current one). Every inference thread loads each; a
  // request names one, and one naming none gets the newest, whose config stands for the
  // others (the registry serves only versions sharing its inputs).
  const configs: ModelConfig[] = [];
  for (const v of splitVersions(m.version).length ? splitVersions(m.version) : [undefined])
    configs.push(await readModelConfig(m.repo, m.model, v));
  const config = configs.at(-1)!;
  const servedVersions = configs.map(c => c.version);
  const served = new Set(servedVersions);
  const servedField = joinVersions(servedVersions);
  const tlog = log.child({ model: config.name, version: servedField });
  const tables = await loadTables(m.repo, config.name, config.version);
  const others: { version: string; tables: Awaited<ReturnType<typeof loadTables>> }[] = [];
  for (const c of configs.slice(0, -1))
    others.push({ version: c.version, tables: await loadTables(m.repo, c.name, c.version) });
  const idsPerItem = config.idsPerItem;
  // Dense bytes come in the model's declared datatype (FP16, INT8 or FP32) and stay so until an
  // inference thread widens them in its slot.
  const shape = { denseDim: config.denseDim, denseDatatype: config.denseDatatype, idsPerItem, maxItems: MAX_ITEMS };
  const denseBytes = denseBytesPer(config.denseDatatype);
  // An imported model without the ranking layout: served by named tensors (tensor-request.ts).
  const tensorSig: TensorSignature | undefined = isTensorsModel(config) ? config.arch : undefined;
  const window = new SlidingWindow(m.statsWindowMs);
  const recent = m.recentWindowMs ? new SlidingWindow(m.recentWindowMs) : undefined;
  const errors: Record<string, number> = {};
  let readySent = false;

  const metrics = new HostMetrics(
    { tenant: process.env['HERA_TENANT'] || config.name, model: config.name, version: servedField },
    () => host.pool,
  );
  host.metrics = () => metrics.json();
  host.subBatch = Math.max(1, m.subBatchSize || config.subBatchSize);
  // ONNX Runtime's package (and its native binding) is loaded only by a host that may run it.
  const ort = m.backend === 'onnx' || config.engine === 'onnx' ? await import('@hera/engine-onnx') : undefined;
  const choice = chooseEngine(m.backend || undefined, config.engine, () => ort!.onnxRuntimeStatus());
  if (choice.fallback) tlog.warn({ engine: choice.engine }, choice.fallback);
  const pool = new WorkerPool(
    {
      repo: m.repo,
      model: config.name,
      version: config.version,
      tables,
      ...(others.length ? { others } : {}),
      maxItems: MAX_ITEMS,
      subBatch: host.subBatch,
      warmupMs: m.warmupMs,
      denseDim: config.denseDim,
      idsPerItem,
      engine: choice.engine,
      ...(choice.tfjsBackend ? { backend: choice.tfjsBackend } : {}),
    },
    m.queueLimit,
    m.shedPredictedLate,
    e => {
      if (e.type === 'ready' && !readySent) {
        readySent = true;
        host.readyMessage = {
          type: 'ready',
          // The set served, as the tenant's allocation names it.
          version: servedField,
          backend: e.detail,
          // The shared tables loaded, every version's (none for an imported model: its embeddings are thread weights).
          tableBytes: others.reduce((sum, o) => sum + o.tables.bytes, tables.bytes),
          subBatchSize: m.subBatchSize,
        };
        send(host.readyMessage);
        metrics.engine(choice.engine, e.detail);
        tlog.info({ backend: e.detail }, 'tenant ready');
      }
      if (e.type === 'thread-died') tlog.error({ detail: e.detail }, 'inference thread died');
      if (e.type === 'fatal') {
        // A thread that cannot load the model will not do better on retry here: let the agent
        // restart the host with backoff, and say why.
        tlog.fatal({ detail: e.detail }, 'inference thread could not start');
        send({ type: 'fatal', message: `inference thread could not start: ${e.detail}` });
        setTimeout(() => process.exit(1), 50);
      }
    },
    m.queueBytes,
    new MemoryBudget(cgroupMemory(), {
      onChange: figures => tlog.info(figures, 'admission: memory limit and use'),
      collect: forceGc(),
    }),
    m.standbyWorkers ?? 0,
  );
  host.pool = pool;
  pool.onJobDone = (items, queueUs, computeUs) => metrics.subBatch(items, queueUs, computeUs);
  pool.resize(host.workersWanted); // a set-workers may have come while the tables loaded

  const fail = (code: string) => {
    errors[code] = (errors[code] ?? 0) + 1;
  };
  /** One request, from Infer or InferStream. `deadline`: absolute ms, Infinity for none. */
  const serve = async (
    req: InferRequest__Output | null,
    deadline: number,
    cancelled: () => boolean,
    trace: ServerTrace | undefined,
  ): Promise<InferResponse> => {
    metrics.requestStarted();
    try {
      if (!req) throw new HeraError('INVALID_ARGUMENT', 'request: missing');
      if (req.model !== config.name)
        throw new HeraError('NOT_FOUND', `this host serves ${config.name}, not ${JSON.stringify(req.model)}`);
      if (req.version && !served.has(req.version)) {
        throw new HeraError(
          'NOT_FOUND',
          `model ${config.name} runs version${served.size > 1 ? 's' : ''} ${servedVersions.join(', ')}, not ${req.version}`,
        );
      }
      const version = req.version || config.version;
      if (isTensorRequest(config.name, tensorSig, req)) {
        const t0 = performance.now();
        const onPart = requestSpans(trace, {
          model: config.name,
          version,
          items: req.tensors[0]?.shape[0] ?? 0,
          subBatch: host.subBatch,
          enqueuedAt: t0,
        });
        const res = await runTensors(
          pool,
          config.name,
          tensorSig!,
          req,
          deadline,
          t0,
          cancelled,
          onPart,
          version !== config.version ? version : undefined,
        );
        endRequest(trace, res);
        const now = Date.now();
        const ms = performance.now() - t0;
        // Rows are the items (metrics, the profile, placement).
        window.add(now, ms, res.rows);
        recent?.add(now, ms, res.rows);
        metrics.requestOk();
        return {
          scores: Buffer.alloc(0),
          outputs: res.outputs,
          version,
          queueUs: res.queueUs,
          computeUs: res.computeUs,
        };
      }
      // Lengths here, before the bytes are copied into a thread's slot; values once, in that thread.
      const count = checkShape(req.items, shape);
      const batch = {
        count,
        dense: req.items!.dense,
        ids: req.items!.sparse,
        ...(version !== config.version ? { version } : {}),
      };
      const t0 = performance.now();
      const onPart = requestSpans(trace, {
        model: config.name,
        version,
        items: count,
        subBatch: host.subBatch,
        enqueuedAt: t0,
      });
      const res = await runSplit(
        pool,
        batch,
        host.subBatch,
        { denseDim: config.denseDim, idsPerItem, denseBytes },
        deadline,
        t0,
        cancelled,
        onPart,
      );
      endRequest(trace, res);
      const now = Date.now();
      const ms = performance.now() - t0;
      window.add(now, ms, batch.count);
      recent?.add(now, ms, batch.count);
      metrics.requestOk();
      return { scores: res.scores, version, queueUs: res.queueUs, computeUs: res.computeUs };
    } catch (err) {
      const code = err instanceof HeraError ? err.code : 'INTERNAL';
      // A request refused for load or past its deadline missed its SLA: the node manager's
      // window counts it so (served latencies alone look fine while the host sheds).
      if (code === 'OVERLOADED' || code === 'DEADLINE') recent?.add(Date.now(), FAILED_REQUEST_MS);
      fail(statusName(STATUS_OF[code])); // counted under the status the client sees
      metrics.requestFailed(err);
      throw err;
    }
  };
  const stats = (): TenantStats => {
    const now = Date.now();
    const s = window.summary(now);
    const r = recent?.summary(now);
    return {
      p50Ms: s.p50,
      p95Ms: s.p95,
      p99Ms: s.p99,
      count: s.count,
      servedQps: s.perSecond,
      itemsPerS: s.itemsPerSecond,
      queueDepth: pool.queueDepth,
      workersReady: pool.readyWorkers,
      errors: { ...errors },
      rssBytes: process.memoryUsage.rss(),
      ...(pool.standby ? { workersStandby: pool.parkedWorkers } : {}),
      ...(r ? { recent: { windowMs: m.recentWindowMs!, p95Ms: r.p95, count: r.count } } : {}),
    };
  };
  const impl: Partial<WorkerServiceHandlers> = {
    Infer: unary(tlog, 'Infer', async (req, call) => {
      const spans = host.spans;
      const meta = (k: string) => String(call.metadata.get(k)[0] ?? '');
      const t = spans
        ? startServerTrace({ traceparent: meta('traceparent'), tracestate: meta('tracestate'), request: req })
        : undefined;
      try {
        const res = await serve(req, callDeadline(call), () => call.cancelled, t);
        if (t) spans!.add(endServerTrace(t, grpcStatus.OK, ''));
        return res;
      } catch (err) {
        if (t) {
          const code = err instanceof HeraError ? STATUS_OF[err.code] : grpcStatus.INTERNAL;
          spans!.add(endServerTrace(t, code, (err as Error).message));
        }
        throw err;
      }
    }),
    InferStream: call => host.streams.open(call, tlog, serve),
  };
  // The agent's own TLS and auth settings (inherited environment): the gateway and the profiler
  // reach this server as they reach the agent's.
  const auth = applySecurity(loadSecurityConfig(process.env), 'worker-host');
  const running = await startServer({
    host: m.host,
    port: m.port,
    log: tlog,
    auth,
    services: [{ name: 'hera.worker.v1.WorkerService', definition: services().worker, implementation: impl }],
  });
  running.setServing('SERVING');
  host.server = running.server;
  send({ type: 'listening', port: running.port });
  const timer = setInterval(() => send({ type: 'stats', stats: stats() }), m.statsIntervalMs);
  timer.unref();
}
