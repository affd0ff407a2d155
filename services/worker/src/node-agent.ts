import { MAX_ITEMS } from '@hera/batch';
import type { CgroupManager } from '@hera/cgroups';
import { HeraError, invalidArgument } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { readModelConfig, type ModelConfig } from '@hera/models';
import type { TenantAllocation, TenantStatus } from '@hera/proto';
import { freePort } from '@hera/procs';
import type { NodeRecord } from '@hera/state';
import { Tenant, type Allocation, type TenantOptions } from './tenant';

export interface NodeAgentOptions {
  nodeId: string;
  cores: number;
  memoryBytes: number;
  repo: string;
  bindHost: string;
  advertise: (port: number) => string;
  cgroups: CgroupManager;
  queueLimit: number;
  /** Request bytes a tenant queues at most (TENANT_QUEUE_BYTES). */
  queueBytes: number;
  /** Back-to-back scoring of each new inference thread before it takes work (TENANT_WARMUP_MS). */
  warmupMs: number;
  shedPredictedLate: boolean;
  statsWindowMs: number;
  statsIntervalMs: number;
  backend?: string;
  log: Logger;
  onChange: () => void;
  onModelReady?: (config: ModelConfig) => void;
}

/** Smallest limits we accept: below these a host cannot even start Node. */
const MIN_MEMORY_BYTES = 64 * 1024 * 1024;
const MIN_CPU_MILLIS = 10;
const MAX_WORKERS = 256;

/**
 * The tenants of this node. Allocations come from the plan (reconciled on every
 * new version) or from ApplyAllocation (profiler, resource manager); a plan
 * version takes back what it assigns, and removes plan tenants it no longer lists.
 */
export class NodeAgent {
  readonly #tenants = new Map<string, Tenant>();
  readonly #origin = new Map<string, 'plan' | 'api'>();
  readonly #configs = new Map<string, ModelConfig>();
  readonly #ports = new Map<string, number>();
  #closed = false;

  constructor(private readonly opts: NodeAgentOptions) {}

  get(model: string): Tenant | undefined {
    return this.#tenants.get(model);
  }

  tenants(): Tenant[] {
    return [...this.#tenants.values()];
  }

  /** The p95 SLA of a model this node has resolved an allocation for. */
  slaMs(model: string): number | undefined {
    return this.#configs.get(model)?.slaMs;
  }

  /** Validates an allocation against this node and the model repository and fills defaults. */
  async resolve(a: TenantAllocation | undefined | null, field = 'allocation'): Promise<Allocation> {
    if (!a) throw invalidArgument(field, 'is required');
    if (!a.model) throw invalidArgument(`${field}.model`, 'must not be empty');
    let config: ModelConfig;
    try {
      config = await readModelConfig(this.opts.repo, a.model, a.version || undefined);
    } catch (err) {
      throw new HeraError('NOT_FOUND', `model ${a.model}${a.version ? ` version ${a.version}` : ''} is not in the model repository ${this.opts.repo}`, { cause: err });
    }
    const workers = a.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
      throw invalidArgument(`${field}.workers`, `must be between 1 and ${MAX_WORKERS}, got ${workers}`);
    }
    const cpuset = [...new Set(a.cpuset ?? [])].sort((x, y) => x - y);
    const bad = cpuset.filter(c => !Number.isInteger(c) || c < 0 || c >= this.opts.cores);
    if (bad.length) throw invalidArgument(`${field}.cpuset`, `cores ${bad.join(', ')} are not on this node (it has cores 0-${this.opts.cores - 1})`);
    const cpuMillis = a.cpuMillis ?? 0;
    if (cpuMillis !== 0 && (cpuMillis < MIN_CPU_MILLIS || cpuMillis > this.opts.cores * 1000)) {
      throw invalidArgument(`${field}.cpu_millis`, `must be 0 (no quota) or between ${MIN_CPU_MILLIS} and ${this.opts.cores * 1000}, got ${cpuMillis}`);
    }
    const memoryLimitBytes = Number(a.memoryLimitBytes ?? 0);
    if (memoryLimitBytes !== 0 && memoryLimitBytes < MIN_MEMORY_BYTES) {
      throw invalidArgument(`${field}.memory_limit_bytes`, `must be 0 (no limit) or at least ${MIN_MEMORY_BYTES}, got ${memoryLimitBytes}`);
    }
    const subBatchSize = a.subBatchSize ?? 0;
    if (!Number.isInteger(subBatchSize) || subBatchSize < 0 || subBatchSize > MAX_ITEMS) {
      throw invalidArgument(`${field}.sub_batch_size`, `must be 0 (the model's default) or between 1 and ${MAX_ITEMS}, got ${subBatchSize}`);
    }
    this.#configs.set(config.name, config);
    return {
      model: config.name,
      version: config.version,
      workers,
      cpuset,
      cpuMillis,
      memoryLimitBytes,
      subBatchSize: subBatchSize || config.subBatchSize,
    };
  }

  /**
   * Creates or changes a tenant; waits (up to `waitMs`) until it serves.
   * Idempotent: the same allocation again changes nothing.
   */
  async apply(alloc: Allocation, origin: 'plan' | 'api', waitMs: number): Promise<{ tenant: Tenant; changed: boolean }> {
    if (this.#closed) throw new HeraError('UNAVAILABLE', 'node agent is shutting down');
    const others = [...this.#tenants.values()].filter(t => t.allocation.model !== alloc.model);
    const reserved = others.reduce((s, t) => s + t.allocation.memoryLimitBytes, 0) + alloc.memoryLimitBytes;
    if (reserved > this.opts.memoryBytes) {
      throw new HeraError('PRECONDITION', `memory limits would total ${reserved} bytes, more than the node's ${this.opts.memoryBytes}`);
    }
    this.#origin.set(alloc.model, origin);
    let tenant = this.#tenants.get(alloc.model);
    let changed = true;
    if (tenant) {
      changed = tenant.apply(alloc);
    } else {
      const port = this.#ports.get(alloc.model) ?? (await freePort());
      this.#ports.set(alloc.model, port); // a restarted host keeps its endpoint
      tenant = Tenant.create(alloc, this.#tenantOptions(alloc.model, port));
      this.#tenants.set(alloc.model, tenant);
      this.opts.onChange();
    }
    if (waitMs > 0) await tenant.whenServing(waitMs);
    return { tenant, changed };
  }

  async remove(model: string, graceMs: number): Promise<boolean> {
    const t = this.#tenants.get(model);
    if (!t) return false;
    this.#tenants.delete(model);
    this.#origin.delete(model);
    await t.stop(graceMs);
    this.opts.onChange();
    return true;
  }

  /** Makes the plan's tenants for this node run; removes plan tenants it dropped. */
  async reconcile(planned: readonly TenantAllocation[], graceMs: number): Promise<void> {
    const wanted = new Set<string>();
    for (const [i, a] of planned.entries()) {
      try {
        const alloc = await this.resolve(a, `plan.tenants[${i}]`);
        wanted.add(alloc.model);
        await this.apply(alloc, 'plan', 0);
      } catch (err) {
        this.opts.log.error({ err, model: a.model }, 'cannot run planned tenant');
      }
    }
    for (const [model, origin] of [...this.#origin]) {
      if (origin === 'plan' && !wanted.has(model)) await this.remove(model, graceMs);
    }
  }

  status(): TenantStatus[] {
    return this.tenants().map(t => toTenantStatus(t));
  }

  /** The tenants part of this node's Redis record (what gateways route by). */
  record(): NodeRecord['tenants'] {
    return Object.fromEntries(this.tenants().map(t => [t.allocation.model, { endpoint: t.endpoint, workers: t.allocation.workers, state: t.state, subBatchSize: t.allocation.subBatchSize }]));
  }

  async shutdown(graceMs: number): Promise<void> {
    this.#closed = true;
    await Promise.all(this.tenants().map(t => t.stop(graceMs)));
    this.#tenants.clear();
    await this.opts.cgroups.removeAll();
  }

  #tenantOptions(model: string, port: number): TenantOptions {
    const o = this.opts;
    return {
      cgroups: o.cgroups, repo: o.repo, bindHost: o.bindHost, advertise: o.advertise, port, queueLimit: o.queueLimit, queueBytes: o.queueBytes, warmupMs: o.warmupMs, shedPredictedLate: o.shedPredictedLate,
      statsWindowMs: o.statsWindowMs, statsIntervalMs: o.statsIntervalMs, ...(o.backend ? { backend: o.backend } : {}),
      log: o.log.child({ tenant: model }),
      onChange: () => o.onChange(),
      onReady: t => {
        const c = this.#configs.get(t.allocation.model);
        if (c) o.onModelReady?.(c);
      },
    };
  }
}

export function toTenantStatus(t: Tenant): TenantStatus {
  const s = t.stats;
  const a = t.allocation;
  return {
    allocation: { model: a.model, version: a.version, workers: a.workers, cpuset: a.cpuset, cpuMillis: a.cpuMillis, memoryLimitBytes: a.memoryLimitBytes, subBatchSize: a.subBatchSize },
    state: t.state,
    latency: { p50Ms: s?.p50Ms ?? 0, p95Ms: s?.p95Ms ?? 0, p99Ms: s?.p99Ms ?? 0, count: s?.count ?? 0 },
    servedQps: s?.servedQps ?? 0,
    servedItemsPerS: s?.itemsPerS ?? 0,
    queueDepth: s?.queueDepth ?? 0,
    memoryBytes: t.cgroup.memoryUsage() || s?.rssBytes || 0,
    restarts: t.restarts,
    lastRestartCause: t.lastRestartCause,
    endpoint: t.endpoint,
    version: t.version || a.version,
    errors: s?.errors ?? {},
  };
}
