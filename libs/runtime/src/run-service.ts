import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@hera/state';
import { ConfigError } from '@hera/config';
import { closeServer, startServer, type AuthPolicy, type ServiceBinding } from '@hera/grpc';
import { Lifecycle, type ShutdownStep } from '@hera/lifecycle';
import { Counter, createRegistry, serveMetrics, type MetricsSource, type Registry } from '@hera/metrics';
import { createLogger, type LogLevel, type Logger } from '@hera/logger';
import { connectRedis, Heartbeat, Keyspace, type ServiceRecord } from '@hera/state';
import type { Telemetry } from '@hera/telemetry';
import { advertisedAddress } from './address';
import { LIVENESS_SERVICE, type Readiness } from './readiness';
import { applySecurity, type SecurityConfig } from './security';

/** The variables every service has (see commonEnv in @hera/config). */
export interface BaseServiceConfig extends SecurityConfig {
  REDIS_URL: string;
  HERA_REDIS_PREFIX: string;
  LOG_LEVEL: LogLevel;
  GRPC_HOST: string;
  GRPC_PORT: number;
  ADVERTISE_HOST?: string | undefined;
  METRICS_PORT: number;
  SHUTDOWN_GRACE_MS: number;
  HEARTBEAT_MS: number;
}

/** What a service's build step gets. */
export interface ServiceContext<C extends BaseServiceConfig> {
  config: C;
  log: Logger;
  redis: RedisClient;
  keys: Keyspace;
  lifecycle: Lifecycle;
  /** Prometheus registry served on METRICS_PORT; services add their own metrics. */
  metrics: Registry;
  /** host:port others dial; known once the server is bound (after build). */
  address(): string;
  /** Re-reads ServiceParts.readiness and updates health; call when what it depends on changed. Cheap. */
  readinessChanged(): void;
}

/** What a service adds to the common skeleton. */
export interface ServiceParts {
  services: ServiceBinding[];
  /** Runs after the server is bound and before health turns SERVING. */
  start?: (address: string) => Promise<void>;
  /** Run after gRPC has drained and before Redis closes, in order. */
  shutdownSteps?: ShutdownStep[];
  /**
   * Whether the service can do its work now (the gateway: it routes the plan's
   * models). Health ("" and every service name) is SERVING only while this says
   * ready, from the end of start until shutdown; LIVENESS_SERVICE stays SERVING
   * either way. Read at start and on every ctx.readinessChanged(). Without it a
   * started service is ready.
   */
  readiness?: () => Readiness;
  /**
   * What /metrics serves; default: the service's registry (ctx.metrics). The node agent
   * serves its registry merged with its tenant hosts'.
   */
  metricsSource?: MetricsSource;
}

export interface RunServiceOptions<C extends BaseServiceConfig> {
  name: ServiceRecord['service'];
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  telemetry: Telemetry;
  build: (ctx: ServiceContext<C>) => Promise<ServiceParts>;
  env?: NodeJS.ProcessEnv;
}

const VERSION = '0.1.0';

/**
 * The composition skeleton every service shares: config (exit 2 listing every
 * problem), root logger, Redis (fail fast), the service's own parts, gRPC server
 * with health and reflection (liveness under LIVENESS_SERVICE, readiness under ""
 * and the service names, from the service's readiness hook), a liveness record in
 * Redis for `hera status`, and one graceful shutdown:
 *   health NOT_SERVING → drain gRPC → service steps (queues, tenants) →
 *   liveness record removed → Redis quit → telemetry flush.
 */
export async function runService<C extends BaseServiceConfig>(opts: RunServiceOptions<C>): Promise<Lifecycle> {
  const env = opts.env ?? process.env;
  let config: C;
  let auth: AuthPolicy | undefined;
  try {
    config = opts.loadConfig(env);
    auth = applySecurity(config, opts.name);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hera-${opts.name}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ service: opts.name, level: config.LOG_LEVEL });
  const lifecycle = new Lifecycle({ log, budgetMs: config.SHUTDOWN_GRACE_MS });
  lifecycle.onChange(state => log.info({ state }, 'lifecycle'));
  lifecycle.installSignalHandlers();
  process.on('unhandledRejection', err => log.error({ err }, 'unhandled rejection'));
  if (env['HERA_EXIT_WITH_PARENT'] === '1') exitWithParent(lifecycle);

  const fail = async (err: unknown) => {
    log.fatal({ err }, 'failed to start');
    await opts.telemetry.shutdown();
    process.exit(1);
  };

  let redis: RedisClient;
  try {
    redis = await connectRedis(config.REDIS_URL, {
      name: opts.name,
      offlineQueue: false,
      onError: err => log.warn({ err: err.message }, 'redis connection error'),
    });
  } catch (err) {
    return fail(err) as never;
  }
  const keys = new Keyspace(config.HERA_REDIS_PREFIX);
  let address = '';
  const metrics = createRegistry(opts.name);
  const denied = new Counter({
    name: 'hera_grpc_denied_total',
    help: 'Calls refused by the auth policy, by method and status (UNAUTHENTICATED, PERMISSION_DENIED)',
    labelNames: ['method', 'code'],
    registers: [metrics],
  });
  // Replaced once the server is serving; before that health stays NOT_SERVING.
  let updateHealth = () => {};
  let readiness: Readiness = { ready: false, reason: 'starting' };
  let announced: boolean | undefined;
  const ctx: ServiceContext<C> = {
    config,
    log,
    redis,
    keys,
    lifecycle,
    metrics,
    address: () => address,
    readinessChanged: () => updateHealth(),
  };

  try {
    const parts = await opts.build(ctx);
    const running = await startServer({
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      log,
      services: parts.services,
      auth,
      onDenied: (path, code) => denied.inc({ method: path, code }),
    });
    running.health.setStatus(LIVENESS_SERVICE, 'NOT_SERVING');
    const metricsServer = await serveMetrics(parts.metricsSource ?? metrics, config.GRPC_HOST, config.METRICS_PORT);
    if (metricsServer) log.info({ port: metricsServer.port }, 'metrics at /metrics');
    address = advertisedAddress(config.GRPC_HOST, running.port, config.ADVERTISE_HOST);
    const instanceId = `${opts.name}/${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const startedAtMs = Date.now();
    const heartbeat = new Heartbeat<ServiceRecord>(redis, {
      key: keys.service(instanceId),
      indexKey: keys.services(),
      lastSeenKey: keys.servicesLastSeen(),
      member: instanceId,
      intervalMs: config.HEARTBEAT_MS,
      value: () => ({
        service: opts.name,
        instanceId,
        endpoint: address,
        pid: process.pid,
        hostname: hostname(),
        version: VERSION,
        startedAtMs,
        heartbeatAtMs: Date.now(),
        state: lifecycle.state,
        readiness,
      }),
      onError: err => log.warn({ err }, 'heartbeat failed'),
    });
    lifecycle.addSteps(
      [
        'health',
        () => {
          running.setServing('NOT_SERVING');
          running.health.setStatus(LIVENESS_SERVICE, 'NOT_SERVING');
        },
      ],
      [
        'grpc',
        remaining => closeServer(running.server, Math.max(0, Math.min(remaining - 500, config.SHUTDOWN_GRACE_MS / 2))),
      ],
      ...(parts.shutdownSteps ?? []),
      ['metrics', () => metricsServer?.close()],
      ['liveness', () => heartbeat.stop()],
      ['redis', async () => void (await redis.quit())],
      ['telemetry', () => opts.telemetry.shutdown()],
    );
    await parts.start?.(address);
    await heartbeat.start();
    lifecycle.serving();
    running.health.setStatus(LIVENESS_SERVICE, 'SERVING');
    updateHealth = () => {
      if (lifecycle.state !== 'serving') return; // draining: the health step said NOT_SERVING
      const next = readinessOf(parts);
      readiness = next;
      if (next.ready === announced) return;
      announced = next.ready;
      running.setServing(next.ready ? 'SERVING' : 'NOT_SERVING');
      log.info({ ready: next.ready, reason: next.reason }, next.ready ? 'ready' : 'not ready');
      // `hera status` reads the reason from the liveness record: publish it now.
      heartbeat.beat().catch(err => log.warn({ err }, 'heartbeat failed'));
    };
    updateHealth();
    await heartbeat.beat();
    log.info({ address, telemetry: opts.telemetry.enabled }, `${opts.name} serving`);
  } catch (err) {
    redis.disconnect();
    return fail(err) as never;
  }
  return lifecycle;
}

function readinessOf(parts: ServiceParts): Readiness {
  if (!parts.readiness) return { ready: true, reason: 'started' };
  try {
    return parts.readiness();
  } catch (err) {
    return { ready: false, reason: `readiness check failed: ${(err as Error).message}` };
  }
}

/**
 * Under a supervisor (`hera up`), shut down when the supervisor is gone — even
 * killed with SIGKILL, when it could not stop us — instead of living on as an
 * orphan. The parent pid changes when we are re-parented.
 */
function exitWithParent(lifecycle: Lifecycle): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      void lifecycle.shutdown('supervisor exited');
    }
  }, 1_000);
  timer.unref();
}
