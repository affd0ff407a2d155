// First import of main.ts: tracing must patch grpc-js and ioredis before they load.
import { startTelemetry } from '@hera/telemetry';

export const telemetry = startTelemetry('hera-placement');
