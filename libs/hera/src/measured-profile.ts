import { invalidArgument } from '@hera/errors';
import { engineOfBackend } from '@hera/model-schema';
import { buildModelProfile, type ModelProfile, type NodeClassSpec, type PairProfile, type ProfileSet } from './profile';

/** One measured point, as the profiler records it (hera.profiler.v1.ProfilePoint). */
export interface MeasuredPoint {
  workers: number;
  qps: number;
  p95Ms?: number;
}

/** A profiler record (the shape of hera.profiler.v1.Profile, camelCase). */
export interface MeasuredProfileInput {
  model: string;
  nodeClass: string;
  cores: number;
  points: readonly MeasuredPoint[];
  slaMs: number;
  bestSubBatch: number;
  memoryPerHostBytes: number;
  memoryPerWorkerBytes: number;
  /**
   * Bytes a query moves from memory, derived from the model's configuration by the profiler
   * (`derivedBytesPerQuery`); lets the predictor pair measured solo profiles.
   */
  bytesPerQuery?: number;
  /** How bytesPerQuery was derived (its provenance detail). */
  bytesPerQueryDetail?: string;
  /** How it was obtained, e.g. "measured on node n1 by job 17". */
  method?: string;
  measuredAtMs?: number;
  /**
   * The backend the measured tenant ran ("onnxruntime", "wasm", …). Absent in records of
   * profilers before ONNX Runtime was added: the profile then has no `engine`, read as tfjs.
   */
  backend?: string;
}

/**
 * Turns a profiler record into a {@link ModelProfile} for the matcher. Worker counts the
 * profiler skipped are filled in — linearly between measured neighbours, and flat after the
 * last measured count (never assuming more scaling than was seen) — and the provenance says
 * which counts were measured and which were filled. Requires a point at n = 1.
 */
export function profileFromMeasurements(input: MeasuredProfileInput): ModelProfile {
  const { cores } = input;
  if (!Number.isInteger(cores) || cores < 1) throw invalidArgument('cores', `must be an integer ≥ 1, got ${cores}`);
  const byN = new Map<number, MeasuredPoint>();
  for (const [i, p] of input.points.entries()) {
    if (!Number.isInteger(p.workers) || p.workers < 1 || p.workers > cores) {
      throw invalidArgument(`points[${i}].workers`, `must be an integer in 1..${cores}, got ${p.workers}`);
    }
    if (byN.has(p.workers)) throw invalidArgument(`points[${i}].workers`, `${p.workers} workers measured twice`);
    byN.set(p.workers, p);
  }
  if (!byN.has(1)) throw invalidArgument('points', `${input.model} needs a measurement with 1 worker`);
  const measured = [...byN.keys()].sort((a, b) => a - b);
  const qps: number[] = [];
  for (let n = 1; n <= cores; n++) {
    const exact = byN.get(n);
    if (exact) {
      qps.push(exact.qps);
      continue;
    }
    const lo = measured.filter(m => m < n).at(-1)!;
    const hi = measured.find(m => m > n);
    const qlo = byN.get(lo)!.qps;
    qps.push(hi === undefined ? qlo : qlo + ((byN.get(hi)!.qps - qlo) * (n - lo)) / (hi - lo));
  }
  const filled = cores - measured.length;
  const how = `${input.method ?? 'measured by the profiler'}${input.measuredAtMs ? ` at ${new Date(input.measuredAtMs).toISOString()}` : ''}`;
  const p95 =
    measured.every(n => byN.get(n)!.p95Ms !== undefined) && filled === 0
      ? { p95Ms: measured.map(n => byN.get(n)!.p95Ms!) }
      : {};
  return buildModelProfile({
    model: input.model,
    nodeClass: input.nodeClass,
    qps,
    slaMs: input.slaMs,
    bestSubBatch: input.bestSubBatch,
    memoryPerHostBytes: input.memoryPerHostBytes,
    memoryPerWorkerBytes: input.memoryPerWorkerBytes,
    ...p95,
    ...(input.bytesPerQuery ? { bytesPerQuery: input.bytesPerQuery } : {}),
    ...(input.backend ? { engine: engineOfBackend(input.backend) } : {}),
    provenance: {
      qps: {
        kind: 'measured',
        detail: filled
          ? `${how}; measured at n = ${measured.join(', ')}; the other ${filled} count(s) interpolated linearly, flat past n = ${measured.at(-1)}`
          : how,
      },
      slaMs: { kind: 'configured', detail: 'the SLA the profile was measured under' },
      bestSubBatch: { kind: 'measured', detail: how },
      memoryPerHostBytes: { kind: 'measured', detail: how },
      memoryPerWorkerBytes: { kind: 'measured', detail: how },
      ...(p95.p95Ms ? { p95Ms: { kind: 'measured', detail: how } } : {}),
      ...(input.bytesPerQuery
        ? {
            bytesPerQuery: {
              kind: 'derived',
              detail: input.bytesPerQueryDetail ?? 'derived from the model configuration',
            },
          }
        : {}),
      ...(input.backend ? { engine: { kind: 'measured', detail: `the measured tenant ran on ${input.backend}` } } : {}),
    },
  });
}

/** A measured pair as the profiler stores it (hera.profiler.v1.PairProfile, camelCase). */
export interface MeasuredPairInput {
  modelA: string;
  modelB: string;
  splits: readonly { workersA: number; workersB: number; qpsA: number; qpsB: number }[];
  method: string;
  /** The backend each tenant ran (absent in records of older profilers: TF.js). */
  backendA?: string;
  backendB?: string;
}

/** A profiler pair record as the matcher's {@link PairProfile} (provenance `measured`). */
export function pairFromMeasurements(p: MeasuredPairInput): PairProfile {
  return {
    a: p.modelA,
    b: p.modelB,
    splits: p.splits.map(s => ({ workersA: s.workersA, workersB: s.workersB, qpsA: s.qpsA, qpsB: s.qpsB })),
    provenance: { kind: 'measured', detail: p.method },
    ...(p.backendA ? { engineA: engineOfBackend(p.backendA) } : {}),
    ...(p.backendB ? { engineB: engineOfBackend(p.backendB) } : {}),
  };
}

/**
 * A profile set from profiler records: solo profiles (each through
 * {@link profileFromMeasurements}) and measured pairs of models in the set. Pure; the caller
 * reads the records.
 */
export function profileSetFromMeasurements(input: {
  nodeClass: NodeClassSpec;
  profiles: readonly MeasuredProfileInput[];
  pairs?: readonly MeasuredPairInput[];
  generatedBy?: string;
}): ProfileSet {
  const models = input.profiles.map(profileFromMeasurements);
  const names = new Set(models.map(m => m.model));
  const pairs = (input.pairs ?? []).filter(p => names.has(p.modelA) && names.has(p.modelB)).map(pairFromMeasurements);
  return {
    nodeClass: input.nodeClass,
    models,
    pairs,
    ...(input.generatedBy === undefined ? {} : { generatedBy: input.generatedBy }),
  };
}
