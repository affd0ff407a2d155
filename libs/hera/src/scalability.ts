import { invalidArgument } from '@hera/errors';
import { firstServing, qpsAt, type ModelKind, type ModelProfile } from './profile';

/** ε of DESIGN §4.2: a worker that adds less than ε·QPS(1) is not worth its core. */
export const DEFAULT_EPSILON = 0.05;

/**
 * Worker scalability WS(n) = QPS(n) / (n · QPS(1)); 1.0 is perfect scaling. When one worker
 * cannot meet the SLA (QPS(1) = 0), the per-worker rate at the first count that can, n₀, stands
 * for QPS(1): WS(n) = QPS(n) / (n · QPS(n₀) / n₀).
 */
export function workerScalability(profile: ModelProfile, workers: number): number {
  if (!Number.isInteger(workers) || workers < 1)
    throw invalidArgument('workers', `must be an integer ≥ 1, got ${workers}`);
  return qpsAt(profile, workers) / (workers * firstServing(profile).qpsPerWorker);
}

/** Result of {@link classifyProfile}. */
export interface Classification {
  kind: ModelKind;
  /**
   * For a memory-bound model, the smallest n < N past which no further worker count gains
   * ε·QPS(1) or more; undefined for a compute-bound model.
   */
  saturatesAt?: number;
}

/**
 * Memory/compute classification (DESIGN §4.2): memory-bound when, past some n < N, adding
 * workers gains less than ε·QPS(1) — i.e. max over m > n of QPS(m) − QPS(n) < ε·QPS(1).
 *
 * We compare against the best of *all* larger counts, not just n + 1, so one noisy flat step
 * in a measured curve that keeps climbing afterwards does not make a compute-bound model look
 * memory-bound.
 */
export function classifyProfile(profile: ModelProfile, epsilon = DEFAULT_EPSILON): Classification {
  if (!(epsilon >= 0)) throw invalidArgument('epsilon', `must be ≥ 0, got ${epsilon}`);
  const n = profile.qps.length;
  // ε of one worker's throughput: QPS(1), or the per-worker rate where the curve starts when one
  // worker cannot meet the SLA (a latency-bounded profile with QPS(1) = 0).
  const start = firstServing(profile);
  const threshold = epsilon * start.qpsPerWorker;
  // Suffix maxima: best[i] = max QPS(m) for m > i (1-based i).
  let bestAfter = -Infinity;
  let saturatesAt: number | undefined;
  for (let i = n - 1; i >= start.workers; i--) {
    bestAfter = Math.max(bestAfter, qpsAt(profile, i + 1));
    if (bestAfter - qpsAt(profile, i) < threshold) saturatesAt = i;
  }
  return saturatesAt === undefined ? { kind: 'compute-bound' } : { kind: 'memory-bound', saturatesAt };
}
