// First import of main.ts: tracing must patch grpc-js and ioredis before they load.
import { startTelemetry } from '@hera/telemetry';

/** The query path's unary RPCs: their server spans are made by @hera/grpc tracedUnary (cheaper). */
export const OWN_SERVER_SPANS = ['Rank', 'ModelInfer'] as const;

export const telemetry = startTelemetry('hera-gateway', process.env, { ownServerSpans: OWN_SERVER_SPANS });
