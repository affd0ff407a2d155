import { randomBytes } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as two strings, for
 * carrying in messages and job data rather than in gRPC or HTTP headers: the
 * InferStream's per-request fields and a BullMQ job's `data.trace`.
 */
export interface TraceCarrier {
  traceparent: string;
  /** Absent or empty for none. */
  tracestate?: string;
}

/**
 * The trace context of `ctx`'s span as a carrier, through the global propagator
 * (OTEL_PROPAGATORS; W3C tracecontext by default); undefined when there is no
 * span — always so when tracing is off, at the cost of one context lookup and
 * no allocation. A span that is not sampled still yields a carrier (its
 * traceparent's sampled flag is 0), so that what the receiver starts under it is
 * not sampled either.
 */
export function traceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  if (!trace.getSpan(ctx)) return undefined;
  const c: Record<string, string> = {};
  propagation.inject(ctx, c);
  const traceparent = c['traceparent'];
  if (!traceparent) return undefined;
  const tracestate = c['tracestate'];
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * The context a carrier describes, on top of `base` (the remote span becomes the
 * parent of spans started in it); `base` itself when the carrier is empty or
 * malformed, or tracing is off.
 */
export function contextFromCarrier(
  carrier: { traceparent?: string | undefined; tracestate?: string | undefined } | null | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (!carrier?.traceparent) return base;
  return propagation.extract(base, carrier);
}

/** Whether a W3C traceparent says sampled (flags bit 0); false for anything malformed. */
export function isSampledTraceparent(traceparent: string): boolean {
  // version(2)-trace-id(32)-parent-id(16)-flags(2): the flags are the last two hex digits.
  // Called per request on a tenant host: the sampled bit is the low bit of the last hex digit,
  // read without slicing or parsing.
  if (traceparent.length < 55 || traceparent.charCodeAt(52) !== 45 /* - */) return false;
  const c = traceparent.charCodeAt(54);
  if (c >= 48 && c <= 57) return (c & TraceFlags.SAMPLED) !== 0; // '0'–'9': odd digits
  return ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) && ((c + 1) & TraceFlags.SAMPLED) !== 0; // 'b', 'd', 'f'
}

/**
 * A fresh traceparent whose sampled flag is 0. A request sent with it is not
 * traced by a parent-based sampler (the default, parentbased_always_on), nor is
 * anything downstream of it: for a client's own housekeeping calls (`hera up`'s
 * readiness polls) that would otherwise each start a trace. Works without an SDK
 * in the sending process.
 */
export function unsampledTraceparent(): string {
  const ids = randomBytes(24).toString('hex');
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-00`;
}

/**
 * A context whose (non-recording) span is not sampled: work run in it — a profiler's
 * generated load, say — starts no traces, here or in the services it calls.
 */
export function unsampledContext(base: Context = ROOT_CONTEXT): Context {
  const ids = randomBytes(24).toString('hex');
  return trace.setSpanContext(base, {
    traceId: ids.slice(0, 32),
    spanId: ids.slice(32),
    traceFlags: TraceFlags.NONE,
  });
}
