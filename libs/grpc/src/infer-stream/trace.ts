import * as grpc from '@grpc/grpc-js';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { InferRequest, InferRequest__Output } from '@hera/proto';
import { ATTR, recordable, traceCarrier, type RemoteSpan, type SpanRecord } from '@hera/telemetry';

/**
 * Trace propagation for WorkerService/InferStream. The stream is transport and no
 * span (the gRPC instrumentation ignores it, see @hera/telemetry start.ts); each
 * request on it gets a CLIENT span on the caller's side and a SERVER span on the
 * host's, the two joined by the W3C context the request message carries
 * (InferStreamRequest.traceparent/tracestate). Both spans are named like the
 * method, `hera.worker.v1.WorkerService/InferStream` (the instrumentation's own spans have a
 * `grpc.` prefix, and none is made for this method). The caller's span is an SDK span; the
 * host's is a record (ServerTrace) that its node agent turns into a span.
 *
 * Cost: with tracing off there is no active span and each helper returns after one
 * context lookup, allocating nothing. An unsampled caller's request creates no span
 * and carries the caller's own traceparent (sampled flag 0), so the host records
 * nothing for it either.
 */
const tracer = trace.getTracer('@hera/grpc');

export const INFER_STREAM_SPAN = 'hera.worker.v1.WorkerService/InferStream';
/** The host's span for a unary Infer (recorded like InferStream's: the host runs no SDK). */
export const INFER_SPAN = 'hera.worker.v1.WorkerService/Infer';

/** The caller's side of one request: its span (when sampled) and the context the message carries. */
export interface RequestTrace {
  span: Span | undefined;
  traceparent: string;
  tracestate: string;
}

/** The request's span attributes (one literal: this runs per request on the query path). */
function requestAttributes(req: InferRequest | InferRequest__Output, peer?: string): Record<string, string | number> {
  const a: Record<string, string | number> = {
    'rpc.system': 'grpc',
    'rpc.service': 'hera.worker.v1.WorkerService',
    'rpc.method': 'InferStream',
    [ATTR.MODEL]: req.model ?? '',
    [ATTR.MODEL_VERSION]: req.version ?? '',
    [ATTR.ITEMS]: req.items?.itemCount ?? 0,
  };
  if (req.requestId) a[ATTR.REQUEST_ID] = req.requestId;
  if (peer) a['server.address'] = peer;
  return a;
}

/** W3C traceparent of a span context (the InferStream fields are W3C's by definition). */
function traceparentOf(c: SpanContext): string {
  return `00-${c.traceId}-${c.spanId}-0${c.traceFlags & TraceFlags.SAMPLED}`;
}

/**
 * Starts the CLIENT span of one request under the active span; undefined when there
 * is none (tracing off, or a caller that does not trace). `peer`: the host's address.
 */
export function startClientTrace(req: InferRequest, peer: string | undefined): RequestTrace | undefined {
  const parent = context.active();
  const parentSpan = trace.getSpan(parent);
  if (!parentSpan) return undefined;
  if (!(parentSpan.spanContext().traceFlags & TraceFlags.SAMPLED)) {
    // Unsampled: no span; the caller's context goes on, so the host records nothing either.
    const c = traceCarrier(parent);
    return c ? { span: undefined, traceparent: c.traceparent, tracestate: c.tracestate ?? '' } : undefined;
  }
  const span = tracer.startSpan(
    INFER_STREAM_SPAN,
    { kind: SpanKind.CLIENT, attributes: requestAttributes(req, peer) },
    parent,
  );
  const c = span.spanContext();
  return { span, traceparent: traceparentOf(c), tracestate: c.traceState?.serialize() ?? '' };
}

/** Ends a CLIENT span with the request's outcome (every status but OK is an error for a client). */
export function endClientTrace(
  t: RequestTrace | undefined,
  code: grpc.status,
  message: string,
  res?: { queueUs?: number | string; computeUs?: number | string },
): void {
  const span = t?.span;
  if (!span) return;
  span.setAttribute('rpc.grpc.status_code', code);
  if (res) span.setAttributes({ [ATTR.QUEUE_US]: Number(res.queueUs), [ATTR.COMPUTE_US]: Number(res.computeUs) });
  if (code !== grpc.status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

/** The context the active span (if any) of an unary fallback call runs in: under the request's span. */
export function requestContext(t: RequestTrace | undefined): Context {
  return t?.span ? trace.setSpan(context.active(), t.span) : context.active();
}

/**
 * The host's side of one request: its SERVER span, recorded as data for the node agent to
 * export (a tenant host runs no tracing SDK: its cores are the tenant's, and the SDK's span and
 * export work cost them ~0.4 ms a query). Compact, because the host's core pays for building and
 * encoding it: plain fields, and on the control socket one JSON array (toJSON, ServerTraceWire)
 * without attribute names; the agent turns it back into spans (serverSpan). The parent is the
 * context the message carries; none is recorded when it carries none or an unsampled one.
 */
export class ServerTrace {
  end = 0;
  code = 0;
  error = '';
  model: string;
  version: string;
  items: number;
  subBatch = 0;
  queueUs = 0;
  computeUs = 0;
  /**
   * Per part of the request (the host's sub-batches), PART_FIELDS numbers each: items, thread
   * (0: unknown), queued, taken by a thread, inference start, inference end (epoch ms), queue µs,
   * compute µs.
   */
  readonly parts: number[] = [];

  constructor(
    readonly traceparent: string,
    readonly tracestate: string,
    readonly method: 'InferStream' | 'Infer',
    readonly start: number,
    request: InferRequest__Output | null | undefined,
  ) {
    this.model = request?.model ?? '';
    this.version = request?.version ?? '';
    this.items = request?.items?.itemCount ?? 0;
    this.requestId = request?.requestId ?? '';
  }

  readonly requestId: string;

  toJSON(): ServerTraceWire {
    return [
      this.traceparent,
      this.tracestate,
      this.method,
      this.start,
      this.end,
      this.code,
      this.error,
      this.model,
      this.version,
      this.items,
      this.subBatch,
      this.requestId,
      this.queueUs,
      this.computeUs,
      this.parts,
    ];
  }
}

/** Numbers per part in ServerTrace.parts. */
export const PART_FIELDS = 8;

/** ServerTrace as it crosses the control socket (its fields in declaration order). */
export type ServerTraceWire = [
  traceparent: string,
  tracestate: string,
  method: 'InferStream' | 'Infer',
  start: number,
  end: number,
  code: number,
  error: string,
  model: string,
  version: string,
  items: number,
  subBatch: number,
  requestId: string,
  queueUs: number,
  computeUs: number,
  parts: number[],
];

/** Span names of a request's parts inside the host. */
export const QUEUE_SPAN = 'hera.queue';
export const INFERENCE_SPAN = 'hera.inference';

/**
 * The spans a ServerTrace stands for (on the agent's side): the request's SERVER span and, per
 * part, `hera.queue` (queued → taken by a thread) and `hera.inference` (its inference call).
 * Undefined for a malformed record.
 */
export function serverSpan(w: ServerTraceWire): RemoteSpan | undefined {
  if (!Array.isArray(w) || w.length !== 15 || typeof w[0] !== 'string' || !Array.isArray(w[14])) return undefined;
  const [traceparent, tracestate, method, start, end, code, error, model, version, items, subBatch, requestId] = w;
  const [queueUs, computeUs, parts] = [w[12], w[13], w[14]];
  const attributes: Record<string, string | number> = {
    'rpc.system': 'grpc',
    'rpc.service': 'hera.worker.v1.WorkerService',
    'rpc.method': method,
    [ATTR.MODEL]: model,
    [ATTR.MODEL_VERSION]: version,
    [ATTR.ITEMS]: items,
    'rpc.grpc.status_code': code,
  };
  if (requestId) attributes[ATTR.REQUEST_ID] = requestId;
  if (subBatch > 0) {
    attributes[ATTR.SUB_BATCH_SIZE] = subBatch;
    attributes[ATTR.SUB_BATCHES] = Math.ceil(items / subBatch);
  }
  if (end > 0 && code === grpc.status.OK) {
    attributes[ATTR.QUEUE_US] = queueUs;
    attributes[ATTR.COMPUTE_US] = computeUs;
  }
  const children: SpanRecord[] = [];
  // Model, version and sub-batch size are the request span's: each attribute is encoded and
  // exported per span (most of the export's cost), so the parts carry only their own.
  for (let i = 0; i + PART_FIELDS <= parts.length; i += PART_FIELDS) {
    const a: Record<string, number> = { [ATTR.ITEMS]: parts[i]! };
    if (parts[i + 1]! > 0) a[ATTR.THREAD] = parts[i + 1]!;
    children.push(
      {
        name: QUEUE_SPAN,
        kind: 'internal',
        start: parts[i + 2]!,
        end: parts[i + 3]!,
        attributes: { ...a, [ATTR.QUEUE_US]: parts[i + 6]! },
      },
      {
        name: INFERENCE_SPAN,
        kind: 'internal',
        start: parts[i + 4]!,
        end: parts[i + 5]!,
        attributes: { ...a, [ATTR.COMPUTE_US]: parts[i + 7]! },
      },
    );
  }
  return {
    traceparent,
    ...(tracestate ? { tracestate } : {}),
    span: {
      name: method === 'Infer' ? INFER_SPAN : INFER_STREAM_SPAN,
      kind: 'server',
      start,
      end,
      attributes,
      ...(error ? { error } : {}),
      children,
    },
  };
}

/** Now as fractional ms since the Unix epoch, on the clock the tracing SDK uses. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Starts recording one request served on a host: `m` is the InferStream message (or a unary
 * Infer's trace context and request).
 */
export function startServerTrace(
  m: { traceparent?: string; tracestate?: string; request?: InferRequest__Output | null },
  method: 'InferStream' | 'Infer' = 'InferStream',
): ServerTrace | undefined {
  if (!recordable(m.traceparent)) return undefined;
  return new ServerTrace(m.traceparent, m.tracestate ?? '', method, wallNow(), m.request);
}

/**
 * Codes a server reports as its own error (OTel's gRPC conventions): the rest are the
 * caller's doing (a bad request, an unknown model, shedding) and leave the span unset.
 */
export const SERVER_ERRORS = new Set<grpc.status>([
  grpc.status.UNKNOWN,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.UNIMPLEMENTED,
  grpc.status.INTERNAL,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
]);

/** Ends a SERVER span record with the reply's code. */
export function endServerTrace(t: ServerTrace, code: grpc.status, message: string): ServerTrace {
  t.end = wallNow();
  t.code = code;
  if (SERVER_ERRORS.has(code)) t.error = message;
  return t;
}
