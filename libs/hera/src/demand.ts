import { invalidArgument } from '@hera/errors';
import type { ProfileSet } from './profile';
import { classifyProfile, DEFAULT_EPSILON } from './scalability';

/** Named demand mixes for the simulator: weight per model, or a rule over model kinds. */
export const DEMAND_MIXES = ['uniform', 'memory-heavy', 'compute-heavy'] as const;
export type DemandMixName = (typeof DEMAND_MIXES)[number];

export interface DemandMixOptions {
  /** A named mix, or explicit weights per model (relative, any positive scale). */
  mix: DemandMixName | Readonly<Record<string, number>>;
  /**
   * Total demand in dedicated-server units: the number of servers the dedicated baseline would
   * need before rounding. Use the cluster size to ask "what would a cluster of this many
   * one-model-per-node servers need under Hera?".
   */
  dedicatedServers: number;
  /** ε for the kind-based mixes. Default 0.05. */
  epsilon?: number;
}

/**
 * Weights of a named mix over a profile set's models: `uniform` gives every model the same
 * number of dedicated servers' worth of demand; `memory-heavy` gives memory-bound models 3× the
 * weight of compute-bound ones; `compute-heavy` the reverse. The kinds come from the profiles,
 * so no per-model numbers are hand-picked.
 */
export function mixWeights(
  set: ProfileSet,
  mix: DemandMixOptions['mix'],
  epsilon = DEFAULT_EPSILON,
): Record<string, number> {
  if (typeof mix !== 'string') {
    const w: Record<string, number> = {};
    for (const [m, v] of Object.entries(mix)) {
      if (!set.models.some(p => p.model === m))
        throw invalidArgument(`mix.${m}`, `no profile for ${m} on node class ${set.nodeClass.name}`);
      if (!Number.isFinite(v) || v < 0)
        throw invalidArgument(`mix.${m}`, `weight must be a finite number ≥ 0, got ${v}`);
      w[m] = v;
    }
    if (!Object.values(w).some(v => v > 0)) throw invalidArgument('mix', 'needs at least one positive weight');
    return w;
  }
  if (!DEMAND_MIXES.includes(mix))
    throw invalidArgument('mix', `unknown mix ${String(mix)}; one of ${DEMAND_MIXES.join(', ')}`);
  const w: Record<string, number> = {};
  for (const p of set.models) {
    const kind = classifyProfile(p, epsilon).kind;
    w[p.model] = mix === 'uniform' ? 1 : (mix === 'memory-heavy') === (kind === 'memory-bound') ? 3 : 1;
  }
  return w;
}

/**
 * Demand in QPS for a mix scaled to `dedicatedServers` dedicated-server units:
 * D_m = dedicatedServers · (w_m / Σw) · QPSmax_m.
 */
export function demandFromMix(set: ProfileSet, options: DemandMixOptions): Record<string, number> {
  if (!(options.dedicatedServers > 0 && Number.isFinite(options.dedicatedServers))) {
    throw invalidArgument('dedicatedServers', `must be a finite number > 0, got ${options.dedicatedServers}`);
  }
  const w = mixWeights(set, options.mix, options.epsilon);
  const total = Object.values(w).reduce((s, v) => s + v, 0);
  const demand: Record<string, number> = {};
  for (const p of set.models) {
    const share = (w[p.model] ?? 0) / total;
    if (share > 0) demand[p.model] = options.dedicatedServers * share * p.qpsMax;
  }
  return demand;
}

/** Converts demand in dedicated-server units per model to QPS (units × QPSmax_m). */
export function unitsToQps(set: ProfileSet, units: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [m, u] of Object.entries(units)) {
    const p = set.models.find(x => x.model === m);
    if (!p) throw invalidArgument(`demand.${m}`, `no profile for ${m} on node class ${set.nodeClass.name}`);
    if (!Number.isFinite(u) || u < 0) throw invalidArgument(`demand.${m}`, `must be a finite number ≥ 0, got ${u}`);
    out[m] = u * p.qpsMax;
  }
  return out;
}
