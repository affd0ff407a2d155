import { invalidArgument } from '@hera/errors';
import { qpsAt, type ModelProfile, type NodeClassSpec } from './profile';

/**
 * Constants of the co-location predictor. Defaults are stated assumptions, not fits; see
 * {@link predictColocated} and profiles/README.md.
 */
export interface InterferenceOptions {
  /**
   * γ: fraction of throughput every tenant loses merely by sharing a node (last-level cache,
   * memory-controller queues), on top of the bandwidth model. The bandwidth model knows
   * nothing about caches, so we take a flat haircut instead of pretending co-location is free.
   * Default 0.05 (an assumption; measured pair profiles replace it).
   */
  colocationPenalty: number;
}

export const DEFAULT_INTERFERENCE: Readonly<InterferenceOptions> = Object.freeze({ colocationPenalty: 0.05 });

/** How the predictor sized one tenant's bandwidth appetite. */
export type CeilingSource = 'bytes-per-query' | 'solo-plateau';

/**
 * The QPS at which model `p` alone would use all of the node's memory bandwidth, B_m.
 *
 * - With `bytesPerQuery` and the node's bandwidth: B_m = bandwidth / bytesPerQuery.
 * - Otherwise B_m = QPSmax_m. That is exact for a memory-bound model (its plateau *is* the
 *   bandwidth ceiling) and the most pessimistic value consistent with a compute-bound model's
 *   solo curve (it never hit the ceiling, so its ceiling is at least QPSmax). With it, no
 *   co-location can score EMU > 1: without byte counts we do not claim gains we cannot show.
 */
export function bandwidthCeiling(p: ModelProfile, node: NodeClassSpec): { qps: number; source: CeilingSource } {
  if (p.bytesPerQuery !== undefined && p.bytesPerQuery > 0 && node.memoryBandwidthBytesPerSec) {
    // Never below the observed plateau: the solo curve proves the node sustained QPSmax.
    return { qps: Math.max(p.qpsMax, node.memoryBandwidthBytesPerSec / p.bytesPerQuery), source: 'bytes-per-query' };
  }
  return { qps: p.qpsMax, source: 'solo-plateau' };
}

/** Prediction for tenants sharing one node, each on its own cores. */
export interface ColocationPrediction {
  /** Predicted co-located QPS per tenant, in input order. */
  qps: number[];
  /** Σ_m QPS_m(n_m) / B_m: the bandwidth the tenants would draw alone, in node-bandwidths. */
  bandwidthDemand: number;
  /** Factor applied to every tenant's solo QPS(n_m): min(1, 1/demand) · (1 − γ). */
  scale: number;
}

/**
 * Predicts the throughput of tenants co-located on one node from their *solo* profiles
 * (DESIGN §4.4.1, used where no pair profile was measured). Every output that uses it is
 * labelled `predicted`.
 *
 * Model ("proportional bandwidth sharing"): tenants run on disjoint cores, so the only shared
 * resources are memory bandwidth and the cache. Tenant m with n_m workers would, alone, run at
 * QPS_m(n_m) and draw d_m = QPS_m(n_m) / B_m of the node's bandwidth (B_m from
 * {@link bandwidthCeiling}). If Σ d_m ≤ 1 the bus has room and every tenant keeps its solo
 * rate; otherwise the bus saturates and every tenant slows by the same factor 1 / Σ d_m, which
 * makes the total bytes moved exactly the node's bandwidth (the roofline). On top, each tenant
 * of a shared node loses γ (`colocationPenalty`). A single tenant is returned unchanged.
 *
 * Consequences, which the tests pin: a memory-bound model at its knee already fills the bus, so
 * a partner only steals from it; two memory-bound models never beat two dedicated servers; a
 * memory-bound model below its knee next to a compute-bound one that moves few bytes does.
 */
export function predictColocated(
  tenants: readonly { profile: ModelProfile; workers: number }[],
  node: NodeClassSpec,
  options: Partial<InterferenceOptions> = {},
): ColocationPrediction {
  const gamma = options.colocationPenalty ?? DEFAULT_INTERFERENCE.colocationPenalty;
  if (!(gamma >= 0 && gamma < 1)) throw invalidArgument('colocationPenalty', `must be in [0, 1), got ${gamma}`);
  const solo = tenants.map(t => qpsAt(t.profile, t.workers));
  const bandwidthDemand = tenants.reduce((s, t, i) => s + solo[i]! / bandwidthCeiling(t.profile, node).qps, 0);
  const active = tenants.filter(t => t.workers > 0).length;
  const scale = active <= 1 ? 1 : Math.min(1, 1 / bandwidthDemand) * (1 - gamma);
  return { qps: solo.map(q => q * scale), bandwidthDemand, scale };
}
