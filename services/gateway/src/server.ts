import { trace } from '@opentelemetry/api';
import { invalidArgument, quoted } from '@hera/errors';
import { callArrival, callDeadline, tracedUnary, unary, type ServiceBinding } from '@hera/grpc';
import type { Lifecycle } from '@hera/lifecycle';
import type { Logger } from '@hera/logger';
import {
  services,
  type GRPCInferenceServiceHandlers,
  type ModelInferRequest__Output,
  type ModelInferResponse,
  type ModelInfo,
  type RankingServiceHandlers,
} from '@hera/proto';
import { ATTR } from '@hera/telemetry';
import { MAX_ITEMS } from '@hera/model-schema';
import type { CatalogEntry, ModelCatalog } from './catalog';
import type { GatewayMetrics, QueryMethod } from './gateway-metrics';
import { fromInferRequest, fromTensorRequest } from './oip';
import type { Ranker, RankResult } from './ranker';
import { gatewayReadiness } from './readiness';
import type { RegistryLink } from './registry-link';
import { servesVersion } from './replica';
import type { RoutingTable } from './routing';
import { modelStreamInfer } from './stream-infer';
import { topK } from './topk';
import { modelStatistics, platformOf, repositoryIndex, timeoutFailure, timeoutParamMs, tritonConfig } from './triton';

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
    denseDatatype: m.denseDatatype ?? 'FP32',
    denseScale: m.denseQuant?.scale ?? [],
    denseZeroPoint: m.denseQuant?.zeroPoint ?? [],
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
  /** Most items in one query (MAX_ITEMS): ModelConfig's max_batch_size. */
  maxItems?: number;
  /** Queries of one ModelStreamInfer call running at once (STREAM_MAX_IN_FLIGHT). */
  streamMaxInFlight?: number;
  /** Triton's repository load/unload, passed on to placement's model registry. */
  registry: Pick<RegistryLink, 'load' | 'unload'>;
}

/** Where and when one ModelInfer request came: its call's deadline and arrival. */
export interface InferContext {
  method: QueryMethod;
  /** Absolute deadline (Date.now clock), Infinity for none. */
  clientDeadline: number;
  /** When it arrived (Date.now clock); undefined: now. */
  arrivedAt: number | undefined;
}

/** Sets the caller's request id on the call's span (tracedUnary's), when both exist. */
function tagRequest(id: string): void {
  if (id) trace.getActiveSpan()?.setAttribute(ATTR.REQUEST_ID, id);
}

/**
 * Runs one query, observing it in the metrics (by model and version; an unknown one
 * as model "") and tagging the active span.
 */
async function observed(
  deps: GatewayDeps,
  method: QueryMethod,
  model: CatalogEntry | undefined,
  arrivedAt: number | undefined,
  run: () => Promise<RankResult>,
): Promise<RankResult> {
  const o = deps.metrics.start(method, model, arrivedAt);
  try {
    const r = await run();
    o.ok(r.scores.length, r.subBatches, r);
    // A stream's span (if any) spans many queries: one query's attributes would mislabel it.
    if (method !== 'ModelStreamInfer')
      trace.getActiveSpan()?.setAttributes({
        [ATTR.MODEL]: r.model.name,
        [ATTR.MODEL_VERSION]: r.version,
        [ATTR.ITEMS]: r.scores.length,
        [ATTR.SUB_BATCHES]: r.subBatches,
      });
    return r;
  } catch (err) {
    o.failed(err);
    throw err;
  }
}

/** The model a query names, or undefined when the catalog has no such model and version. */
function known(ranker: Ranker, name: string, version: string): CatalogEntry | undefined {
  try {
    return ranker.model(name, version);
  } catch {
    return undefined;
  }
}

/** hera.gateway.v1.RankingService. */
export function rankingService(deps: GatewayDeps): ServiceBinding {
  const { log, ranker, catalog } = deps;
  const impl: RankingServiceHandlers = {
    // Its server span is tracedUnary's, not the instrumentation's (instrument.ts OWN_SERVER_SPANS).
    Rank: tracedUnary(log, 'hera.gateway.v1.RankingService', 'Rank', async (req, call) => {
      const t0 = performance.now();
      tagRequest(req.requestId);
      const items = req.items;
      const r = await observed(deps, 'Rank', known(ranker, req.model, req.version), callArrival(call), () => {
        if (!items) throw invalidArgument('items', 'is required');
        return ranker.rank({
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
        });
      });
      const top = req.topK > 0 ? topK(r.scores, req.topK) : new Uint32Array(0);
      return {
        model: r.model.name,
        version: r.version,
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
  const { log, ranker, routing, lifecycle } = deps;
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
    // Triton answers ready=false for a model it does not know (a client polling for one it is
    // loading expects that, not an error), so an unknown model or version is not ready here too.
    ModelReady: unary(log, 'ModelReady', req => {
      // Per version: a replica must serve the one asked for (any of them when none is named).
      const model = known(ranker, req.name, req.version);
      const serving = model && routing.replicas(model.name).some(r => !req.version || servesVersion(r, req.version));
      return { ready: Boolean(serving) };
    }),
    ModelMetadata: unary(log, 'ModelMetadata', req => {
      const model = ranker.model(req.name, req.version);
      // Named tensors (no ranking layout): the signature's inputs and outputs, as declared.
      if (model.tensors)
        return {
          name: model.name,
          versions: model.served,
          platform: platformOf(model),
          inputs: model.tensors.inputs.map(t => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
          outputs: model.tensors.outputs.map(t => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
        };
      const lookups = model.tables[0]?.lookups ?? 0;
      const uniform = model.tables.every(t => t.lookups === lookups);
      return {
        name: model.name,
        versions: model.served,
        platform: platformOf(model),
        inputs: [
          { name: 'dense', datatype: model.denseDatatype ?? 'FP32', shape: [-1, model.denseDim] },
          {
            name: 'sparse',
            datatype: 'INT32',
            shape: uniform ? [-1, model.tables.length, lookups] : [-1, model.idsPerItem],
          },
        ],
        outputs: [{ name: 'score', datatype: 'FP32', shape: [-1, 1] }],
      };
    }),
    ModelInfer: tracedUnary(log, 'inference.GRPCInferenceService', 'ModelInfer', (req, call) =>
      inferOne(deps, req, {
        method: 'ModelInfer',
        clientDeadline: callDeadline(call),
        arrivedAt: callArrival(call),
      }),
    ),
    ModelStreamInfer: modelStreamInfer(deps, inferOne),
    ModelConfig: unary(log, 'ModelConfig', req => ({
      config: tritonConfig(ranker.model(req.name, req.version), deps.maxItems ?? MAX_ITEMS),
    })),
    ModelStatistics: unary(log, 'ModelStatistics', req => ({
      modelStats: modelStatistics(deps.metrics.stats, deps.catalog, req),
    })),
    RepositoryIndex: unary(log, 'RepositoryIndex', req =>
      repositoryIndex(
        deps.catalog.list(),
        (m, v) => routing.replicas(m).filter(r => !v || servesVersion(r, v)).length,
        req,
      ),
    ),
    // Placement's model registry does the work (registry-link.ts).
    RepositoryModelLoad: unary(log, 'RepositoryModelLoad', (req, call) => deps.registry.load(req, call)),
    RepositoryModelUnload: unary(log, 'RepositoryModelUnload', (req, call) => deps.registry.unload(req, call)),
  };
  return { name: 'inference.GRPCInferenceService', definition: services().inference, implementation: impl };
}

/**
 * One ModelInfer request, from the unary RPC or one message of ModelStreamInfer: validated,
 * routed and observed as Rank is; the `timeout` parameter (µs) bounds it with the call's deadline.
 */
async function inferOne(
  deps: GatewayDeps,
  req: ModelInferRequest__Output,
  ctx: InferContext,
): Promise<ModelInferResponse> {
  const { ranker } = deps;
  if (ctx.method !== 'ModelStreamInfer') tagRequest(req.id);
  const entry = known(ranker, req.modelName, req.modelVersion);
  if (entry?.tensors && !entry.unloaded)
    return inferTensors(deps, req, ctx, entry as CatalogEntry & { tensors: NonNullable<CatalogEntry['tensors']> });
  let raw = false;
  const arrived = ctx.arrivedAt ?? Date.now();
  const r = await observed(deps, ctx.method, known(ranker, req.modelName, req.modelVersion), arrived, async () => {
    const model = ranker.model(req.modelName, req.modelVersion);
    const timeoutMs = timeoutParamMs(req.parameters);
    for (const [i, o] of req.outputs.entries()) {
      if (o.name !== 'score')
        throw invalidArgument(
          `outputs[${i}].name`,
          `unknown output ${quoted(o.name)}; model ${model.name} has "score"`,
        );
    }
    const items = fromInferRequest(model, req);
    raw = items.raw;
    const sparseIdx = req.inputs.findIndex(t => t.name === 'sparse');
    const denseIdx = req.inputs.findIndex(t => t.name === 'dense');
    try {
      return await ranker.rank({
        model: model.name,
        version: req.modelVersion,
        itemCount: items.itemCount,
        dense: items.dense,
        sparse: items.sparse,
        clientDeadline: ctx.clientDeadline,
        arrivedAt: arrived,
        timeoutMs,
        requestId: req.id,
        field: {
          dense: `inputs[${denseIdx}] (dense)`,
          sparse: `inputs[${sparseIdx}] (sparse)`,
          count: `inputs[${sparseIdx}].shape[0]`,
        },
      });
    } catch (err) {
      throw timeoutFailure(err, timeoutMs, arrived + timeoutMs <= ctx.clientDeadline);
    }
  });
  const model = r.model;
  const output = { name: 'score', datatype: 'FP32', shape: [r.scores.length, 1] };
  return raw
    ? {
        modelName: model.name,
        modelVersion: r.version,
        id: req.id,
        outputs: [output],
        rawOutputContents: [scoresBytes(r.scores)],
      }
    : {
        modelName: model.name,
        modelVersion: r.version,
        id: req.id,
        outputs: [{ ...output, contents: { fp32Contents: Array.from(r.scores) } }],
      };
}

/**
 * ModelInfer on a model without the ranking layout: its declared tensors by name, checked
 * here (oip.ts fromTensorRequest), the whole request to one tenant (Ranker.inferTensors), the
 * outputs asked for back by name (raw when the request was raw). Observed as other queries,
 * rows counting as items.
 */
async function inferTensors(
  deps: GatewayDeps,
  req: ModelInferRequest__Output,
  ctx: InferContext,
  entry: CatalogEntry & { tensors: NonNullable<CatalogEntry['tensors']> },
): Promise<ModelInferResponse> {
  const arrived = ctx.arrivedAt ?? Date.now();
  const o = deps.metrics.start(ctx.method, entry, arrived);
  try {
    const timeoutMs = timeoutParamMs(req.parameters);
    const q = fromTensorRequest(entry, req);
    let r;
    try {
      r = await deps.ranker.inferTensors({
        model: entry.name,
        version: req.modelVersion,
        rows: q.rows,
        tensors: q.tensors,
        outputs: q.outputs,
        clientDeadline: ctx.clientDeadline,
        arrivedAt: arrived,
        timeoutMs,
        requestId: req.id,
      });
    } catch (err) {
      throw timeoutFailure(err, timeoutMs, arrived + timeoutMs <= ctx.clientDeadline);
    }
    o.ok(r.rows, 1, r);
    if (ctx.method !== 'ModelStreamInfer')
      trace.getActiveSpan()?.setAttributes({
        [ATTR.MODEL]: entry.name,
        [ATTR.MODEL_VERSION]: r.version,
        [ATTR.ITEMS]: r.rows,
        [ATTR.SUB_BATCHES]: 1,
      });
    const head = (t: (typeof r.outputs)[number]) => ({ name: t.name, datatype: t.datatype, shape: t.shape });
    const typed = (t: (typeof r.outputs)[number]) => {
      const b = t.data;
      const aligned = new Uint8Array(b.byteLength);
      aligned.set(b);
      return t.datatype === 'FP32'
        ? { fp32Contents: Array.from(new Float32Array(aligned.buffer)) }
        : { intContents: Array.from(new Int32Array(aligned.buffer)) };
    };
    return q.raw
      ? {
          modelName: entry.name,
          modelVersion: r.version,
          id: req.id,
          outputs: r.outputs.map(head),
          rawOutputContents: r.outputs.map(t => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
        }
      : {
          modelName: entry.name,
          modelVersion: r.version,
          id: req.id,
          outputs: r.outputs.map(t => ({ ...head(t), contents: typed(t) })),
        };
  } catch (err) {
    o.failed(err);
    throw err;
  }
}
