export { ATTR } from './attributes';
export { startTelemetry, tracesProtocol } from './start';
export type { Telemetry, TracesProtocol } from './start';
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
