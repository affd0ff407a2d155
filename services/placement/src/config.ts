import { commonEnv, defineConfig, port, z } from '@hera/config';
import { MAX_PLAN_TIME_LIMIT_MS, MIN_PLAN_TIME_LIMIT_MS } from './limits';

export const PlacementConfigSchema = z.object({
  ...commonEnv,
  GRPC_PORT: port(50053),
  /**
   * Base profile sets, comma-separated: paths to hera.profile-set/v1 JSON files or the
   * names of the shipped sets (2c, 16c). Measured profiles in Redis override them.
   */
  PROFILE_SETS: z.string().min(1).default('2c,16c'),
  /** Time limit of the required-servers MILP; past it the best solution found is used. */
  PLAN_TIME_LIMIT_MS: z.coerce.number().int().min(MIN_PLAN_TIME_LIMIT_MS).max(MAX_PLAN_TIME_LIMIT_MS).default(800),
  /**
   * A solve may run this long past its time limit (the baselines and the explanation run after
   * it) before placement stops its thread and answers DEADLINE_EXCEEDED.
   */
  PLAN_SOLVE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** How often to look for nodes whose heartbeat expired (they left without saying so). */
  NODE_SWEEP_MS: z.coerce.number().int().min(100).default(1_000),
  /** Re-plan jobs wait this long, so a burst of joins/leaves becomes one re-plan. */
  REPLAN_DELAY_MS: z.coerce.number().int().min(0).default(500),
  /** The model repository the registry writes (ImportModel) and checks (LoadModel); the node agents' too. */
  HERA_MODEL_REPO: z.string().min(1).default('.hera/models'),
  /** Largest file one ImportModel may upload (a TF.js shard is 4 MiB by default). */
  REGISTRY_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(256 * 1024 * 1024),
  /** Largest upload of one ImportModel, every file together. */
  REGISTRY_MAX_IMPORT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 * 1024 * 1024),
  /** Most files one ImportModel may upload. */
  REGISTRY_MAX_FILES: z.coerce.number().int().min(1).default(1_000),
  /** An upload that sends nothing for this long is dropped and its staging removed. */
  REGISTRY_IDLE_MS: z.coerce.number().int().min(100).default(60_000),
  /** LoadModel/UnloadModel wait at most this long for tenants (less when the call's deadline is nearer). */
  REGISTRY_WAIT_MS: z.coerce.number().int().min(0).default(120_000),
  /** A rollout whose tenants do not all serve the new version this long after it started rolls back. */
  ROLLOUT_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
});

export type PlacementConfig = z.infer<typeof PlacementConfigSchema>;
export const loadConfig = defineConfig('placement', PlacementConfigSchema);
