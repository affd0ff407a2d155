import { HeraError } from '@hera/errors';

/** One request of a query: items [start, end), first sent to `replica`. */
export interface Part<R> {
  replica: R;
  start: number;
  end: number;
}

/**
 * Splits a query of `k` items into sub-batches of `subBatch`, picks a replica for
 * each in turn, and joins consecutive sub-batches that picked the same replica
 * into one request of at most `maxRequestItems` (the host splits it again). Each sub-batch's items count as
 * outstanding on its replica while the later ones are picked, so a least-loaded
 * pick spreads them; the counts are restored before returning (the caller counts
 * them from the send on). Throws UNAVAILABLE when `pick` finds no replica.
 */
export function planParts<R extends { outstandingItems: number }>(
  model: string,
  k: number,
  subBatch: number,
  maxRequestItems: number,
  pick: () => R | undefined,
): Part<R>[] {
  const plan: Part<R>[] = [];
  try {
    for (let start = 0; start < k; start += subBatch) {
      const end = Math.min(k, start + subBatch);
      const r = pick();
      if (!r) throw new HeraError('UNAVAILABLE', `no replica of model ${model} is up`);
      const last = plan[plan.length - 1];
      if (last && last.replica === r && end - last.start <= maxRequestItems) last.end = end;
      else plan.push({ replica: r, start, end });
      r.outstandingItems += end - start;
    }
  } finally {
    for (const p of plan) p.replica.outstandingItems -= p.end - p.start;
  }
  return plan;
}
