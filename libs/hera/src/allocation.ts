import { HeraError, invalidArgument } from '@hera/errors';
import { MEMORY_HEADROOM, tenantMemoryBytes } from './memory';
import type { ModelProfile } from './profile';
import { parseConfigId, type ServerConfig } from './server-config';

/**
 * The resources one tenant gets on one node — the fields of hera.common.v1.TenantAllocation
 * (version aside), ready for the node agent's cgroup.
 */
export interface TenantAllocation {
  model: string;
  workers: number;
  /** Cores of the tenant's cpuset, ascending. */
  cpuset: number[];
  /** CPU quota in millicores: one core per worker. */
  cpuMillis: number;
  memoryLimitBytes: number;
  /** Items per inference call: the profile's best sub-batch. */
  subBatchSize: number;
}

export interface AllocationOptions {
  /** Cores tenants must not use (e.g. the node agent's). Default none. */
  reservedCores?: readonly number[];
  /** Memory kept for the agent and OS. Default 0. */
  reservedMemoryBytes?: number;
  /**
   * Memory limit = need × headroom, where need = per-host + workers × per-worker from the
   * profile, shrunk toward `need` if the node cannot give every tenant that much. Default
   * MEMORY_HEADROOM (memory.ts says why).
   */
  memoryHeadroom?: number;
}

/**
 * The cores of tenants with `workers[i]` workers each, in that order: contiguous blocks packed
 * against the highest cores, skipping reserved ones; the lowest cores stay free. The one layout
 * both plans ({@link allocateTenants}) and the profiler use, so tenants run where they were
 * measured. Throws PRECONDITION when the cores do not suffice.
 */
export function packCpusets(
  cores: number,
  workers: readonly number[],
  reservedCores: readonly number[] = [],
): number[][] {
  const reserved = new Set(reservedCores);
  const free = Array.from({ length: cores }, (_, i) => i).filter(c => !reserved.has(c));
  const need = workers.reduce((s, w) => s + w, 0);
  if (need > free.length)
    throw new HeraError('PRECONDITION', `configuration needs ${need} cores, the node has ${free.length} usable`);
  let next = free.length - need;
  return workers.map(w => {
    const set = free.slice(next, next + w);
    next += w;
    return set;
  });
}

/**
 * Turns a configuration into per-tenant allocations on a node with `node.cores` cores:
 * contiguous core blocks in tenant order (sorted by model), skipping reserved cores, packed
 * against the highest cores; cores left over — the lowest, where the node agent and interrupt
 * handling tend to run — stay unassigned, for the node-level resource manager's free pool
 * (DESIGN §4.5). The profiler measures on the same cores (a solo tenant on the highest n, a
 * pair from the lowest up to nA + nB), so a plan runs tenants where they were profiled.
 * Throws INVALID_ARGUMENT for an unknown model or a malformed id, PRECONDITION when the node
 * lacks the cores or memory.
 */
export function allocateTenants(
  config: ServerConfig | string,
  node: { cores: number; memoryBytes: number },
  profiles: readonly ModelProfile[] | ReadonlyMap<string, ModelProfile>,
  options: AllocationOptions = {},
): TenantAllocation[] {
  const tenants =
    typeof config === 'string'
      ? parseConfigId(config)
      : config.tenants.map(t => ({ model: t.model, workers: t.workers }));
  const byModel =
    profiles instanceof Map ? profiles : new Map((profiles as readonly ModelProfile[]).map(p => [p.model, p]));
  const headroom = options.memoryHeadroom ?? MEMORY_HEADROOM;
  if (!(headroom >= 1)) throw invalidArgument('memoryHeadroom', `must be ≥ 1, got ${headroom}`);
  const needs = tenants.map(t => {
    const p = byModel.get(t.model);
    if (!p) throw invalidArgument('config', `no profile for ${t.model}`);
    if (!Number.isInteger(t.workers) || t.workers < 1)
      throw invalidArgument('config', `${t.model} needs ≥ 1 worker, got ${t.workers}`);
    return { p, need: Math.ceil(tenantMemoryBytes(p, t.workers)) };
  });
  const usable = node.memoryBytes - (options.reservedMemoryBytes ?? 0);
  const total = needs.reduce((s, n) => s + n.need, 0);
  if (total > usable)
    throw new HeraError('PRECONDITION', `configuration needs ${total} bytes of memory, the node has ${usable} usable`);
  // Headroom, scaled down uniformly when the node cannot give all of it.
  const wanted = needs.reduce((s, n) => s + n.need * (headroom - 1), 0);
  const share = wanted > 0 ? Math.min(1, (usable - total) / wanted) : 0;
  const ordered = tenants.map((t, i) => ({ t, n: needs[i]! })).sort((x, y) => (x.t.model < y.t.model ? -1 : 1));
  const cpusets = packCpusets(
    node.cores,
    ordered.map(o => o.t.workers),
    options.reservedCores,
  );
  return ordered.map(({ t, n }, i) => {
    const cpuset = cpusets[i]!;
    return {
      model: t.model,
      workers: t.workers,
      cpuset,
      cpuMillis: t.workers * 1000,
      memoryLimitBytes: n.need + Math.floor(n.need * (headroom - 1) * share),
      subBatchSize: n.p.bestSubBatch,
    };
  });
}
