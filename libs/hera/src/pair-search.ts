import { invalidArgument } from '@hera/errors';
import { DEFAULT_INTERFERENCE, predictColocated, type InterferenceOptions } from './interference';
import {
  qpsAt,
  tenantMemoryBytes,
  type ModelProfile,
  type NodeClassSpec,
  type PairProfile,
  type ProfileSet,
} from './profile';
import { classifyProfile, DEFAULT_EPSILON, type Classification } from './scalability';
import { serverConfig, type ServerConfig } from './server-config';

/** Knobs of the matcher (DESIGN §4.4.1–2). */
export interface PairSearchOptions {
  /** ε of the memory/compute classification. Default 0.05. */
  epsilon?: number;
  /** Constants of the solo-profile predictor used where no pair was measured. */
  interference?: Partial<InterferenceOptions>;
  /**
   * Accept only pairs of a memory-bound with a compute-bound model (the strict reading of
   * DESIGN §4.4.2, kept for comparison). Default false: heterogeneity is where the search
   * looks first, not a rule — a same-class pair that beats two dedicated servers is accepted too.
   */
  heterogeneousOnly?: boolean;
  /**
   * A pair is accepted only when its EMU exceeds 1 + minPairGain. Default 0.001: a "gain" below
   * 0.1 % is floating-point rounding (two linearly scaling models split at γ = 0 score
   * 1 + 3e-7), and every such candidate makes the MILP harder for nothing.
   */
  minPairGain?: number;
  /** Memory kept free on every node (node agent, OS). Default 0. */
  reservedMemoryBytes?: number;
}

/** Options with every default filled in, as used by a search. */
export interface ResolvedPairSearchOptions {
  epsilon: number;
  interference: InterferenceOptions;
  heterogeneousOnly: boolean;
  minPairGain: number;
  reservedMemoryBytes: number;
}

/** One split (nA, nB) of a pair, evaluated. */
export interface SplitEvaluation {
  workersA: number;
  workersB: number;
  qpsA: number;
  qpsB: number;
  emu: number;
  /** `measured-pair` when the profiler measured this split, `predicted` otherwise. */
  basis: 'measured-pair' | 'predicted';
  /** True when the QPS values come from the predictor (`basis === 'predicted'`). */
  predicted: boolean;
  memoryBytes: number;
}

/** The matcher's verdict on one pair of models. */
export interface PairEvaluation {
  a: string;
  b: string;
  kindA: Classification['kind'];
  kindB: Classification['kind'];
  /** The split with the highest EMU; undefined when no split fits the node's memory. */
  best?: SplitEvaluation;
  /** The next-best splits, best first (at most three), for explanations. */
  runnersUp: SplitEvaluation[];
  splitsTried: number;
  /** Splits of this pair the profiler measured (0 when the pair rests on the predictor alone). */
  splitsMeasured: number;
  accepted: boolean;
  /** One line for people: why the pair was accepted or rejected. */
  reason: string;
  /** The pair as a server configuration, when accepted. */
  config?: ServerConfig;
}

/** A model that cannot be placed on this node class at all, and why. */
export interface UnplaceableModel {
  model: string;
  reason: string;
}

/**
 * How a measured pair corrects the predictor at the splits the profiler did not measure: each
 * tenant's predicted QPS is multiplied by the mean of measured / predicted over the measured
 * splits (at most 1: a measurement can only lower a prediction, never raise it above the model).
 */
export interface PairCalibration {
  a: string;
  b: string;
  factorA: number;
  factorB: number;
}

/** Output of {@link searchPairs}: every candidate server configuration for the solver. */
export interface PairSearchResult {
  nodeClass: NodeClassSpec;
  profiles: ReadonlyMap<string, ModelProfile>;
  kinds: ReadonlyMap<string, Classification>;
  /** One dedicated configuration per placeable model (at its knee, or fewer workers if memory forces it). */
  dedicated: ServerConfig[];
  /** Every pair of placeable models, accepted or not, sorted by model names. */
  pairs: PairEvaluation[];
  /** Dedicated configurations plus accepted pairs: the p of DESIGN §4.4.3. */
  candidates: ServerConfig[];
  unplaceable: UnplaceableModel[];
  /** The measured pair profiles the search used. */
  pairProfiles: readonly PairProfile[];
  /** Per measured pair (key "a+b", names sorted), the correction of its unmeasured splits. */
  calibration: ReadonlyMap<string, PairCalibration>;
  /** The correction of pairs nobody measured, from every measured pair of the class ({@link classCalibration}). */
  classCalibration?: { factor: number; tenants: number };
  options: ResolvedPairSearchOptions;
}

export function resolvePairSearchOptions(o: PairSearchOptions = {}): ResolvedPairSearchOptions {
  const r: ResolvedPairSearchOptions = {
    epsilon: o.epsilon ?? DEFAULT_EPSILON,
    interference: { ...DEFAULT_INTERFERENCE, ...o.interference },
    heterogeneousOnly: o.heterogeneousOnly ?? false,
    minPairGain: o.minPairGain ?? DEFAULT_MIN_PAIR_GAIN,
    reservedMemoryBytes: o.reservedMemoryBytes ?? 0,
  };
  if (!(r.epsilon >= 0 && r.epsilon < 1)) throw invalidArgument('epsilon', `must be in [0, 1), got ${r.epsilon}`);
  if (!(r.minPairGain >= 0)) throw invalidArgument('minPairGain', `must be ≥ 0, got ${r.minPairGain}`);
  if (!(r.reservedMemoryBytes >= 0))
    throw invalidArgument('reservedMemoryBytes', `must be ≥ 0, got ${r.reservedMemoryBytes}`);
  return r;
}

/** Default {@link PairSearchOptions.minPairGain}. */
export const DEFAULT_MIN_PAIR_GAIN = 0.001;

const fmt = (x: number) => x.toFixed(3);

/** Key of a pair, names sorted: "din+rmc1". */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}+${b}` : `${b}+${a}`;
}

/** The measured pair profile of (a, b) in either order, if any. */
export function findPairProfile(pairs: readonly PairProfile[], a: string, b: string): PairProfile | undefined {
  return pairs.find(pp => (pp.a === a && pp.b === b) || (pp.a === b && pp.b === a));
}

/** The measurement of split (nA, nB) of models (a, b) in a pair profile, oriented as asked. */
function measuredSplit(pp: PairProfile, a: string, nA: number, nB: number): { qpsA: number; qpsB: number } | undefined {
  const swapped = pp.a !== a;
  const s = pp.splits.find(x =>
    swapped ? x.workersA === nB && x.workersB === nA : x.workersA === nA && x.workersB === nB,
  );
  if (!s) return undefined;
  return swapped ? { qpsA: s.qpsB, qpsB: s.qpsA } : { qpsA: s.qpsA, qpsB: s.qpsB };
}

/**
 * The correction a measured pair gives its unmeasured splits (see {@link PairCalibration}).
 * Measured splits at which the predictor expects nothing (0 QPS) say nothing and are skipped.
 */
export function calibratePair(
  a: ModelProfile,
  b: ModelProfile,
  pp: PairProfile,
  node: NodeClassSpec,
  interference: InterferenceOptions,
): PairCalibration {
  const ratios = predictionRatios(a, b, pp, node, interference);
  const factor = (r: number[]) => (r.length ? Math.min(1, r.reduce((s, x) => s + x, 0) / r.length) : 1);
  return { a: a.model, b: b.model, factorA: factor(ratios[0]), factorB: factor(ratios[1]) };
}

/** measured / predicted QPS of each tenant at every measured split of a pair (predicted 0: skipped). */
function predictionRatios(
  a: ModelProfile,
  b: ModelProfile,
  pp: PairProfile,
  node: NodeClassSpec,
  interference: InterferenceOptions,
): [number[], number[]] {
  const ratios: [number[], number[]] = [[], []];
  for (const s of pp.splits) {
    const [nA, nB, qA, qB] =
      pp.a === a.model ? [s.workersA, s.workersB, s.qpsA, s.qpsB] : [s.workersB, s.workersA, s.qpsB, s.qpsA];
    if (nA > a.qps.length || nB > b.qps.length) continue;
    const p = predictColocated(
      [
        { profile: a, workers: nA },
        { profile: b, workers: nB },
      ],
      node,
      interference,
    );
    if (p.qps[0]! > 0) ratios[0].push(qA / p.qps[0]!);
    if (p.qps[1]! > 0) ratios[1].push(qB / p.qps[1]!);
  }
  return ratios;
}

/**
 * How the measured pairs of a node class correct the predictor for the pairs nobody measured:
 * the mean of measured / predicted over every tenant of every measured split, at most 1.
 * Undefined without measured pairs. On the 2-core development VM the predictor expected each
 * tenant of a 1:1 split to keep ~0.95 of its one-worker rate and the measurements gave about
 * half: without this, the matcher preferred exactly the pairs nobody had measured.
 */
export function classCalibration(
  profiles: ReadonlyMap<string, ModelProfile>,
  pairs: readonly PairProfile[],
  node: NodeClassSpec,
  interference: InterferenceOptions,
): { factor: number; tenants: number } | undefined {
  const all: number[] = [];
  for (const pp of pairs) {
    const a = profiles.get(pp.a);
    const b = profiles.get(pp.b);
    if (a && b) all.push(...predictionRatios(a, b, pp, node, interference).flat());
  }
  return all.length
    ? { factor: Math.min(1, all.reduce((s, x) => s + x, 0) / all.length), tenants: all.length }
    : undefined;
}

/**
 * One split of a pair: measured when the pair profile has it, otherwise predicted from the solo
 * profiles ({@link predictColocated}) and corrected by `measured.calibration` (the pair's own, or
 * the node class's for a pair nobody measured). Undefined when
 * the split does not fit the node (cores or memory) or a tenant would serve nothing (a worker
 * count at which its model cannot meet the SLA).
 */
export function evaluateSplit(
  a: ModelProfile,
  b: ModelProfile,
  workersA: number,
  workersB: number,
  node: NodeClassSpec,
  o: ResolvedPairSearchOptions,
  measured?: { profile?: PairProfile; calibration: PairCalibration },
): SplitEvaluation | undefined {
  if (!(workersA >= 1 && workersB >= 1 && workersA + workersB <= node.cores)) return undefined;
  const memoryBytes = tenantMemoryBytes(a, workersA) + tenantMemoryBytes(b, workersB);
  if (memoryBytes > node.memoryBytes - o.reservedMemoryBytes) return undefined;
  let qpsA: number;
  let qpsB: number;
  let basis: SplitEvaluation['basis'] = 'predicted';
  const m = measured?.profile && measuredSplit(measured.profile, a.model, workersA, workersB);
  if (m) {
    ({ qpsA, qpsB } = m);
    basis = 'measured-pair';
  } else {
    const p = predictColocated(
      [
        { profile: a, workers: workersA },
        { profile: b, workers: workersB },
      ],
      node,
      o.interference,
    );
    const c = measured?.calibration;
    const [fA, fB] = !c ? [1, 1] : c.a === a.model ? [c.factorA, c.factorB] : [c.factorB, c.factorA];
    qpsA = p.qps[0]! * fA;
    qpsB = p.qps[1]! * fB;
  }
  if (!(qpsA > 0 && qpsB > 0)) return undefined;
  return {
    workersA,
    workersB,
    qpsA,
    qpsB,
    emu: qpsA / a.qpsMax + qpsB / b.qpsMax,
    basis,
    predicted: basis === 'predicted',
    memoryBytes,
  };
}

/** Best first: highest EMU; ties to fewer cores, then fewer A workers. */
const bySplitRank = (x: SplitEvaluation, y: SplitEvaluation) =>
  y.emu - x.emu || x.workersA + x.workersB - (y.workersA + y.workersB) || x.workersA - y.workersA;

/**
 * Evaluates every split of a pair that fits the node (nA + nB ≤ cores, memory within limits,
 * both tenants serving) and returns them best first. Splits the profiler measured use the
 * measurement; the others the predictor, corrected by the measured splits of the same pair
 * ({@link calibratePair}) or, for a pair nobody measured, by `classFactor`
 * ({@link classCalibration}).
 */
export function evaluateSplits(
  a: ModelProfile,
  b: ModelProfile,
  node: NodeClassSpec,
  options: PairSearchOptions & { pairProfile?: PairProfile; classFactor?: number } = {},
): SplitEvaluation[] {
  const o = resolvePairSearchOptions(options);
  const pp = options.pairProfile;
  if (pp && !((pp.a === a.model && pp.b === b.model) || (pp.a === b.model && pp.b === a.model))) {
    throw invalidArgument('pairProfile', `is for ${pp.a}+${pp.b}, not ${a.model}+${b.model}`);
  }
  const measured = pp
    ? { profile: pp, calibration: calibratePair(a, b, pp, node, o.interference) }
    : options.classFactor !== undefined
      ? { calibration: { a: a.model, b: b.model, factorA: options.classFactor, factorB: options.classFactor } }
      : undefined;
  const out: SplitEvaluation[] = [];
  for (let nA = 1; nA < node.cores; nA++) {
    for (let nB = 1; nA + nB <= node.cores; nB++) {
      const s = evaluateSplit(a, b, nA, nB, node, o, measured);
      if (s) out.push(s);
    }
  }
  return out.sort(bySplitRank);
}

function dedicatedConfig(
  p: ModelProfile,
  kind: Classification,
  memoryLimit: number,
  cores: number,
): ServerConfig | string {
  // At the knee when memory allows; otherwise the best worker count that fits.
  let best: number | undefined;
  let fits = 0;
  for (let n = 1; n <= Math.min(cores, p.qps.length); n++) {
    if (tenantMemoryBytes(p, n) > memoryLimit) break;
    fits = n;
    if (qpsAt(p, n) > 0 && (best === undefined || qpsAt(p, n) > qpsAt(p, best))) best = n;
  }
  if (fits === 0)
    return `one worker needs ${tenantMemoryBytes(p, 1)} bytes of memory, the node class offers ${memoryLimit}`;
  if (best === undefined) {
    const need = p.qps.findIndex(q => q > 0) + 1;
    return `it meets its SLA only with ${need} or more workers, and the node's memory holds at most ${fits}`;
  }
  return serverConfig([{ profile: p, workers: best, qps: qpsAt(p, best), kind: kind.kind }], 'solo-profile');
}

/**
 * The matcher's first two steps (DESIGN §4.4.1–2): classify every model, build its dedicated
 * configuration, find the best split of every pair under the node's core and memory limits,
 * and accept a pair when it beats the two dedicated servers it replaces (EMU > 1 + minPairGain:
 * one such server does the work of EMU dedicated servers). Memory-bound with compute-bound is
 * where gains are expected; same-class pairs are accepted on the same test unless
 * `heterogeneousOnly`.
 */
export function searchPairs(set: ProfileSet, options: PairSearchOptions = {}): PairSearchResult {
  const o = resolvePairSearchOptions(options);
  const node = set.nodeClass;
  const memoryLimit = node.memoryBytes - o.reservedMemoryBytes;
  const profiles = new Map<string, ModelProfile>();
  const kinds = new Map<string, Classification>();
  const dedicated: ServerConfig[] = [];
  const unplaceable: UnplaceableModel[] = [];
  for (const p of [...set.models].sort((x, y) => (x.model < y.model ? -1 : 1))) {
    if (profiles.has(p.model)) throw invalidArgument('models', `${p.model} is profiled twice`);
    if (p.qps.length !== node.cores) {
      throw invalidArgument(
        `models.${p.model}.qps`,
        `has ${p.qps.length} points, node class ${node.name} has ${node.cores} cores`,
      );
    }
    profiles.set(p.model, p);
    const kind = classifyProfile(p, o.epsilon);
    kinds.set(p.model, kind);
    const d = dedicatedConfig(p, kind, memoryLimit, node.cores);
    if (typeof d === 'string') unplaceable.push({ model: p.model, reason: d });
    else dedicated.push(d);
  }
  const calibration = new Map<string, PairCalibration>();
  for (const pp of set.pairs) {
    const a = profiles.get(pp.a);
    const b = profiles.get(pp.b);
    if (a && b) calibration.set(pairKey(pp.a, pp.b), calibratePair(a, b, pp, node, o.interference));
  }
  const byClass = classCalibration(profiles, set.pairs, node, o.interference);
  const pairs: PairEvaluation[] = [];
  const placeable = dedicated.map(d => profiles.get(d.tenants[0]!.model)!);
  for (let i = 0; i < placeable.length; i++) {
    for (let j = i + 1; j < placeable.length; j++) {
      pairs.push(evaluatePair(placeable[i]!, placeable[j]!, set, kinds, o, byClass));
    }
  }
  const candidates = [...dedicated, ...pairs.flatMap(p => (p.config ? [p.config] : []))];
  return {
    nodeClass: node,
    profiles,
    kinds,
    dedicated,
    pairs,
    candidates,
    unplaceable,
    pairProfiles: set.pairs,
    calibration,
    ...(byClass ? { classCalibration: byClass } : {}),
    options: o,
  };
}

/**
 * Throughput of models (a, b) at split (workersA, workersB) under a finished search: measured,
 * or predicted and calibrated, exactly as the search evaluates splits. For the baselines, which
 * choose splits the search did not rank. Undefined when the split does not fit or serves nothing.
 */
export function splitAt(
  search: PairSearchResult,
  a: string,
  workersA: number,
  b: string,
  workersB: number,
): SplitEvaluation | undefined {
  const pa = search.profiles.get(a);
  const pb = search.profiles.get(b);
  if (!pa || !pb) throw invalidArgument('model', `no profile for ${pa ? b : a}`);
  const pp = findPairProfile(search.pairProfiles, a, b);
  const calibration = search.calibration.get(pairKey(a, b));
  const cf = search.classCalibration?.factor;
  const correction =
    pp && calibration
      ? { profile: pp, calibration }
      : cf !== undefined
        ? { calibration: { a, b, factorA: cf, factorB: cf } }
        : undefined;
  return evaluateSplit(pa, pb, workersA, workersB, search.nodeClass, search.options, correction);
}

function evaluatePair(
  a: ModelProfile,
  b: ModelProfile,
  set: ProfileSet,
  kinds: ReadonlyMap<string, Classification>,
  o: ResolvedPairSearchOptions,
  byClass: { factor: number; tenants: number } | undefined,
): PairEvaluation {
  const pairProfile = findPairProfile(set.pairs, a.model, b.model);
  const splits = evaluateSplits(a, b, set.nodeClass, {
    ...o,
    ...(pairProfile ? { pairProfile } : byClass ? { classFactor: byClass.factor } : {}),
  });
  const kindA = kinds.get(a.model)!.kind;
  const kindB = kinds.get(b.model)!.kind;
  const [best, ...rest] = splits;
  const splitsMeasured = splits.filter(s => s.basis === 'measured-pair').length;
  const base = {
    a: a.model,
    b: b.model,
    kindA,
    kindB,
    best,
    runnersUp: rest.slice(0, 3),
    splitsTried: splits.length,
    splitsMeasured,
  };
  if (!best) {
    return {
      ...base,
      accepted: false,
      reason: `no split fits: ${a.model} and ${b.model} together exceed the node's memory, or one of them serves nothing on the cores left`,
    };
  }
  const how =
    best.basis === 'measured-pair'
      ? 'measured'
      : splitsMeasured
        ? `predicted, calibrated by ${splitsMeasured} measured split(s) of this pair`
        : byClass
          ? `predicted, × ${byClass.factor.toFixed(2)} as measured pairs of this class fell short of the predictor`
          : 'predicted';
  const label = `${a.model}:${best.workersA}+${b.model}:${best.workersB} (${how})`;
  const sameKind = kindA === kindB;
  if (sameKind && o.heterogeneousOnly) {
    return {
      ...base,
      accepted: false,
      reason: `both ${kindA}: --heterogeneous-only pairs a memory-bound model with a compute-bound one only (best split ${label} has EMU ${fmt(best.emu)})`,
    };
  }
  if (!(best.emu > 1 + o.minPairGain)) {
    return {
      ...base,
      accepted: false,
      reason: `best split ${label} has EMU ${fmt(best.emu)} ≤ ${fmt(1 + o.minPairGain)}: two dedicated servers do as well`,
    };
  }
  const config = pairConfig(a, b, best, kindA, kindB);
  const kindText = sameKind ? `same-class (${kindA}) pair` : 'memory-bound with compute-bound';
  return {
    ...base,
    accepted: true,
    config,
    reason: `${kindText}: ${label} has EMU ${fmt(best.emu)} > 1, one server does the work of ${fmt(best.emu)} dedicated servers`,
  };
}

/** A pair split as a server configuration. */
export function pairConfig(
  a: ModelProfile,
  b: ModelProfile,
  split: SplitEvaluation,
  kindA: Classification['kind'],
  kindB: Classification['kind'],
): ServerConfig {
  return serverConfig(
    [
      { profile: a, workers: split.workersA, qps: split.qpsA, kind: kindA },
      { profile: b, workers: split.workersB, qps: split.qpsB, kind: kindB },
    ],
    split.basis,
  );
}
