// First import of main.ts: tracing must patch grpc-js and ioredis before they load.
import { startSpanRelay, startTelemetry, type Telemetry } from '@hera/telemetry';

const agent = startTelemetry('hera-worker');

/**
 * The spans tenant hosts record: they run no tracing SDK (their cores are the tenant's) and
 * send their spans as data over the control socket; the agent exports them as the host's.
 */
export const hostSpans = startSpanRelay('hera-worker-host');

export const telemetry: Telemetry = {
  enabled: agent.enabled,
  shutdown: async () => {
    await Promise.all([agent.shutdown(), hostSpans?.shutdown()]);
  },
};
