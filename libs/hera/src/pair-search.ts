import { invalidArgument } from '@hera/errors';
import { DEFAULT_INTERFERENCE, predictColocated, type InterferenceOptions } from './interference';
import { qpsAt, tenantMemoryBytes, type ModelProfile, type NodeClassSpec, type PairProfile, type ProfileSet } from './profile';
import { classifyProfile, DEFAULT_EPSILON, type Classification } from './scalability';
import { configId, type ServerConfig } from './server-config';

/** Knobs of the matcher (DESIGN §4.4.1–2). */
export interface PairSearchOptions {
  /** ε of the memory/compute classification. Default 0.05. */
  epsilon?: number;
  /** Constants of the solo-profile predictor used where no pair was measured. */
  interference?: Partial<InterferenceOptions>;
  /**
   * Also accept pairs of two memory-bound or two compute-bound models when they beat two
   * dedicated servers. Default false: Hera pairs a memory-bound model with a compute-bound one
   * (DESIGN §4.4.2); same-kind pairs are still evaluated and shown as rejected alternatives.
   */
  allowSameKindPairs?: boolean;
  /** A pair is accepted only when its EMU exceeds 1 + minPairGain. Default 0. */
  minPairGain?: number;
  /** Memory kept free on every node (node agent, OS). Default 0. */
  reservedMemoryBytes?: number;
}

/** Options with every default filled in, as used by a search. */
export interface ResolvedPairSearchOptions {
  epsilon: number;
  interference: InterferenceOptions;
  allowSameKindPairs: boolean;
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
  /** True when the QPS values come from the solo-profile predictor. */
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
  options: ResolvedPairSearchOptions;
}

export function resolvePairSearchOptions(o: PairSearchOptions = {}): ResolvedPairSearchOptions {
  const r: ResolvedPairSearchOptions = {
    epsilon: o.epsilon ?? DEFAULT_EPSILON,
    interference: { ...DEFAULT_INTERFERENCE, ...o.interference },
    allowSameKindPairs: o.allowSameKindPairs ?? false,
    minPairGain: o.minPairGain ?? 0,
    reservedMemoryBytes: o.reservedMemoryBytes ?? 0,
  };
  if (!(r.epsilon >= 0 && r.epsilon < 1)) throw invalidArgument('epsilon', `must be in [0, 1), got ${r.epsilon}`);
  if (!(r.minPairGain >= 0)) throw invalidArgument('minPairGain', `must be ≥ 0, got ${r.minPairGain}`);
  if (!(r.reservedMemoryBytes >= 0)) throw invalidArgument('reservedMemoryBytes', `must be ≥ 0, got ${r.reservedMemoryBytes}`);
  return r;
}

const fmt = (x: number) => x.toFixed(3);

/**
 * Evaluates every split of a pair that fits the node (nA + nB ≤ cores, memory within limits)
 * and returns them best first (highest EMU; ties to fewer cores, then fewer A workers).
 * Splits come from the measured pair profile when one exists — then only its measured splits
 * are considered, since the profiler chose them — and from {@link predictColocated} otherwise.
 */
export function evaluateSplits(
  a: ModelProfile,
  b: ModelProfile,
  node: NodeClassSpec,
  options: PairSearchOptions & { pairProfile?: PairProfile } = {},
): SplitEvaluation[] {
  const o = resolvePairSearchOptions(options);
  const memoryLimit = node.memoryBytes - o.reservedMemoryBytes;
  const out: SplitEvaluation[] = [];
  const push = (workersA: number, workersB: number, qpsA: number, qpsB: number, predicted: boolean) => {
    const memoryBytes = tenantMemoryBytes(a, workersA) + tenantMemoryBytes(b, workersB);
    if (workersA < 1 || workersB < 1 || workersA + workersB > node.cores || memoryBytes > memoryLimit) return;
    out.push({ workersA, workersB, qpsA, qpsB, emu: qpsA / a.qpsMax + qpsB / b.qpsMax, predicted, memoryBytes });
  };
  const pp = options.pairProfile;
  if (pp) {
    const swapped = pp.a === b.model && pp.b === a.model;
    if (!swapped && !(pp.a === a.model && pp.b === b.model)) {
      throw invalidArgument('pairProfile', `is for ${pp.a}+${pp.b}, not ${a.model}+${b.model}`);
    }
    for (const s of pp.splits) {
      if (swapped) push(s.workersB, s.workersA, s.qpsB, s.qpsA, false);
      else push(s.workersA, s.workersB, s.qpsA, s.qpsB, false);
    }
  } else {
    for (let nA = 1; nA < node.cores; nA++) {
      for (let nB = 1; nA + nB <= node.cores; nB++) {
        const p = predictColocated([{ profile: a, workers: nA }, { profile: b, workers: nB }], node, o.interference);
        push(nA, nB, p.qps[0]!, p.qps[1]!, true);
      }
    }
  }
  return out.sort((x, y) => y.emu - x.emu || x.workersA + x.workersB - (y.workersA + y.workersB) || x.workersA - y.workersA);
}

function dedicatedConfig(p: ModelProfile, kind: Classification, memoryLimit: number, cores: number): ServerConfig | string {
  // At the knee when memory allows; otherwise the best worker count that fits.
  let best: number | undefined;
  for (let n = 1; n <= Math.min(cores, p.qps.length); n++) {
    if (tenantMemoryBytes(p, n) > memoryLimit) break;
    if (best === undefined || qpsAt(p, n) > qpsAt(p, best)) best = n;
  }
  if (best === undefined) {
    return `one worker needs ${tenantMemoryBytes(p, 1)} bytes of memory, the node class offers ${memoryLimit}`;
  }
  const qps = qpsAt(p, best);
  return {
    id: configId([{ model: p.model, workers: best }]),
    kind: 'dedicated',
    tenants: [{ model: p.model, workers: best, qps, qpsMax: p.qpsMax, kind: kind.kind }],
    emu: qps / p.qpsMax,
    predicted: false,
    cores: best,
    memoryBytes: tenantMemoryBytes(p, best),
  };
}

/**
 * The matcher's first two steps (DESIGN §4.4.1–2): classify every model, build its dedicated
 * configuration, find the best split of every pair under the node's core and memory limits,
 * and accept a pair when it is heterogeneous (memory-bound with compute-bound, unless
 * `allowSameKindPairs`) and beats the two dedicated servers it replaces (EMU > 1 + minPairGain:
 * one such server does the work of EMU dedicated servers).
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
      throw invalidArgument(`models.${p.model}.qps`, `has ${p.qps.length} points, node class ${node.name} has ${node.cores} cores`);
    }
    profiles.set(p.model, p);
    const kind = classifyProfile(p, o.epsilon);
    kinds.set(p.model, kind);
    const d = dedicatedConfig(p, kind, memoryLimit, node.cores);
    if (typeof d === 'string') unplaceable.push({ model: p.model, reason: d });
    else dedicated.push(d);
  }
  const pairs: PairEvaluation[] = [];
  const placeable = dedicated.map(d => profiles.get(d.tenants[0]!.model)!);
  for (let i = 0; i < placeable.length; i++) {
    for (let j = i + 1; j < placeable.length; j++) {
      pairs.push(evaluatePair(placeable[i]!, placeable[j]!, set, kinds, o));
    }
  }
  const candidates = [...dedicated, ...pairs.flatMap(p => (p.config ? [p.config] : []))];
  return { nodeClass: node, profiles, kinds, dedicated, pairs, candidates, unplaceable, pairProfiles: set.pairs, options: o };
}

function evaluatePair(
  a: ModelProfile,
  b: ModelProfile,
  set: ProfileSet,
  kinds: ReadonlyMap<string, Classification>,
  o: ResolvedPairSearchOptions,
): PairEvaluation {
  const pairProfile = set.pairs.find(pp => (pp.a === a.model && pp.b === b.model) || (pp.a === b.model && pp.b === a.model));
  const splits = evaluateSplits(a, b, set.nodeClass, { ...o, pairProfile });
  const kindA = kinds.get(a.model)!.kind;
  const kindB = kinds.get(b.model)!.kind;
  const [best, ...rest] = splits;
  const base = { a: a.model, b: b.model, kindA, kindB, best, runnersUp: rest.slice(0, 3), splitsTried: splits.length };
  if (!best) {
    return { ...base, accepted: false, reason: `no split fits: ${a.model} and ${b.model} together exceed the node's memory` };
  }
  const label = `${a.model}:${best.workersA}+${b.model}:${best.workersB} (${best.predicted ? 'predicted' : 'measured'})`;
  if (kindA === kindB && !o.allowSameKindPairs) {
    return { ...base, accepted: false, reason: `both ${kindA}: Hera pairs a memory-bound model with a compute-bound one (best split ${label} has EMU ${fmt(best.emu)})` };
  }
  if (!(best.emu > 1 + o.minPairGain)) {
    return { ...base, accepted: false, reason: `best split ${label} has EMU ${fmt(best.emu)} ≤ ${fmt(1 + o.minPairGain)}: two dedicated servers do as well` };
  }
  const config = pairConfig(a, b, best, kindA, kindB);
  return { ...base, accepted: true, config, reason: `${label} has EMU ${fmt(best.emu)} > 1: one server does the work of ${fmt(best.emu)} dedicated servers` };
}

/** A pair split as a server configuration. */
export function pairConfig(
  a: ModelProfile,
  b: ModelProfile,
  split: SplitEvaluation,
  kindA: Classification['kind'],
  kindB: Classification['kind'],
): ServerConfig {
  return {
    id: configId([{ model: a.model, workers: split.workersA }, { model: b.model, workers: split.workersB }]),
    kind: 'pair',
    tenants: [
      { model: a.model, workers: split.workersA, qps: split.qpsA, qpsMax: a.qpsMax, kind: kindA },
      { model: b.model, workers: split.workersB, qps: split.qpsB, qpsMax: b.qpsMax, kind: kindB },
    ],
    emu: split.emu,
    predicted: split.predicted,
    cores: split.workersA + split.workersB,
    memoryBytes: split.memoryBytes,
  };
}
