import { invalidArgument } from '@hera/errors';
import { DEFAULT_INTERFERENCE, type InterferenceOptions } from './interference';
import { evaluateSplits, pairKey } from './pair-search';
import type { ModelKind, ProfileSet } from './profile';
import { classifyProfile, DEFAULT_EPSILON } from './scalability';

/** One split the profiler should measure, with what the predictor expects of it. */
export interface SplitToMeasure {
  workersA: number;
  workersB: number;
  predictedQpsA: number;
  predictedQpsB: number;
  predictedEmu: number;
}

/** A pair the profiler should measure co-located, and why it was chosen. */
export interface PairToProfile {
  a: string;
  b: string;
  kindA: ModelKind;
  kindB: ModelKind;
  /** `heterogeneous`: memory-bound × compute-bound (what the matcher looks for first); `control`: same class. */
  role: 'heterogeneous' | 'control';
  /** The splits to measure, best predicted EMU first. */
  splits: SplitToMeasure[];
}

export interface PairSelectionOptions {
  /** Splits per pair, the highest predicted EMU first. Default 3 (at least 1). */
  splitsPerPair?: number;
  /** Same-class control pairs besides every heterogeneous pair. Default 2. */
  controls?: number;
  /** Consider only these models (default: every model of the set). */
  models?: readonly string[];
  epsilon?: number;
  interference?: Partial<InterferenceOptions>;
  /** Memory kept free on every node. Default 0. */
  reservedMemoryBytes?: number;
}

export interface PairSelection {
  pairs: PairToProfile[];
  /** Pairs considered and not chosen, with the reason (no split fits, not among the controls). */
  skipped: { a: string; b: string; reason: string }[];
}

/**
 * The pairs a pair-profiling job measures (DESIGN §4.4 4a): every memory-bound × compute-bound
 * pair (the pairs the matcher expects to gain from), plus `controls` same-class pairs — the ones
 * with the highest predicted EMU, alternating between the two classes when both have pairs — so
 * the predictor is checked where it expects no gain too. Each pair is measured at its
 * `splitsPerPair` splits with the highest EMU as the solo-profile predictor sees them (measured
 * pair profiles in the set are ignored here: the point is to measure what the predictor
 * claims). Pairs are listed heterogeneous first, then controls, each best predicted EMU first.
 */
export function selectPairsToProfile(set: ProfileSet, options: PairSelectionOptions = {}): PairSelection {
  const splitsPerPair = options.splitsPerPair ?? 3;
  const controls = options.controls ?? 2;
  if (!(Number.isInteger(splitsPerPair) && splitsPerPair >= 1))
    throw invalidArgument('splitsPerPair', `must be an integer ≥ 1, got ${splitsPerPair}`);
  if (!(Number.isInteger(controls) && controls >= 0))
    throw invalidArgument('controls', `must be an integer ≥ 0, got ${controls}`);
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  const interference = { ...DEFAULT_INTERFERENCE, ...options.interference };
  let models = [...set.models].sort((x, y) => (x.model < y.model ? -1 : 1));
  if (options.models) {
    for (const m of options.models)
      if (!models.some(p => p.model === m))
        throw invalidArgument('models', `no solo profile of ${m} on node class ${set.nodeClass.name}`);
    models = models.filter(p => options.models!.includes(p.model));
  }
  const kinds = new Map(models.map(p => [p.model, classifyProfile(p, epsilon).kind]));
  const hetero: PairToProfile[] = [];
  const same: PairToProfile[] = [];
  const skipped: PairSelection['skipped'] = [];
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const [a, b] = [models[i]!, models[j]!];
      const splits = evaluateSplits(a, b, set.nodeClass, {
        epsilon,
        interference,
        reservedMemoryBytes: options.reservedMemoryBytes ?? 0,
      });
      if (!splits.length) {
        skipped.push({
          a: a.model,
          b: b.model,
          reason: 'no split fits the node (cores or memory), or one model serves nothing on the cores left',
        });
        continue;
      }
      const kindA = kinds.get(a.model)!;
      const kindB = kinds.get(b.model)!;
      const pair: PairToProfile = {
        a: a.model,
        b: b.model,
        kindA,
        kindB,
        role: kindA === kindB ? 'control' : 'heterogeneous',
        splits: splits.slice(0, splitsPerPair).map(s => ({
          workersA: s.workersA,
          workersB: s.workersB,
          predictedQpsA: s.qpsA,
          predictedQpsB: s.qpsB,
          predictedEmu: s.emu,
        })),
      };
      (pair.role === 'heterogeneous' ? hetero : same).push(pair);
    }
  }
  const byEmu = (x: PairToProfile, y: PairToProfile) =>
    y.splits[0]!.predictedEmu - x.splits[0]!.predictedEmu || pairKey(x.a, x.b).localeCompare(pairKey(y.a, y.b));
  hetero.sort(byEmu);
  // Controls: the best pair of each class in turn, so both classes are checked when both exist.
  const queues = (['memory-bound', 'compute-bound'] as const).map(k => same.filter(p => p.kindA === k).sort(byEmu));
  const chosen: PairToProfile[] = [];
  for (let turn = 0; chosen.length < controls && queues.some(q => q.length); turn++) {
    const q = queues[turn % 2]!;
    if (q.length) chosen.push(q.shift()!);
  }
  for (const p of queues.flat())
    skipped.push({ a: p.a, b: p.b, reason: `same-class pair not among the ${controls} control pair(s)` });
  return { pairs: [...hetero, ...chosen], skipped };
}
