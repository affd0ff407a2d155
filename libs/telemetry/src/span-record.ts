import {
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { isSampledTraceparent, type TraceCarrier } from './trace-context';

/** Records carry W3C fields whatever OTEL_PROPAGATORS says (and with no global propagator set). */
const w3c = new W3CTraceContextPropagator();

/**
 * A span described as plain data: made where no tracing SDK runs (a tenant host, on the
 * tenant's own cores) and turned into a real span elsewhere (its node agent: replaySpans).
 * Building one costs a few small objects; the SDK's span, attribute checks, id generation
 * and OTLP encoding happen in the process that replays it.
 */
export interface SpanRecord {
  name: string;
  kind: 'server' | 'internal';
  /** Wall-clock times, ms since the Unix epoch (fractional). */
  start: number;
  end: number;
  attributes: Record<string, string | number>;
  /** Set when the span failed: its status message. */
  error?: string;
  children?: SpanRecord[];
}

/** A span record with the context of its remote parent (the caller's span). */
export interface RemoteSpan extends TraceCarrier {
  span: SpanRecord;
}

/**
 * Whether a request with this traceparent is to be recorded: the caller sampled it.
 * Records follow the caller's decision (OTEL_TRACES_SAMPLER's parent-based default).
 */
export function recordable(traceparent: string | undefined): traceparent is string {
  return !!traceparent && isSampledTraceparent(traceparent);
}

/**
 * Turns records into spans of `tracer`, each a child of the remote span its carrier names,
 * with the recorded times, attributes and status. A record whose carrier does not parse
 * is dropped (its spans would start traces of their own).
 */
export function replaySpans(records: readonly RemoteSpan[], tracer: Tracer): void {
  for (const r of records) {
    const parent = w3c.extract(ROOT_CONTEXT, r, defaultTextMapGetter);
    if (!trace.getSpanContext(parent)) continue;
    replay(r.span, parent, tracer);
  }
}

function replay(r: SpanRecord, parent: Context, tracer: Tracer): void {
  const span = tracer.startSpan(
    r.name,
    {
      kind: r.kind === 'server' ? SpanKind.SERVER : SpanKind.INTERNAL,
      startTime: r.start,
      attributes: r.attributes,
    },
    parent,
  );
  if (r.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: r.error });
  if (r.children?.length) {
    const ctx = trace.setSpan(parent, span);
    for (const c of r.children) replay(c, ctx, tracer);
  }
  span.end(r.end);
}
