/**
 * The pure parts of the engine bench's comparison with its peer (PyTorch, bench/pytorch_engine.py):
 * the model spec the script is given, its JSON lines, and the headline figures over models.
 */
import { scaledRows, type ZooModelName, type ZooModelSpec } from '@hera/model-schema';

/** One model as bench/pytorch_engine.py reads it: the zoo spec with its tables' rows as scaled. */
export interface PeerModelSpec {
  name: ZooModelName;
  dense_dim: number;
  tables: { name: string; rows: number; dim: number; lookups: number; pooling: string }[];
  arch: ZooModelSpec['arch'];
  seed: number;
}

/** The spec of `spec` at table scale `scale`: rows as buildRepository scales them, all else as is. */
export function peerSpec(spec: ZooModelSpec, scale: number, seed = 1): PeerModelSpec {
  return {
    name: spec.name,
    dense_dim: spec.denseDim,
    tables: spec.tables.map(t => ({
      name: t.name,
      rows: scaledRows(t.rows, scale),
      dim: t.dim,
      lookups: t.lookups,
      pooling: t.pooling,
    })),
    arch: spec.arch,
    seed,
  };
}

/** The script's first line in serve mode. */
export interface PeerReady {
  tableBytes: number;
  buildS: number;
  torch: string;
  threads: number;
  blas: string;
}

/** One measured point of the script. */
export interface PeerPoint {
  model: string;
  batch: number;
  samplesPerS: number;
  meanSamplesPerS: number;
  p50Ms: number;
  p99Ms: number;
  calls: number;
  torch: string;
  threads: number;
}

function parseObject(line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`pytorch_engine.py printed ${JSON.stringify(line.slice(0, 200))}, not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`pytorch_engine.py printed ${JSON.stringify(line.slice(0, 200))}, not an object`);
  if ('error' in v) throw new Error(`pytorch_engine.py: ${String((v as { error: unknown }).error)}`);
  return v as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string, positive = true): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0))
    throw new Error(`pytorch_engine.py: ${key} is ${JSON.stringify(v)}, not a ${positive ? 'positive ' : ''}number`);
  return v;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`pytorch_engine.py: ${key} is ${JSON.stringify(v)}, not a string`);
  return v;
}

export function parsePeerReady(line: string): PeerReady {
  const o = parseObject(line);
  if (o.ready !== true)
    throw new Error(`pytorch_engine.py printed ${JSON.stringify(line.slice(0, 200))} before it was ready`);
  return {
    tableBytes: num(o, 'table_bytes'),
    buildS: num(o, 'build_s', false),
    torch: str(o, 'torch'),
    threads: num(o, 'threads'),
    blas: str(o, 'blas'),
  };
}

/** A point line; `expect` checks it answers the point asked for (model and batch). */
export function parsePeerPoint(line: string, expect?: { model: string; batch: number }): PeerPoint {
  const o = parseObject(line);
  const p: PeerPoint = {
    model: str(o, 'model'),
    batch: num(o, 'batch'),
    samplesPerS: num(o, 'samples_per_s'),
    meanSamplesPerS: num(o, 'mean_samples_per_s'),
    p50Ms: num(o, 'p50_ms'),
    p99Ms: num(o, 'p99_ms'),
    calls: num(o, 'calls'),
    torch: str(o, 'torch'),
    threads: num(o, 'threads'),
  };
  if (expect && (p.model !== expect.model || p.batch !== expect.batch)) {
    throw new Error(
      `pytorch_engine.py answered ${p.model} at batch ${p.batch} when asked for ${expect.model} at batch ${expect.batch}`,
    );
  }
  return p;
}

/** A headline figure over models: the median and the worst (lowest) of per-model ratios. */
export interface Spread {
  /** Median over models (the mean of the two middle ones for an even count). */
  median: number;
  /** The lowest model's figure, and which model it is. */
  worst: number;
  worstModel: string;
  /** How many models it is over. */
  models: number;
}

/** The median of xs (the mean of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Of points measured in rounds, the median one by samples/s (the lower middle for an even count): a measured point, never a blend. */
export function medianPoint<T extends { samplesPerS: number }>(points: readonly T[]): T {
  if (points.length === 0) throw new Error('medianPoint of no points');
  return [...points].sort((a, b) => a.samplesPerS - b.samplesPerS)[(points.length - 1) >> 1]!;
}

/** Median and worst over the models that have a finite figure; null when none has. */
export function spread(perModel: Readonly<Record<string, number | undefined>>): Spread | null {
  const entries = Object.entries(perModel).filter(
    (e): e is [string, number] => e[1] !== undefined && Number.isFinite(e[1]),
  );
  if (entries.length === 0) return null;
  const [worstModel, worst] = entries.reduce((w, e) => (e[1] < w[1] ? e : w));
  return { median: median(entries.map(e => e[1])), worst, worstModel, models: entries.length };
}
