import { commonEnv, defineConfig, port, z } from '@hera/config';

export const ProfilerConfigSchema = z.object({
  ...commonEnv,
  GRPC_PORT: port(50054),
  /** Measured seconds per load point (a quick job uses a third of this). */
  POINT_SECONDS: z.coerce.number().positive().max(600).default(8),
  /** Seconds of each load point that are sent first and not measured. */
  WARMUP_SECONDS: z.coerce.number().min(0).max(120).default(2),
  /** A load point runs at least long enough to measure this many queries. */
  MIN_QUERIES: z.coerce.number().int().min(10).default(200),
  /** The rate search stops when its bracket is narrower than this fraction (quick: twice it). */
  PRECISION: z.coerce.number().positive().max(1).default(0.05),
  /**
   * The re-check at the found rate must give p95 ≤ SLA × (1 − this), else the rate
   * steps down: so that load at the reported rate meets the SLA again, not half the time.
   */
  RECHECK_MARGIN: z.coerce.number().min(0).max(0.5).default(0.2),
  /**
   * The re-check runs at least this long (and at least three search points), quick jobs too:
   * a rate is a claim about steady load, and 4-s quick re-checks reported rates that 60-s runs
   * missed.
   */
  RECHECK_SECONDS: z.coerce.number().min(1).max(600).default(15),
  /**
   * The reported QPS is the re-checked rate × (1 − this). Near capacity p95 climbs
   * steeply with the rate, so a p95 margin alone leaves only a few percent of rate
   * to spare, and this VM's speed drifts by more than that within minutes: a rate
   * whose 45 s re-check gave p95 153 ms missed a 200 ms SLA (p95 373) when re-run a
   * minute later. Placement sizes replicas by these rates.
   */
  RATE_HEADROOM: z.coerce.number().min(0).max(0.5).default(0.1),
  /** Longest time to wait for a tenant to serve after an allocation change. */
  APPLY_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(180_000),
});

export type ProfilerConfig = z.infer<typeof ProfilerConfigSchema>;
export const loadConfig = defineConfig('profiler', ProfilerConfigSchema);
