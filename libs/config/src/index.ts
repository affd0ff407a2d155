import { z } from 'zod';
import { parseRedisUrl, redactRedisUrl, RedisUrlError } from './redis-url';

export { parseRedisUrl, redactRedisUrl, RedisUrlError } from './redis-url';
export { configureRedisTls, redisTlsOptions } from './redis-tls';
export type { RedisTlsFiles } from './redis-tls';
export { ConfigError } from './config-error';
import { ConfigError } from './config-error';
export type { RedisHostPort, RedisTarget } from './redis-url';

/** Variables whose values are never echoed in errors (secrets), and URLs that may carry a password. */
const SECRET = /TOKEN|PASSWORD|SECRET/;
function shown(name: string, value: string): string {
  if (SECRET.test(name)) return '(hidden)';
  return name.endsWith('_URL') ? redactRedisUrl(value) : value;
}

/**
 * Builds `loadConfig(env)` for a schema. Every issue is reported with the
 * variable it concerns (e.g. `GRPC_PORT: expected an integer ≤ 65535, got "70000"`),
 * all at once, and the result is frozen.
 */
export function defineConfig<S extends z.ZodObject>(service: string, schema: S) {
  return function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
    const result = schema.safeParse(env);
    const issues = result.success
      ? crossCheck(result.data)
      : result.error.issues.map(issue => ({ path: issue.path, message: issue.message }));
    if (!result.success || issues.length) {
      throw new ConfigError(
        issues.map(issue => {
          const key = issue.path.join('.') || '(root)';
          const name = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
          const value = name ? env[name] : undefined;
          return `${key}: ${issue.message}${value === undefined ? ' (not set)' : ` (got ${JSON.stringify(shown(name!, value))})`}`;
        }),
        service,
      );
    }
    return Object.freeze(result.data);
  };
}

/** A Redis Cluster hash tag: the first "{…}" with something inside decides a key's slot. */
const HASH_TAG = /^[^{]*\{[^}]+\}/;

/**
 * Checks between variables that one field's schema cannot make: on a Redis Cluster every
 * key Hera uses must hash to one slot (its transactions and BullMQ's scripts touch several
 * keys at once), so the prefix must carry a hash tag.
 */
function crossCheck(data: Record<string, unknown>): { path: PropertyKey[]; message: string }[] {
  const url = data['REDIS_URL'];
  const prefix = data['HERA_REDIS_PREFIX'];
  if (typeof url !== 'string' || typeof prefix !== 'string') return [];
  if (parseRedisUrl(url).mode === 'cluster' && !HASH_TAG.test(prefix)) {
    return [
      {
        path: ['HERA_REDIS_PREFIX'],
        message: `a Redis Cluster (REDIS_URL=redis+cluster://…) needs a hash tag in the prefix, e.g. {${prefix.replace(/:$/, '') || 'hera'}}`,
      },
    ];
  }
  return [];
}

/** REDIS_URL: a server, a Sentinel group or a Redis Cluster (see parseRedisUrl). */
const redisUrl = z.string().superRefine((url, ctx) => {
  try {
    parseRedisUrl(url);
  } catch (err) {
    if (!(err instanceof RedisUrlError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
});

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform(v => v === '1' || v === 'true' || v === 'yes');

/** Variables every service reads. Documented in each service README. */
export const commonEnv = {
  /**
   * Redis holding cluster state and job queues: redis://host:port (one server),
   * redis+sentinel://h1:26379,h2:26379/mymaster (a Sentinel group) or
   * redis+cluster://h1:6379,h2:6379 (a Redis Cluster; see parseRedisUrl).
   */
  REDIS_URL: redisUrl,
  /**
   * Prefix of every Redis key and BullMQ queue, so clusters can share a Redis. On a Redis
   * Cluster it must hold a hash tag, e.g. "{hera}", so that all of Hera's keys share a slot.
   */
  HERA_REDIS_PREFIX: z
    .string()
    .regex(
      /^(?:[A-Za-z0-9_.-]*\{[A-Za-z0-9_.-]+\})?[A-Za-z0-9_.-]*:?$/,
      'letters, digits, "_", "-" and "." only, with at most one {hash tag}, optionally ending in ":"',
    )
    .default('hera'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Interface the gRPC server binds. */
  GRPC_HOST: z.string().min(1).default('127.0.0.1'),
  /** Host other services use to reach this one; defaults to GRPC_HOST (or the hostname when that is 0.0.0.0). */
  ADVERTISE_HOST: z.string().min(1).optional(),
  /** Whole budget for graceful shutdown; keep it below the orchestrator's grace period. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().max(600_000).default(10_000),
  /** Port of the Prometheus /metrics endpoint; 0 disables it. */
  METRICS_PORT: port(0),
  /** Milliseconds between a service's liveness records in Redis (its record expires after 3 intervals). */
  HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  ...securityEnv(),
} as const;

/**
 * TLS and credentials (README "Running it safely"). Read by every service, the tenant hosts and
 * the CLI; @hera/runtime's securityOf turns them into the process's gRPC security.
 */
export function securityEnv() {
  return {
    /** This process's certificate chain, PEM file (with GRPC_TLS_KEY and GRPC_TLS_CA: TLS on every gRPC hop). */
    GRPC_TLS_CERT: z.string().min(1).optional(),
    /** Its private key, PEM file. */
    GRPC_TLS_KEY: z.string().min(1).optional(),
    /** CA bundle peers' certificates must chain to, PEM file. */
    GRPC_TLS_CA: z.string().min(1).optional(),
    /** What this process's servers ask of clients: require (mTLS), optional (verified when shown), none. */
    GRPC_TLS_CLIENT_CERTS: z.enum(['require', 'optional', 'none']).default('require'),
    /** Name clients check in servers' certificates when it is not the host they dial. */
    GRPC_TLS_SERVER_NAME: z.string().min(1).optional(),
    /** Seconds between servers' re-reads of the certificate files (0: never; none-mode servers never). */
    GRPC_TLS_RELOAD_S: z.coerce.number().int().min(0).max(86_400).default(60),
    /** Accepted bearer tokens, one "<role> <token>" per line (admin, operator, reader); with it, RPCs need a credential. */
    HERA_AUTH_TOKENS_FILE: z.string().min(1).optional(),
    /** mTLS client identities allowed in, "name=role,..." (certificate CN or DNS SAN). */
    HERA_AUTH_IDENTITIES: z.string().optional(),
    /** RPC classes anyone may call when auth is on: read, infer, both (default) or "" (none). */
    HERA_AUTH_OPEN: z
      .string()
      .regex(/^((read|infer)(,(read|infer))*)?$/, 'a comma-separated subset of read,infer')
      .default('read,infer'),
    /** Bearer token this process's clients present (services calling others' control RPCs, the CLI). */
    HERA_TOKEN: z.string().min(16).optional(),
    /** File holding that token (read at start), instead of HERA_TOKEN. */
    HERA_TOKEN_FILE: z.string().min(1).optional(),
    /** CA bundle (PEM file) that signed Redis's certificate, for rediss:// URLs with a private CA. */
    REDIS_TLS_CA: z.string().min(1).optional(),
    /** Client certificate (PEM file) for a Redis that asks for one (tls-auth-clients), with REDIS_TLS_KEY. */
    REDIS_TLS_CERT: z.string().min(1).optional(),
    /** Its private key (PEM file). */
    REDIS_TLS_KEY: z.string().min(1).optional(),
  };
}

export { port, bool, z };

/** The security variables alone (for processes that are not services: tenant hosts, the CLI). */
export const loadSecurityConfig = defineConfig('security', z.object(securityEnv()));
