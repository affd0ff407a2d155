import { availableParallelism, hostname, totalmem } from 'node:os';
import { commonEnv, defineConfig, port, z } from '@hera/config';

const labels = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of s.split(',').map(p => p.trim()).filter(Boolean)) {
      const m = /^([A-Za-z0-9_./-]+)=(.*)$/.exec(pair);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `expected key=value pairs separated by commas, got ${JSON.stringify(pair)}` });
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
  NODE_ID: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only').default(hostname()),
  /** Cores this node offers tenants; defaults to what the process may use. */
  NODE_CORES: z.coerce.number().int().min(1).max(4096).default(availableParallelism()),
  NODE_MEMORY_BYTES: z.coerce.number().int().min(64 * 1024 * 1024).default(totalmem()),
  /** Nodes with the same hardware share a class (profiles are per class); defaults to "<cores>c". */
  NODE_CLASS: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  /** Free-form labels for placement, e.g. "zone=a,disk=ssd". */
  NODE_LABELS: labels,
});

export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;
export const loadConfig = defineConfig('worker', WorkerConfigSchema);
