import { payloadNodeFlags, startChild, withMallocTuning, type Child } from '@hera/procs';

export type ServiceName = 'gateway' | 'worker' | 'placement' | 'profiler';

export interface TestService {
  child: Child;
  /** host:port the service's gRPC server listens on. */
  address: string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number>;
}

/**
 * A service to start: the name in its "<name> serving" log line and the path of its compiled
 * entry point. The caller gives the path because a library must not reach up into services/
 * (README, Layout): a service's own tests pass their sibling `require.resolve('./main')`, the
 * cross-service tests and benchmarks resolve the service package.
 */
export interface ServiceEntry {
  name: ServiceName;
  main: string;
}

/**
 * Starts a real service process on a free port (GRPC_PORT=0) and waits for its
 * "<name> serving" log line. The caller stops it in `after()`.
 */
export async function startService(
  { name, main }: ServiceEntry,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<TestService> {
  const child = startChild(process.execPath, ['--enable-source-maps', ...payloadNodeFlags(name), main], {
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

/** `hera up` flags that put every service of a private local cluster on a free port. */
export const HERA_UP_FREE_PORTS: readonly string[] = (['gateway', 'worker', 'placement', 'profiler'] as const).flatMap(
  s => [`--${s}-port`, '0'],
);
