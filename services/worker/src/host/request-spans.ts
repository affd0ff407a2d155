import { PART_FIELDS, type ServerTrace } from '@hera/grpc';
import type { JobResult } from './worker-pool';

export interface RequestInfo {
  model: string;
  version: string;
  items: number;
  /** The tenant's sub-batch size: requests larger are split into parts of at most this many. */
  subBatch: number;
  /** When the request was queued (performance.now()). */
  enqueuedAt: number;
}

/**
 * What the host records of one traced request (`t`, the record of its SERVER span; undefined
 * when the request is not traced: then this costs nothing). Sets the request's facts and returns
 * what runSplit calls with each part's result: the part's times as the pool and its thread
 * report them, which the node agent turns into a `hera.queue` and a `hera.inference` span
 * (@hera/grpc serverSpan). No SDK runs here; the thread reports epoch times (its
 * performance.timeOrigin differs from ours), ours are put on the same clock.
 */
export function requestSpans(
  t: ServerTrace | undefined,
  info: RequestInfo,
): ((r: JobResult, items: number) => void) | undefined {
  if (!t) return undefined;
  t.model = info.model;
  t.version = info.version;
  t.items = info.items;
  t.subBatch = info.subBatch;
  const origin = performance.timeOrigin;
  const queuedAt = origin + info.enqueuedAt;
  return (r, items) => {
    if (r.dequeuedAt === undefined || r.computeStartMs === undefined || r.computeEndMs === undefined) return;
    t.parts.push(
      items,
      r.thread ?? 0,
      queuedAt,
      origin + r.dequeuedAt,
      r.computeStartMs,
      r.computeEndMs,
      r.queueUs,
      r.computeUs,
    );
  };
}

/** The number of parts recorded in `t`. */
export const partsOf = (t: ServerTrace): number => t.parts.length / PART_FIELDS;

/** Sets the request's totals on its record (when traced). */
export function endRequest(t: ServerTrace | undefined, res: { queueUs: number; computeUs: number }): void {
  if (!t) return;
  t.queueUs = res.queueUs;
  t.computeUs = res.computeUs;
}
