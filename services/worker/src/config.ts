import { availableParallelism, hostname, totalmem } from 'node:os';
import { TENANT_QUEUE_BYTES } from '@hera/procs';
import { commonEnv, defineConfig, port, z } from '@hera/config';

const labels = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of s
      .split(',')
      .map(p => p.trim())
      .filter(Boolean)) {
      const m = /^([A-Za-z0-9_./-]+)=(.*)$/.exec(pair);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `expected key=value pairs separated by commas, got ${JSON.stringify(pair)}`,
        });
        return z.NEVER;
      }
      out[m[1]!] = m[2]!;
    }
    return out;
  });

export const WorkerConfigSchema = z.object({
  ...commonEnv,
  GRPC_PORT: port(50052),
  /** Unique id of this node in the cluster. */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only')
    .default(hostname()),
  /** Cores this node offers tenants; defaults to what the process may use. */
  NODE_CORES: z.coerce.number().int().min(1).max(4096).default(availableParallelism()),
  NODE_MEMORY_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024 * 1024)
    .default(totalmem()),
  /** Nodes with the same hardware share a class (profiles are per class); defaults to "<cores>c". */
  NODE_CLASS: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .optional(),
  /** Free-form labels for placement, e.g. "zone=a,disk=ssd". */
  NODE_LABELS: labels,
  /** Model repository (built by `hera models build`). */
  HERA_MODEL_REPO: z.string().min(1).default('.hera/models'),
  /**
   * Engine/backend of every tenant host: onnx (ONNX Runtime; refused where it cannot load), or a
   * TF.js backend (tensorflow, wasm, cpu). Unset: each model's config names its engine, and TF.js
   * picks the best backend that loads.
   */
  HERA_BACKEND: z.enum(['onnx', 'tensorflow', 'wasm', 'cpu']).optional(),
  /**
   * Answer RESOURCE_EXHAUSTED at once for a sub-batch the queued work would make
   * finish after its deadline (off: queue it, and answer DEADLINE_EXCEEDED without
   * computing if it expires before a worker takes it).
   */
  SHED_PREDICTED_LATE: z.enum(['on', 'off']).default('on'),
  /** Sub-batches a tenant queues before answering RESOURCE_EXHAUSTED. */
  TENANT_QUEUE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(512),
  /** Request bytes a tenant queues before answering RESOURCE_EXHAUSTED (placement counts them in the host's memory). */
  TENANT_QUEUE_BYTES: z.coerce
    .number()
    .int()
    .min(1_048_576)
    .max(2 ** 40)
    .default(TENANT_QUEUE_BYTES),
  /** How long each new inference thread scores back to back before taking work (why: infer-thread.ts warmUp). 0 keeps only 3 calls. */
  TENANT_WARMUP_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Sliding window for tenant latency percentiles and served QPS. */
  STATS_WINDOW_MS: z.coerce.number().int().min(100).default(10_000),
  /** How often hosts report their statistics to the agent. */
  STATS_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  /**
   * Tenant hosts' descriptors and control sockets, owned by one agent at a time; an agent
   * restarted with the same directory adopts the hosts recorded there. Unset:
   * <tmpdir>/hera-<HERA_REDIS_PREFIX>-node-<NODE_ID>.
   */
  NODE_STATE_DIR: z.string().min(1).optional(),
  /**
   * Name of the node's cgroup, under which each tenant gets its own (tenant-<model>). Unset:
   * hera-<NODE_ID>. Two agents on one machine (e.g. two local clusters) need different names.
   */
  NODE_CGROUP: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only')
    .optional(),
  /** A tenant host with no agent connected for this long drains and exits (an agent back sooner adopts it). */
  HOST_ORPHAN_MS: z.coerce.number().int().min(100).max(86_400_000).default(120_000),
  /**
   * A host replaced by a new version serves this long after the node record names its successor
   * (gateways move on the record's event, or within their ROUTING_REFRESH_MS), then drains.
   */
  TENANT_HANDOFF_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** How long ApplyAllocation waits for a new tenant to serve (the call's deadline may cut it short). */
  APPLY_WAIT_MS: z.coerce.number().int().min(0).default(120_000),
  /**
   * The node-level resource manager (DESIGN §4.5): moves capacity between the plan's tenants
   * on this node as their load drifts. `off` keeps the plan's static split (for comparison).
   */
  NODE_MANAGER: z.enum(['on', 'off']).default('on'),
  /** How often the node manager looks at the tenants and may move capacity. */
  NODE_MANAGER_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /**
   * The hosts' short latency window the manager judges by: a few intervals, so a move shows
   * within the intervals it is judged over (the status window, STATS_WINDOW_MS, would blur it).
   */
  NODE_MANAGER_WINDOW_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /**
   * Warm standby inference threads each plan tenant's host keeps while the node manager is on
   * (while its memory limit leaves room): a move that adds a thread takes one at once instead
   * of starting one whose warm-up spends the tenant's new quota.
   */
  NODE_MANAGER_STANDBY: z.coerce.number().int().min(0).max(64).default(1),
  /**
   * The SLA this node holds its tenants to is the model's × this factor (the node manager and
   * the three-window SLA watch alike): for hardware slower than the SLAs assume, the same factor
   * the profiles were measured at (`hera profile --sla-factor`). 1 on the servers the SLAs are for.
   */
  NODE_SLA_FACTOR: z.coerce.number().min(0.01).max(100).default(1),
});

export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;
export const loadConfig = defineConfig('worker', WorkerConfigSchema);
