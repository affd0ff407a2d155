import { context, trace } from '@opentelemetry/api';
import { ATTR } from '@hera/telemetry';
import type { JobResult } from './worker-pool';

const tracer = trace.getTracer('@hera/worker-host');

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
 * Tracing of one request inside the tenant host, under the active span (the host's
 * SERVER span for it: InferStream's, @hera/grpc, or the instrumented unary Infer's).
 * Undefined when that span is not recording (tracing off, or not sampled): then the
 * request costs one context lookup.
 *
 * Returns what runSplit calls with each part's result: for each part, a `hera.queue`
 * span (queued → taken by a thread) and a `hera.inference` span (the inference call).
 * Both are made here, in the host's main thread, after the fact, from the times the
 * pool and the thread report: the inference runs in a worker_thread with no tracing
 * SDK of its own (one per thread would cost each thread an exporter and a batch
 * processor); the thread reports epoch times (its performance.timeOrigin differs from
 * ours), turned back into our performance clock here.
 */
export function requestSpans(info: RequestInfo): ((r: JobResult, items: number) => void) | undefined {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  span.setAttributes({
    [ATTR.MODEL]: info.model,
    [ATTR.MODEL_VERSION]: info.version,
    [ATTR.ITEMS]: info.items,
    [ATTR.SUB_BATCH_SIZE]: info.subBatch,
    [ATTR.SUB_BATCHES]: Math.ceil(info.items / Math.max(1, info.subBatch)),
  });
  const parent = context.active();
  // One mapping from the performance clock to the wall clock (the one the SDK's own spans use)
  // for all of this request's spans, so that they keep their exact order and gaps: the SDK's
  // own mapping, per span, is only as fine as Date.now()'s milliseconds.
  const toWall = Date.now() - performance.now();
  const origin = performance.timeOrigin;
  return (r, items) => {
    if (r.dequeuedAt === undefined || r.computeStartMs === undefined || r.computeEndMs === undefined) return;
    const attributes = {
      [ATTR.MODEL]: info.model,
      [ATTR.MODEL_VERSION]: info.version,
      [ATTR.ITEMS]: items,
      [ATTR.SUB_BATCH_SIZE]: info.subBatch,
      ...(r.thread !== undefined ? { [ATTR.THREAD]: r.thread } : {}),
    };
    tracer
      .startSpan(
        QUEUE_SPAN,
        { startTime: info.enqueuedAt + toWall, attributes: { ...attributes, [ATTR.QUEUE_US]: r.queueUs } },
        parent,
      )
      .end(r.dequeuedAt + toWall);
    tracer
      .startSpan(
        INFERENCE_SPAN,
        {
          startTime: r.computeStartMs - origin + toWall,
          attributes: { ...attributes, [ATTR.COMPUTE_US]: r.computeUs },
        },
        parent,
      )
      .end(r.computeEndMs - origin + toWall);
  };
}

/** Sets the request's totals on its span (when recording). */
export function endRequest(res: { queueUs: number; computeUs: number }): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttributes({ [ATTR.QUEUE_US]: res.queueUs, [ATTR.COMPUTE_US]: res.computeUs });
}
