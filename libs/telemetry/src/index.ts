export { ATTR } from './attributes';
export { startTelemetry } from './start';
export type { Telemetry } from './start';
