import { invalidArgument } from '@hera/errors';
import type { ModelEngine } from '@hera/model-schema';

/**
 * Where a number came from. Every value in a profile set carries one, so a reader can tell
 * a measurement from a model output from an assumption (DESIGN §4.2; profiles/README.md).
 */
export interface Provenance {
  /**
   * `measured`: observed on real hardware (the detail says where and how);
   * `derived`: computed from other values by a stated model;
   * `assumed`: a constant we chose and state (never tuned toward a result);
   * `configured`: copied from configuration (e.g. a model's SLA).
   */
  kind: 'measured' | 'derived' | 'assumed' | 'configured';
  detail: string;
}

/** The hardware a profile set describes. Profiles are per node class (DESIGN §2). */
export interface NodeClassSpec {
  name: string;
  cores: number;
  memoryBytes: number;
  /**
   * Achievable memory bandwidth of the whole node for the embedding-gather access pattern.
   * Optional: measured profile sets may not know it. With it, the pair predictor can tell how
   * much of the bus a compute-bound model uses (see interference.ts).
   */
  memoryBandwidthBytesPerSec?: number;
  description?: string;
  provenance: Readonly<Record<string, Provenance>>;
}

/** The memory/compute classification of DESIGN §4.2. */
export type ModelKind = 'memory-bound' | 'compute-bound';

/** One model's worker scalability on one node class. */
export interface ModelProfile {
  model: string;
  nodeClass: string;
  /** QPS(n) for n = 1..cores: `qps[n - 1]`, the latency-bounded throughput with n workers. */
  qps: readonly number[];
  /** n*: the smallest worker count reaching QPSmax. */
  knee: number;
  /** QPSmax = max over n of QPS(n). */
  qpsMax: number;
  /** p95 latency target the QPS values were bounded by, in ms. */
  slaMs: number;
  /** Items per inference call that gave the best throughput. */
  bestSubBatch: number;
  /** Memory the model needs once per node (embedding tables, shared by its workers). */
  memoryPerHostBytes: number;
  /** Memory each additional worker adds (its own weights copy, activations, runtime). */
  memoryPerWorkerBytes: number;
  /** Bytes moved from DRAM per query, when known (lets the predictor size bandwidth use). */
  bytesPerQuery?: number;
  /** Measured p95 at each QPS(n), when the profile was measured. */
  p95Ms?: readonly number[];
  /**
   * The engine the figures describe: the one the tenant ran when measured (a profiler record's
   * backend: "onnxruntime" → onnx, a TF.js backend → tfjs), or the one a model was made for (the
   * roofline sets: tfjs). Absent: tfjs — profiles and sets written before ONNX Runtime was added
   * describe TF.js, then the only engine. Placement plans a model only from profiles of the
   * engine it is built for (`checkProfileEngines`).
   */
  engine?: ModelEngine;
  /** Provenance per field name (`qps`, `memoryPerHostBytes`, …). */
  provenance: Readonly<Record<string, Provenance>>;
}

/** One measured co-located split of a pair: QPS_A(nA | B:nB) and QPS_B(nB | A:nA). */
export interface PairSplitMeasurement {
  workersA: number;
  workersB: number;
  qpsA: number;
  qpsB: number;
}

/** Measured pair profile for models `a` and `b` on a node class (DESIGN §4.2, pair profiles). */
export interface PairProfile {
  a: string;
  b: string;
  splits: readonly PairSplitMeasurement[];
  provenance: Provenance;
  /** The engine each tenant ran when measured (absent: tfjs, as for ModelProfile.engine). */
  engineA?: ModelEngine;
  engineB?: ModelEngine;
}

/** Everything the matcher needs about one node class. Round-trips through JSON. */
export interface ProfileSet {
  nodeClass: NodeClassSpec;
  models: readonly ModelProfile[];
  pairs: readonly PairProfile[];
  /** The command that produced the set, for generated sets. */
  generatedBy?: string;
}

/** Input to {@link buildModelProfile}: a profile without its derived fields. */
export type ModelProfileInput = Omit<ModelProfile, 'knee' | 'qpsMax'> & { knee?: number; qpsMax?: number };

/**
 * Checks a profile's QPS curve and fills in knee and QPSmax. Throws INVALID_ARGUMENT naming
 * the field when the curve is malformed or a given knee/QPSmax disagrees with it.
 */
export function buildModelProfile(input: ModelProfileInput, field = 'profile'): ModelProfile {
  const { qps } = input;
  if (qps.length === 0) throw invalidArgument(`${field}.qps`, 'must list QPS(n) for n = 1..cores');
  for (const [i, q] of qps.entries()) {
    if (!Number.isFinite(q) || q < 0)
      throw invalidArgument(`${field}.qps[${i}]`, `must be a finite number ≥ 0, got ${q}`);
  }
  // A latency-bounded profile may have QPS(n) = 0 for small n: one worker cannot meet the SLA,
  // several (splitting each query's sub-batches between them) can. Such a model is placed only
  // at worker counts with QPS(n) > 0. A curve that is 0 everywhere describes nothing placeable.
  if (!qps.some(q => q > 0))
    throw invalidArgument(`${field}.qps`, 'QPS(n) is 0 at every worker count: the model met its SLA at no rate');
  let knee = 1;
  let qpsMax = qps[0]!;
  for (let n = 2; n <= qps.length; n++) {
    if (qps[n - 1]! > qpsMax) {
      qpsMax = qps[n - 1]!;
      knee = n;
    }
  }
  if (input.knee !== undefined && input.knee !== knee) {
    throw invalidArgument(`${field}.knee`, `is ${input.knee} but the QPS curve peaks first at n = ${knee}`);
  }
  if (input.qpsMax !== undefined && Math.abs(input.qpsMax - qpsMax) > 1e-9 * Math.max(1, qpsMax)) {
    throw invalidArgument(`${field}.qpsMax`, `is ${input.qpsMax} but max QPS(n) is ${qpsMax}`);
  }
  return { ...input, knee, qpsMax };
}

/**
 * The smallest worker count with QPS(n) > 0 (1 unless one worker cannot meet the SLA), and the
 * throughput per worker there: the unit worker scalability and the classification measure
 * against when QPS(1) = 0.
 */
export function firstServing(profile: ModelProfile): { workers: number; qpsPerWorker: number } {
  const i = profile.qps.findIndex(q => q > 0);
  return { workers: i + 1, qpsPerWorker: profile.qps[i]! / (i + 1) };
}

/** QPS(n) of a profile; QPS(0) = 0. Throws for n outside 0..cores. */
export function qpsAt(profile: ModelProfile, workers: number): number {
  if (workers === 0) return 0;
  const q = profile.qps[workers - 1];
  if (!Number.isInteger(workers) || q === undefined) {
    throw invalidArgument(
      'workers',
      `${profile.model} has a profile for 1..${profile.qps.length} workers, asked for ${workers}`,
    );
  }
  return q;
}

// The memory model lives in memory.ts; importers of this module keep finding it here.
export { tenantMemoryBytes } from './memory';

/** The engine a profile describes: its `engine`, else tfjs (profiles from before ONNX Runtime). */
export function profileEngine(profile: Pick<ModelProfile, 'engine'>): ModelEngine {
  return profile.engine ?? 'tfjs';
}

/** Looks a model's profile up in a set; undefined when the set has none. */
export function findProfile(set: ProfileSet, model: string): ModelProfile | undefined {
  return set.models.find(p => p.model === model);
}
