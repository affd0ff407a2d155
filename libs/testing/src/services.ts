import { PAYLOAD_NODE_FLAGS, startChild, withMallocTuning, type Child } from '@hera/procs';

export type ServiceName = 'gateway' | 'worker' | 'placement' | 'profiler';

export interface TestService {
  child: Child;
  /** host:port the service's gRPC server listens on. */
  address: string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number>;
}

/** Path of a service's compiled entry point. */
export function serviceMain(name: ServiceName): string {
  return require.resolve(`@hera/${name}-service/dist/main.js`);
}

/**
 * Starts a real service process on a free port (GRPC_PORT=0) and waits for its
 * "<name> serving" log line. The caller stops it in `after()`.
 */
export async function startService(name: ServiceName, env: Record<string, string>, timeoutMs = 30_000): Promise<TestService> {
  const child = startChild(process.execPath, ['--enable-source-maps', ...PAYLOAD_NODE_FLAGS, serviceMain(name)], {
    env: { ...withMallocTuning(process.env), GRPC_PORT: '0', LOG_LEVEL: 'info', HEARTBEAT_MS: '500', ...env },
  });
  try {
    const line = await child.waitForLine(new RegExp(`"msg":"${name} serving"`), timeoutMs);
    const address = (JSON.parse(line) as { address: string }).address;
    return { child, address, stop: graceMs => child.stop('SIGTERM', graceMs) };
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
}
