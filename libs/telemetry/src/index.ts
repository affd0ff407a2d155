export { ATTR } from './attributes';
export { startSpanRelay, startTelemetry, tracesProtocol, tracingEnabled } from './start';
export type { SpanRelay, Telemetry, TracesProtocol } from './start';
export { recordable, replaySpans } from './span-record';
export type { RemoteSpan, SpanRecord } from './span-record';
export {
  contextFromCarrier,
  isSampledTraceparent,
  traceCarrier,
  unsampledContext,
  unsampledTraceparent,
} from './trace-context';
export type { TraceCarrier } from './trace-context';
export { inMemoryTracing } from './in-memory';
export type { FinishedSpan, InMemoryTracing } from './in-memory';
