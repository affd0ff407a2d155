import type { ServerTrace } from '@hera/grpc';
import { ATTR, type SpanRecord } from '@hera/telemetry';
import type { JobResult } from './worker-pool';

/** Span names of a request's parts inside the host. */
export const QUEUE_SPAN = 'hera.queue';
export const INFERENCE_SPAN = 'hera.inference';

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
 * when the request is not traced: then this costs nothing). Sets the request's attributes and
 * returns what runSplit calls with each part's result: for each part, a `hera.queue` span
 * (queued → taken by a thread) and a `hera.inference` span (the inference call), as children
 * of the request's record, from the times the pool and the thread report. No SDK runs here
 * (the node agent turns the records into spans); the thread reports epoch times (its
 * performance.timeOrigin differs from ours), ours are turned onto the same clock.
 */
export function requestSpans(
  t: ServerTrace | undefined,
  info: RequestInfo,
): ((r: JobResult, items: number) => void) | undefined {
  if (!t) return undefined;
  Object.assign(t.span.attributes, {
    [ATTR.MODEL]: info.model,
    [ATTR.MODEL_VERSION]: info.version,
    [ATTR.ITEMS]: info.items,
    [ATTR.SUB_BATCH_SIZE]: info.subBatch,
    [ATTR.SUB_BATCHES]: Math.ceil(info.items / Math.max(1, info.subBatch)),
  });
  const origin = performance.timeOrigin;
  const children: SpanRecord[] = t.span.children;
  return (r, items) => {
    if (r.dequeuedAt === undefined || r.computeStartMs === undefined || r.computeEndMs === undefined) return;
    // Model, version and sub-batch size are the request span's: each attribute is encoded and
    // exported per span (the export's cost is mostly that), so the parts carry only their own.
    const attributes: Record<string, number> = { [ATTR.ITEMS]: items };
    if (r.thread !== undefined) attributes[ATTR.THREAD] = r.thread;
    children.push(
      {
        name: QUEUE_SPAN,
        kind: 'internal',
        start: origin + info.enqueuedAt,
        end: origin + r.dequeuedAt,
        attributes: { ...attributes, [ATTR.QUEUE_US]: r.queueUs },
      },
      {
        name: INFERENCE_SPAN,
        kind: 'internal',
        start: r.computeStartMs,
        end: r.computeEndMs,
        attributes: { ...attributes, [ATTR.COMPUTE_US]: r.computeUs },
      },
    );
  };
}

/** Sets the request's totals on its record (when traced). */
export function endRequest(t: ServerTrace | undefined, res: { queueUs: number; computeUs: number }): void {
  if (t) Object.assign(t.span.attributes, { [ATTR.QUEUE_US]: res.queueUs, [ATTR.COMPUTE_US]: res.computeUs });
}
