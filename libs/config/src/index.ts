import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's schema; lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly issues: readonly string[],
    service?: string,
  ) {
    super(`invalid configuration${service ? ` for ${service}` : ''}:\n${issues.map(i => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds `loadConfig(env)` for a schema. Every issue is reported with the
 * variable it concerns (e.g. `GRPC_PORT: expected an integer ≤ 65535, got "70000"`),
 * all at once, and the result is frozen.
 */
export function defineConfig<S extends z.ZodObject>(service: string, schema: S) {
  return function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
    const result = schema.safeParse(env);
    if (!result.success) {
      const issues = result.error.issues.map(issue => {
        const key = issue.path.join('.') || '(root)';
        const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
        return `${key}: ${issue.message}${value === undefined ? ' (not set)' : ` (got ${JSON.stringify(value)})`}`;
      });
      throw new ConfigError(issues, service);
    }
    return Object.freeze(result.data);
  };
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform(v => v === '1' || v === 'true' || v === 'yes');

/** Variables every service reads. Documented in each service README. */
export const commonEnv = {
  /** Redis holding cluster state and job queues. */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }),
  /** Prefix of every Redis key and BullMQ queue, so clusters can share a Redis. */
  HERA_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*:?$/, 'letters, digits, "_", "-" and "." only, optionally ending in ":"')
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
} as const;

export { port, bool, z };
