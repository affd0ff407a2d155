import { invalidArgument } from '@hera/errors';
import { idsPerItem, type ModelEngine } from '@hera/model-schema';
import { buildModelProfile, type ModelProfile, type NodeClassSpec, type ProfileSet, type Provenance } from './profile';

/** The hardware side of the roofline: one node class. Every number carries its provenance. */
export interface RooflineHardware {
  name: string;
  description: string;
  cores: number;
  memoryBytes: number;
  /** Node memory bandwidth achievable for random cache-line gathers, bytes/s. */
  memoryBandwidthBytesPerSec: number;
  /** Bytes/s one core can gather from random table rows (bounded by its outstanding misses). */
  perCoreGatherBytesPerSec: number;
  /** FLOP/s one worker achieves in the dense layers. */
  perCoreFlops: number;
  /** Memory of one model host process before tables (runtime, engine). */
  hostOverheadBytes: number;
  /** Memory each additional worker adds before its weights and activations. */
  workerOverheadBytes: number;
  /**
   * The engine the per-core figures and overheads were measured on, which the set's profiles
   * then describe. Absent: tfjs, the engine every constant of this project was measured on.
   */
  engine?: ModelEngine;
  provenance: Readonly<
    Record<
      | 'cores'
      | 'memoryBytes'
      | 'memoryBandwidthBytesPerSec'
      | 'perCoreGatherBytesPerSec'
      | 'perCoreFlops'
      | 'hostOverheadBytes'
      | 'workerOverheadBytes',
      Provenance
    > & { engine?: Provenance }
  >;
}

/** The model side of the roofline: what one item costs, from the model's structure. */
export interface RooflineModel {
  model: string;
  slaMs: number;
  subBatchSize: number;
  denseDim: number;
  /** Embedding bytes gathered per item (Σ lookups × row bytes). */
  embeddingBytesPerItem: number;
  /** Dense-layer FLOPs per item (2 per multiply-add). */
  flopsPerItem: number;
  /** fp32 bytes of all embedding tables (loaded once per node). */
  tableBytes: number;
  /** fp32 bytes of the dense weights (one copy per worker). */
  weightBytes: number;
  /** Activation buffers one worker needs for one sub-batch (largest layer input + output), bytes. */
  activationBytes: number;
  /** Where these facts come from (e.g. "ZOO_SPECS.rmc1 via modelCost()"). */
  source: string;
}

/** Items per query: round(exp(N(mu, sigma))) clipped to [min, max] (DESIGN §4.1). */
export interface QuerySizeModel {
  mu: number;
  sigma: number;
  min: number;
  max: number;
}

export const DEFAULT_QUERY_SIZE: Readonly<QuerySizeModel> = Object.freeze({ mu: 5.1, sigma: 0.2, min: 1, max: 1024 });

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** E[items per query] of the clipped, rounded lognormal, summed exactly over k = min..max. */
export function meanQueryItems(q: QuerySizeModel = DEFAULT_QUERY_SIZE): number {
  const cdf = (x: number) => (x <= 0 ? 0 : normalCdf((Math.log(x) - q.mu) / q.sigma));
  let mean = 0;
  for (let k = q.min; k <= q.max; k++) {
    // P(round(X) = k), with everything below min / above max clipped onto the ends.
    const lo = k === q.min ? 0 : cdf(k - 0.5);
    const hi = k === q.max ? 1 : cdf(k + 0.5);
    mean += k * (hi - lo);
  }
  return mean;
}

/** Bytes of one model value: the zoo is fp32 (dense features, embedding rows). */
const ELEMENT_BYTES = 4;

/** Bytes a query moves from memory: E[k] · (embedding bytes per item + dense-input bytes per item). */
function queryBytes(itemsPerQuery: number, embeddingBytesPerItem: number, denseDim: number): number {
  return itemsPerQuery * (embeddingBytesPerItem + ELEMENT_BYTES * denseDim);
}

/** What bytes per query needs of a model: its dense features and embedding lookups per item. */
export interface QueryLayout {
  denseDim: number;
  tables: readonly { lookups: number; dim: number }[];
}

/**
 * Bytes per query derived from a model's configuration (DESIGN §4.4 4a): embedding lookups ×
 * dim × 4 B plus 4 B per dense feature, per item, at the load model's mean items per query. The
 * predictor sizes a tenant's share of the memory bus with it. It counts every row a query reads
 * as memory traffic: an upper bound where tables are small enough to stay in cache.
 */
export function derivedBytesPerQuery(
  layout: QueryLayout,
  query: QuerySizeModel = DEFAULT_QUERY_SIZE,
): { bytesPerQuery: number; detail: string } {
  const k = meanQueryItems(query);
  const embedding = layout.tables.reduce((s, t) => s + t.lookups * t.dim * ELEMENT_BYTES, 0);
  const lookups = idsPerItem(layout.tables);
  return {
    bytesPerQuery: Math.round(queryBytes(k, embedding, layout.denseDim)),
    detail:
      `E[k] = ${k.toFixed(2)} items/query (DESIGN §4.1) × (${lookups} embedding lookups = ${embedding} B + ${layout.denseDim} dense features × ${ELEMENT_BYTES} B per item), ` +
      'from the model configuration; every row read counted as memory traffic (an upper bound when tables fit in cache)',
  };
}

/** Per-model numbers behind a roofline profile (printed by the generator, shown in the README). */
export interface RooflineBreakdown {
  model: string;
  itemsPerQuery: number;
  bytesPerQuery: number;
  computeMsPerQuery: number;
  gatherMsPerQuery: number;
  qps1: number;
  bandwidthCapQps: number;
  knee: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * One model's roofline on one node class:
 *
 * - bytes/query  B = E[k] · (embedding bytes/item + 4 · denseDim)
 * - time/query on one worker  t₁ = E[k] · FLOPs/item / perCoreFlops + E[k] · embedding bytes/item / perCoreGather
 *   (compute and gathers not overlapped — a conservative single-thread model)
 * - QPS(1) = 1 / t₁;  QPS(n) = min(n · QPS(1), node bandwidth / B)
 *
 * Latency is not modelled: QPS(n) is the node's capacity, an upper bound of the latency-bounded
 * throughput a profiler would measure (see profiles/README.md).
 */
export function rooflineBreakdown(
  m: RooflineModel,
  hw: RooflineHardware,
  query: QuerySizeModel = DEFAULT_QUERY_SIZE,
): RooflineBreakdown {
  const k = meanQueryItems(query);
  const bytesPerQuery = queryBytes(k, m.embeddingBytesPerItem, m.denseDim);
  const computeS = (k * m.flopsPerItem) / hw.perCoreFlops;
  const gatherS = (k * m.embeddingBytesPerItem) / hw.perCoreGatherBytesPerSec;
  const qps1 = 1 / (computeS + gatherS);
  const cap = hw.memoryBandwidthBytesPerSec / bytesPerQuery;
  let knee = hw.cores;
  for (let n = 1; n <= hw.cores; n++) {
    if (n * qps1 >= cap) {
      knee = n;
      break;
    }
  }
  return {
    model: m.model,
    itemsPerQuery: k,
    bytesPerQuery,
    computeMsPerQuery: computeS * 1e3,
    gatherMsPerQuery: gatherS * 1e3,
    qps1,
    bandwidthCapQps: cap,
    knee,
  };
}

/**
 * Generates a profile set from the roofline (pure: the caller writes the JSON). Every value's
 * provenance names the model and the constants it came from.
 */
export function rooflineProfileSet(
  models: readonly RooflineModel[],
  hw: RooflineHardware,
  options: { query?: QuerySizeModel; generatedBy?: string } = {},
): ProfileSet {
  const query = options.query ?? DEFAULT_QUERY_SIZE;
  if (!(hw.cores >= 1)) throw invalidArgument('hw.cores', `must be ≥ 1, got ${hw.cores}`);
  const k = meanQueryItems(query);
  const queryText = `E[k] = ${k.toFixed(2)} items/query (round(exp(N(${query.mu}, ${query.sigma}))) clipped to [${query.min}, ${query.max}], DESIGN §4.1)`;
  const nodeClass: NodeClassSpec = {
    name: hw.name,
    cores: hw.cores,
    memoryBytes: hw.memoryBytes,
    memoryBandwidthBytesPerSec: hw.memoryBandwidthBytesPerSec,
    description: hw.description,
    provenance: {
      cores: hw.provenance.cores,
      memoryBytes: hw.provenance.memoryBytes,
      memoryBandwidthBytesPerSec: hw.provenance.memoryBandwidthBytesPerSec,
    },
  };
  const profiles: ModelProfile[] = models.map(m => {
    const b = rooflineBreakdown(m, hw, query);
    const qps = Array.from({ length: hw.cores }, (_, i) => r3(Math.min((i + 1) * b.qps1, b.bandwidthCapQps)));
    const engine = hw.engine ?? 'tfjs';
    const constants = `perCoreFlops ${hw.perCoreFlops / 1e9} GFLOP/s, perCoreGather ${(hw.perCoreGatherBytesPerSec / 1e9).toFixed(2)} GB/s, node bandwidth ${(hw.memoryBandwidthBytesPerSec / 1e9).toFixed(1)} GB/s`;
    return buildModelProfile({
      model: m.model,
      nodeClass: hw.name,
      qps,
      slaMs: m.slaMs,
      bestSubBatch: m.subBatchSize,
      memoryPerHostBytes: Math.round(m.tableBytes + hw.hostOverheadBytes),
      memoryPerWorkerBytes: Math.round(m.weightBytes + m.activationBytes + hw.workerOverheadBytes),
      bytesPerQuery: Math.round(b.bytesPerQuery),
      engine,
      provenance: {
        engine: hw.provenance.engine ?? {
          kind: 'assumed',
          detail: `the hardware names no engine: ${engine}, the engine this project's per-core figures were measured on`,
        },
        qps: {
          kind: 'derived',
          detail:
            `roofline QPS(n) = min(n·QPS(1), bandwidth / bytesPerQuery); QPS(1) = 1 / (${b.computeMsPerQuery.toFixed(3)} ms compute + ` +
            `${b.gatherMsPerQuery.toFixed(3)} ms gathers) per query; ${constants}; ${queryText}; model facts: ${m.source}. Capacity, not latency-bounded: the SLA is not modelled`,
        },
        bytesPerQuery: {
          kind: 'derived',
          detail: `E[k] × (${m.embeddingBytesPerItem} embedding bytes + ${ELEMENT_BYTES * m.denseDim} dense-input bytes per item); ${queryText}; ${m.source}`,
        },
        slaMs: { kind: 'configured', detail: `DeepRecSys medium target, from ${m.source}` },
        bestSubBatch: {
          kind: 'configured',
          detail: `the model's default sub-batch from ${m.source}; not tuned (no measurement)`,
        },
        memoryPerHostBytes: {
          kind: 'derived',
          detail: `fp32 embedding tables ${m.tableBytes} B (${m.source}) + host overhead ${hw.hostOverheadBytes} B (${hw.provenance.hostOverheadBytes.detail})`,
        },
        memoryPerWorkerBytes: {
          kind: 'derived',
          detail:
            `fp32 dense weights ${m.weightBytes} B (one copy per worker) + activations ${m.activationBytes} B (largest layer input + output for a sub-batch of ${m.subBatchSize}) + ` +
            `worker overhead ${hw.workerOverheadBytes} B (${hw.provenance.workerOverheadBytes.detail})`,
        },
      },
    });
  });
  return {
    nodeClass,
    models: profiles,
    pairs: [],
    ...(options.generatedBy === undefined ? {} : { generatedBy: options.generatedBy }),
  };
}
