import * as grpc from '@grpc/grpc-js';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { InferRequest, InferRequest__Output, InferStreamRequest__Output } from '@hera/proto';
import { ATTR, contextFromCarrier, isSampledTraceparent, traceCarrier } from '@hera/telemetry';

/**
 * Trace propagation for WorkerService/InferStream. The stream is transport and no
 * span (the gRPC instrumentation ignores it, see @hera/telemetry start.ts); each
 * request on it gets a CLIENT span on the caller's side and a SERVER span on the
 * host's, the two joined by the W3C context the request message carries
 * (InferStreamRequest.traceparent/tracestate). Both spans are named like the
 * method, `hera.worker.v1.WorkerService/InferStream` (the instrumentation's own spans have a
 * `grpc.` prefix, and none is made for this method).
 *
 * Cost: with tracing off there is no active span and each helper returns after one
 * context lookup, allocating nothing. An unsampled caller's request creates no span
 * and carries the caller's own traceparent (sampled flag 0), so the host starts no
 * span for it either.
 */
const tracer = trace.getTracer('@hera/grpc');

export const INFER_STREAM_SPAN = 'hera.worker.v1.WorkerService/InferStream';
const RPC_ATTRIBUTES = {
  'rpc.system': 'grpc',
  'rpc.service': 'hera.worker.v1.WorkerService',
  'rpc.method': 'InferStream',
} as const;

/** The caller's side of one request: its span (when sampled) and the context the message carries. */
export interface RequestTrace {
  span: Span | undefined;
  traceparent: string;
  tracestate: string;
}

function requestAttributes(req: InferRequest | InferRequest__Output) {
  return {
    ...RPC_ATTRIBUTES,
    [ATTR.MODEL]: req.model ?? '',
    [ATTR.MODEL_VERSION]: req.version ?? '',
    [ATTR.ITEMS]: req.items?.itemCount ?? 0,
    ...(req.requestId ? { [ATTR.REQUEST_ID]: req.requestId } : {}),
  };
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
    {
      kind: SpanKind.CLIENT,
      attributes: { ...requestAttributes(req), ...(peer ? { 'server.address': peer } : {}) },
    },
    parent,
  );
  const c = traceCarrier(trace.setSpan(parent, span));
  return { span, traceparent: c?.traceparent ?? '', tracestate: c?.tracestate ?? '' };
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
 * The host's side of one request: the context to serve it in and its SERVER span,
 * a child of the context the message carries. No span when the message carries none
 * or an unsampled one (then the context still says unsampled).
 */
export function startServerTrace(m: InferStreamRequest__Output): { ctx: Context; span: Span | undefined } | undefined {
  if (!m.traceparent) return undefined;
  const parent = contextFromCarrier(m, ROOT_CONTEXT);
  if (!isSampledTraceparent(m.traceparent)) return { ctx: parent, span: undefined };
  const span = tracer.startSpan(
    INFER_STREAM_SPAN,
    { kind: SpanKind.SERVER, attributes: m.request ? requestAttributes(m.request) : RPC_ATTRIBUTES },
    parent,
  );
  return { ctx: trace.setSpan(parent, span), span };
}

/**
 * Codes a server reports as its own error (OTel's gRPC conventions): the rest are the
 * caller's doing (a bad request, an unknown model, shedding) and leave the span unset.
 */
const SERVER_ERRORS = new Set<grpc.status>([
  grpc.status.UNKNOWN,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.UNIMPLEMENTED,
  grpc.status.INTERNAL,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
]);

/** Ends a SERVER span with the reply's code. */
export function endServerTrace(span: Span | undefined, code: grpc.status, message: string): void {
  if (!span) return;
  span.setAttribute('rpc.grpc.status_code', code);
  if (SERVER_ERRORS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}
