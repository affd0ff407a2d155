import { trace } from '@opentelemetry/api';
import { HeraError, invalidArgument, quoted } from '@hera/errors';
import { callArrival, callDeadline, unary, type ServiceBinding } from '@hera/grpc';
import type { Lifecycle } from '@hera/lifecycle';
import type { Logger } from '@hera/logger';
import type { Registry } from '@hera/metrics';
import { Counter, Histogram } from '@hera/metrics';
import { services, type GRPCInferenceServiceHandlers, type ModelInfo, type RankingServiceHandlers } from '@hera/proto';
import { ATTR } from '@hera/telemetry';
import type { CatalogEntry, ModelCatalog } from './catalog';
import { fromInferRequest } from './oip';
import type { Ranker, RankResult } from './ranker';
import { gatewayReadiness } from './readiness';
import type { RoutingTable } from './routing';
import { topK } from './topk';

const SERVER_NAME = 'hera-mesh';
const SERVER_VERSION = '0.1.0';

export function toModelInfo(m: CatalogEntry): ModelInfo {
  return {
    name: m.name,
    version: m.version,
    denseDim: m.denseDim,
    tables: m.tables,
    slaMs: m.slaMs,
    subBatchSize: m.subBatchSize,
    kind: m.kind ?? '',
  };
}

function scoresBytes(s: Float32Array): Buffer {
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength);
}

export interface GatewayDeps {
  catalog: ModelCatalog;
  routing: RoutingTable;
  ranker: Ranker;
  lifecycle: Lifecycle;
  metrics: GatewayMetrics;
  log: Logger;
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;

/** The gateway's Prometheus instruments (created once per registry). */
export function gatewayMetrics(registry: Registry) {
  return {
    latency: new Histogram({
      name: 'hera_gateway_query_seconds',
      help: 'Query latency at the gateway (receive to reply), by model and outcome',
      labelNames: ['model', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    items: new Counter({
      name: 'hera_gateway_items_total',
      help: 'Candidate items scored',
      labelNames: ['model'],
      registers: [registry],
    }),
  };
}

/** Sets the caller's request id on the call's span (the gRPC instrumentation's), when both exist. */
function tagRequest(id: string): void {
  if (id) trace.getActiveSpan()?.setAttribute(ATTR.REQUEST_ID, id);
}

/** Runs one query through the ranker, recording its latency and outcome. */
async function observed(
  deps: GatewayDeps,
  m: GatewayMetrics,
  model: string,
  run: () => Promise<RankResult>,
): Promise<RankResult> {
  const t0 = performance.now();
  try {
    const r = await run();
    m.latency.observe({ model: r.model.name, code: 'OK' }, (performance.now() - t0) / 1000);
    m.items.inc({ model: r.model.name }, r.scores.length);
    trace.getActiveSpan()?.setAttributes({
      [ATTR.MODEL]: r.model.name,
      [ATTR.MODEL_VERSION]: r.model.version,
      [ATTR.ITEMS]: r.scores.length,
      [ATTR.SUB_BATCHES]: r.subBatches,
    });
    return r;
  } catch (err) {
    const code = err instanceof HeraError ? err.code : 'INTERNAL';
    if (deps.catalog.get(model)) m.latency.observe({ model, code }, (performance.now() - t0) / 1000);
    throw err;
  }
}

/** hera.gateway.v1.RankingService. */
export function rankingService(deps: GatewayDeps): ServiceBinding {
  const { log, ranker, catalog, metrics: m } = deps;
  const impl: RankingServiceHandlers = {
    Rank: unary(log, 'Rank', async (req, call) => {
      const t0 = performance.now();
      tagRequest(req.requestId);
      const items = req.items;
      if (!items) throw invalidArgument('items', 'is required');
      const r = await observed(deps, m, req.model, () =>
        ranker.rank({
          model: req.model,
          version: req.version,
          itemCount: items.itemCount,
          dense: items.dense,
          sparse: items.sparse,
          clientDeadline: callDeadline(call),
          arrivedAt: callArrival(call),
          timeoutMs: req.timeoutMs,
          requestId: req.requestId,
          field: { dense: 'items.dense', sparse: 'items.sparse', count: 'items.item_count' },
        }),
      );
      const top = req.topK > 0 ? topK(r.scores, req.topK) : new Uint32Array(0);
      return {
        model: r.model.name,
        version: r.model.version,
        scores: scoresBytes(r.scores),
        topIndices: Array.from(top),
        topScores: Array.from(top, i => r.scores[i]!),
        timing: {
          queueUs: r.queueUs,
          inferenceUs: r.inferenceUs,
          totalUs: Math.round((performance.now() - t0) * 1000),
          subBatches: r.subBatches,
        },
        requestId: req.requestId,
      };
    }),
    ListModels: unary(log, 'ListModels', () => ({ models: catalog.list().map(toModelInfo) })),
  };
  return { name: 'hera.gateway.v1.RankingService', definition: services().ranking, implementation: impl };
}

/** The Open Inference Protocol v2 service, on the same port and the same query path. */
export function inferenceService(deps: GatewayDeps): ServiceBinding {
  const { log, ranker, routing, lifecycle, metrics: m } = deps;
  const impl: GRPCInferenceServiceHandlers = {
    // Live: the process answers (grpc.health.v1 "liveness"). Ready: it routes the plan's models,
    // as grpc.health.v1 "" says (readiness.ts); a restarted gateway is live long before it is ready.
    ServerLive: unary(log, 'ServerLive', () => ({
      live: lifecycle.state === 'serving' || lifecycle.state === 'starting',
    })),
    ServerReady: unary(log, 'ServerReady', () => ({
      ready: lifecycle.state === 'serving' && gatewayReadiness(routing, deps.catalog).ready,
    })),
    ServerMetadata: unary(log, 'ServerMetadata', () => ({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      extensions: [],
    })),
    ModelReady: unary(log, 'ModelReady', req => {
      const model = ranker.model(req.name, req.version);
      return { ready: routing.replicas(model.name).length > 0 };
    }),
    ModelMetadata: unary(log, 'ModelMetadata', req => {
      const model = ranker.model(req.name, req.version);
      const lookups = model.tables[0]?.lookups ?? 0;
      const uniform = model.tables.every(t => t.lookups === lookups);
      return {
        name: model.name,
        versions: [model.version],
        platform: 'tensorflowjs',
        inputs: [
          { name: 'dense', datatype: 'FP32', shape: [-1, model.denseDim] },
          {
            name: 'sparse',
            datatype: 'INT32',
            shape: uniform ? [-1, model.tables.length, lookups] : [-1, model.idsPerItem],
          },
        ],
        outputs: [{ name: 'score', datatype: 'FP32', shape: [-1, 1] }],
      };
    }),
    ModelInfer: unary(log, 'ModelInfer', async (req, call) => {
      tagRequest(req.id);
      const model = ranker.model(req.modelName, req.modelVersion);
      for (const [i, o] of req.outputs.entries()) {
        if (o.name !== 'score')
          throw invalidArgument(
            `outputs[${i}].name`,
            `unknown output ${quoted(o.name)}; model ${model.name} has "score"`,
          );
      }
      const items = fromInferRequest(model, req);
      const sparseIdx = req.inputs.findIndex(t => t.name === 'sparse');
      const denseIdx = req.inputs.findIndex(t => t.name === 'dense');
      const r = await observed(deps, m, model.name, () =>
        ranker.rank({
          model: model.name,
          version: req.modelVersion,
          itemCount: items.itemCount,
          dense: items.dense,
          sparse: items.sparse,
          clientDeadline: callDeadline(call),
          arrivedAt: callArrival(call),
          timeoutMs: 0,
          requestId: req.id,
          field: {
            dense: `inputs[${denseIdx}] (dense)`,
            sparse: `inputs[${sparseIdx}] (sparse)`,
            count: `inputs[${sparseIdx}].shape[0]`,
          },
        }),
      );
      const output = { name: 'score', datatype: 'FP32', shape: [r.scores.length, 1] };
      return items.raw
        ? {
            modelName: model.name,
            modelVersion: model.version,
            id: req.id,
            outputs: [output],
            rawOutputContents: [scoresBytes(r.scores)],
          }
        : {
            modelName: model.name,
            modelVersion: model.version,
            id: req.id,
            outputs: [{ ...output, contents: { fp32Contents: Array.from(r.scores) } }],
          };
    }),
  };
  return { name: 'inference.GRPCInferenceService', definition: services().inference, implementation: impl };
}
