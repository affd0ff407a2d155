import { joinVersions, MAX_ITEMS, splitVersions } from '@hera/model-schema';
import type { CgroupManager } from '@hera/cgroups';
import { HeraError, invalidArgument } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { type ModelConfig } from '@hera/model-schema';
import { readModelConfig } from '@hera/models';
import type { TenantAllocation, TenantStatus } from '@hera/proto';
import { freePort } from '@hera/procs';
import type { NodeRecord } from '@hera/state';
import { HostProcess } from './host-process';
import { planOvercommit } from './node-manager';
import { isSameProcess, type HostDescriptor, type StateDir } from './state-dir';
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
  /** SLAs are the models' × this (NODE_SLA_FACTOR; default 1). */
  slaFactor?: number;
  statsWindowMs: number;
  statsIntervalMs: number;
  /** The hosts' short latency window for the node manager (NODE_MANAGER_WINDOW_MS); 0: none. */
  recentWindowMs?: number;
  /** Warm standby threads for plan tenants' hosts (NODE_MANAGER_STANDBY, when the node manager is on). */
  standbyWorkers?: number;
  backend?: string;
  /** Tenant hosts' descriptors and control sockets (NODE_STATE_DIR), owned by this agent. */
  stateDir: StateDir;
  /** A host with no agent for this long drains and exits (HOST_ORPHAN_MS). */
  orphanMs: number;
  /** clusterId() of this agent: only hosts of the same cluster are adopted. */
  cluster: string;
  /** How long a host replaced by a new version serves on after the switch (TENANT_HANDOFF_MS). */
  handoffMs?: number;
  log: Logger;
  onChange: () => void;
  onModelReady?: (config: ModelConfig) => void;
  /** After each reconcile: the plan's tenants run with the plan's allocations again (the node manager resets). */
  onPlanApplied?: () => void;
}

/** Smallest limits we accept: below these a host cannot even start Node. */
const MIN_MEMORY_BYTES = 64 * 1024 * 1024;
const MIN_CPU_MILLIS = 10;
const MAX_WORKERS = 256;
/** How long adoption waits for a running host to answer on its control socket. */
const ADOPT_TIMEOUT_MS = 3_000;
/** A host told to stop at adoption (SIGTERM: it drains) that is still there this much later is killed. */
const RETIRE_KILL_MS = 10_000;

export interface AdoptionResult {
  /** Models whose running host this agent took over. */
  adopted: string[];
  /** Descriptors of hosts that were gone (removed). */
  stale: number;
  /** Running hosts not taken over (another cluster's, a duplicate, draining or not answering): told to stop. */
  retired: number;
}

/**
 * The tenants of this node. Allocations come from the plan (reconciled on every
 * new version) or from ApplyAllocation (profiler, resource manager); a plan
 * version takes back what it assigns, and removes plan tenants it no longer lists.
 */
export class NodeAgent {
  readonly #tenants = new Map<string, Tenant>();
  readonly #origin = new Map<string, 'plan' | 'api'>();
  /** Whether the applied plan fits this node (the node manager works, so standbys are worth their memory). */
  #planFits = true;
  readonly #configs = new Map<string, ModelConfig>();
  readonly #ports = new Map<string, number>();
  /** What the plan last gave each of its tenants (the node manager moves capacity around it). */
  readonly #planned = new Map<string, Allocation>();
  #reconciling = 0;
  #closed = false;
  /** Adoption runs before the server is bound: no node record until it is done. */
  #adopting = false;

  constructor(private readonly opts: NodeAgentOptions) {}

  get(model: string): Tenant | undefined {
    return this.#tenants.get(model);
  }

  tenants(): Tenant[] {
    return [...this.#tenants.values()];
  }

  /** The plan's allocation of a tenant the plan owns; undefined for ApplyAllocation tenants. */
  planned(model: string): Allocation | undefined {
    return this.#origin.get(model) === 'plan' ? this.#planned.get(model) : undefined;
  }

  /** True while a plan is being applied: the node manager keeps its hands off meanwhile. */
  get reconciling(): boolean {
    return this.#reconciling > 0;
  }

  /** The p95 SLA this node holds a model to (the model's × NODE_SLA_FACTOR), once it resolved an allocation for it. */
  slaMs(model: string): number | undefined {
    const sla = this.#configs.get(model)?.slaMs;
    return sla === undefined ? undefined : sla * (this.opts.slaFactor ?? 1);
  }

  /** Validates an allocation against this node and the model repository and fills defaults. */
  async resolve(a: TenantAllocation | undefined | null, field = 'allocation'): Promise<Allocation> {
    if (!a) throw invalidArgument(field, 'is required');
    if (!a.model) throw invalidArgument(`${field}.model`, 'must not be empty');
    let config: ModelConfig;
    // The version field may name a set ("1,2", newest last: a policy serving several): each must
    // be in the repository; the newest's config stands for the tenant (they share its inputs).
    const wanted = splitVersions(a.version ?? '');
    let version: string;
    try {
      const configs = [];
      for (const v of wanted.length ? wanted : [undefined])
        configs.push(await readModelConfig(this.opts.repo, a.model, v));
      config = configs.at(-1)!;
      version = joinVersions(configs.map(c => c.version));
    } catch (err) {
      throw new HeraError(
        'NOT_FOUND',
        `model ${a.model}${a.version ? ` version ${a.version}` : ''} is not in the model repository ${this.opts.repo}`,
        { cause: err },
      );
    }
    const workers = a.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
      throw invalidArgument(`${field}.workers`, `must be between 1 and ${MAX_WORKERS}, got ${workers}`);
    }
    const cpuset = [...new Set(a.cpuset ?? [])].sort((x, y) => x - y);
    const bad = cpuset.filter(c => !Number.isInteger(c) || c < 0 || c >= this.opts.cores);
    if (bad.length)
      throw invalidArgument(
        `${field}.cpuset`,
        `cores ${bad.join(', ')} are not on this node (it has cores 0-${this.opts.cores - 1})`,
      );
    const cpuMillis = a.cpuMillis ?? 0;
    if (cpuMillis !== 0 && (cpuMillis < MIN_CPU_MILLIS || cpuMillis > this.opts.cores * 1000)) {
      throw invalidArgument(
        `${field}.cpu_millis`,
        `must be 0 (no quota) or between ${MIN_CPU_MILLIS} and ${this.opts.cores * 1000}, got ${cpuMillis}`,
      );
    }
    const memoryLimitBytes = Number(a.memoryLimitBytes ?? 0);
    if (memoryLimitBytes !== 0 && memoryLimitBytes < MIN_MEMORY_BYTES) {
      throw invalidArgument(
        `${field}.memory_limit_bytes`,
        `must be 0 (no limit) or at least ${MIN_MEMORY_BYTES}, got ${memoryLimitBytes}`,
      );
    }
    const subBatchSize = a.subBatchSize ?? 0;
    if (!Number.isInteger(subBatchSize) || subBatchSize < 0 || subBatchSize > MAX_ITEMS) {
      throw invalidArgument(
        `${field}.sub_batch_size`,
        `must be 0 (the model's default) or between 1 and ${MAX_ITEMS}, got ${subBatchSize}`,
      );
    }
    this.#configs.set(config.name, config);
    return {
      model: config.name,
      version,
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
  async apply(
    alloc: Allocation,
    origin: 'plan' | 'api',
    waitMs: number,
  ): Promise<{ tenant: Tenant; changed: boolean }> {
    if (this.#closed) throw new HeraError('UNAVAILABLE', 'node agent is shutting down');
    const others = [...this.#tenants.values()].filter(t => t.allocation.model !== alloc.model);
    const reserved = others.reduce((s, t) => s + t.allocation.memoryLimitBytes, 0) + alloc.memoryLimitBytes;
    if (reserved > this.opts.memoryBytes) {
      throw new HeraError(
        'PRECONDITION',
        `memory limits would total ${reserved} bytes, more than the node's ${this.opts.memoryBytes}`,
      );
    }
    const prevOrigin = this.#origin.get(alloc.model);
    this.#origin.set(alloc.model, origin);
    let tenant = this.#tenants.get(alloc.model);
    let changed = true;
    if (tenant) {
      changed = tenant.apply(alloc);
      if (!changed && prevOrigin !== origin) tenant.persist();
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
    this.#planned.delete(model);
    await t.stop(graceMs);
    this.opts.onChange();
    return true;
  }

  /**
   * Makes the plan's tenants for this node run with the plan's allocations (undoing
   * what the node manager moved: placement stays the authority); removes plan tenants
   * it dropped.
   */
  async reconcile(planned: readonly TenantAllocation[], graceMs: number): Promise<void> {
    const wanted = new Set<string>();
    this.#planFits =
      planOvercommit(
        planned.map(a => ({ model: a.model ?? '', cpuset: a.cpuset ?? [], cpuMillis: Number(a.cpuMillis ?? 0) })),
        this.opts.cores,
      ) === '';
    this.#reconciling++;
    try {
      for (const [i, a] of planned.entries()) {
        try {
          const alloc = await this.resolve(a, `plan.tenants[${i}]`);
          wanted.add(alloc.model);
          this.#planned.set(alloc.model, alloc);
          await this.apply(alloc, 'plan', 0);
        } catch (err) {
          this.opts.log.error({ err, model: a.model }, 'cannot run planned tenant');
          const t = a.model ? this.#tenants.get(a.model) : undefined;
          if (t) {
            // What serves keeps serving (a version the repository cannot describe is no reason
            // to stop the one it can); the failure is reported for the rollout that asked.
            wanted.add(a.model!);
            if (a.version && a.version !== t.allocation.version) {
              t.failedVersion = a.version;
              t.rolloutError = (err as Error).message;
              this.opts.onChange();
            }
          }
        }
      }
      for (const [model, origin] of [...this.#origin]) {
        if (origin === 'plan' && !wanted.has(model)) await this.remove(model, graceMs);
      }
    } finally {
      this.#reconciling--;
    }
    this.opts.onPlanApplied?.();
  }

  /**
   * Takes over the tenant hosts a previous agent of this node left running (it was
   * killed or crashed; hosts outlive it, see README "Restarts and adoption"). For
   * each descriptor in the state directory: a host that is gone has its descriptor
   * removed; one that is the recorded process (pid and start time) and answers on
   * its control socket becomes a tenant with the same port, cgroup and allocation,
   * 'serving' at once if it serves. Call once at start, before the node record is
   * first written and the plan reconciled: the plan then finds these tenants
   * running (the same allocation is no change).
   */
  async adopt(timeoutMs = ADOPT_TIMEOUT_MS): Promise<AdoptionResult> {
    const result: AdoptionResult = { adopted: [], stale: 0, retired: 0 };
    this.#adopting = true;
    try {
      await this.#adoptAll(result, timeoutMs);
    } finally {
      this.#adopting = false;
    }
    return result;
  }

  async #adoptAll(result: AdoptionResult, timeoutMs: number): Promise<void> {
    const { stateDir, log } = this.opts;
    const { descriptors, invalid } = stateDir.list();
    for (const f of invalid) {
      log.warn({ file: f.file, reason: f.reason }, 'removing an unreadable host descriptor');
      const id = /^host-([0-9a-f]{8})\.json$/.exec(f.file)?.[1];
      if (id) stateDir.remove(id);
    }
    // Newest first: should a model have two hosts (an agent died while replacing one), the newer wins.
    for (const d of descriptors.sort((a, b) => b.startedAtMs - a.startedAtMs)) {
      const model = d.allocation.model;
      if (!isSameProcess(d.pid, d.startTime)) {
        stateDir.remove(d.id);
        result.stale++;
        continue;
      }
      const foreign =
        d.cluster !== this.opts.cluster
          ? 'it belongs to another cluster (Redis URL or key prefix)'
          : this.#tenants.has(model)
            ? `a newer host of ${model} was adopted`
            : '';
      if (foreign) {
        this.#retire(d, foreign);
        result.retired++;
        continue;
      }
      let host: HostProcess;
      try {
        host = await HostProcess.adopt(d, log.child({ tenant: model }), timeoutMs);
      } catch (err) {
        this.#retire(d, `it does not answer on its control socket: ${(err as Error).message}`);
        result.retired++;
        continue;
      }
      if (host.hello?.draining) {
        // On its way out (drain or orphan timeout): it exits and removes its files by itself.
        log.info({ model, pid: d.pid }, 'not adopting a draining tenant host');
        host.release();
        result.retired++;
        continue;
      }
      try {
        this.#configs.set(
          model,
          await readModelConfig(this.opts.repo, model, splitVersions(d.allocation.version).at(-1)),
        );
      } catch (err) {
        log.warn({ err, model }, 'adopting a tenant whose model is not in the repository any more');
      }
      this.#origin.set(model, d.origin);
      this.#ports.set(model, d.port);
      const tenant = Tenant.adopt(d, host, this.#tenantOptions(model, d.port));
      this.#tenants.set(model, tenant);
      result.adopted.push(model);
      log.info(
        { model, pid: d.pid, endpoint: tenant.endpoint, state: tenant.state, origin: d.origin },
        'adopted a running tenant host',
      );
    }
  }

  /**
   * A running host we will not supervise: SIGTERM drains it (the host stops as on
   * `drain`); SIGKILL if it is still there RETIRE_KILL_MS later (hung).
   */
  #retire(d: HostDescriptor, why: string): void {
    this.opts.log.warn(
      { model: d.allocation.model, pid: d.pid, why },
      'stopping a tenant host left by a previous agent',
    );
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (isSameProcess(d.pid, d.startTime)) process.kill(d.pid, sig);
      } catch {
        /* gone meanwhile */
      }
    };
    signal('SIGTERM');
    setTimeout(() => signal('SIGKILL'), RETIRE_KILL_MS).unref();
    this.opts.stateDir.remove(d.id);
  }

  status(): TenantStatus[] {
    return this.tenants().map(t => toTenantStatus(t, this.planned(t.allocation.model)));
  }

  /** The tenants part of this node's Redis record (what gateways route by). */
  record(): NodeRecord['tenants'] {
    return Object.fromEntries(
      this.tenants().map(t => [
        t.allocation.model,
        {
          endpoint: t.endpoint,
          workers: t.allocation.workers,
          state: t.state,
          subBatchSize: t.allocation.subBatchSize,
          // Which version answers at `endpoint`, and how a rollout stands (read by placement's rollout jobs).
          version: t.version || t.allocation.version,
          ...(t.pendingVersion ? { pendingVersion: t.pendingVersion } : {}),
          ...(t.retiring ? { retiring: t.retiring } : {}),
          ...(t.failedVersion ? { failedVersion: t.failedVersion, rolloutError: t.rolloutError } : {}),
        },
      ]),
    );
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
      cgroups: o.cgroups,
      repo: o.repo,
      bindHost: o.bindHost,
      advertise: o.advertise,
      port,
      queueLimit: o.queueLimit,
      queueBytes: o.queueBytes,
      warmupMs: o.warmupMs,
      shedPredictedLate: o.shedPredictedLate,
      statsWindowMs: o.statsWindowMs,
      statsIntervalMs: o.statsIntervalMs,
      ...(o.recentWindowMs ? { recentWindowMs: o.recentWindowMs } : {}),
      ...(o.backend ? { backend: o.backend } : {}),
      // None while the plan overcommits the node (`hera up` on one machine): the manager holds then.
      ...(o.standbyWorkers ? { standbyWorkers: () => (this.#planFits ? o.standbyWorkers! : 0) } : {}),
      stateDir: o.stateDir,
      orphanMs: o.orphanMs,
      cluster: o.cluster,
      newPort: () => freePort(),
      ...(o.handoffMs !== undefined ? { handoffMs: o.handoffMs } : {}),
      origin: () => this.#origin.get(model) ?? 'api',
      log: o.log.child({ tenant: model }),
      onChange: t => {
        this.#ports.set(model, t.port); // a new version's host moved the tenant's endpoint
        if (!this.#adopting) o.onChange();
      },
      onReady: t => {
        const c = this.#configs.get(t.allocation.model);
        if (c) o.onModelReady?.(c);
      },
    };
  }
}

const toProtoAllocation = (a: Allocation): TenantAllocation => ({
  model: a.model,
  version: a.version,
  workers: a.workers,
  cpuset: a.cpuset,
  cpuMillis: a.cpuMillis,
  memoryLimitBytes: a.memoryLimitBytes,
  subBatchSize: a.subBatchSize,
});

/** A tenant as GetStatus reports it; `planned`: the plan's allocation, for tenants the plan owns. */
export function toTenantStatus(t: Tenant, planned?: Allocation): TenantStatus {
  const s = t.stats;
  return {
    allocation: toProtoAllocation(t.allocation),
    ...(planned ? { plannedAllocation: toProtoAllocation(planned) } : {}),
    state: t.state,
    latency: { p50Ms: s?.p50Ms ?? 0, p95Ms: s?.p95Ms ?? 0, p99Ms: s?.p99Ms ?? 0, count: s?.count ?? 0 },
    servedQps: s?.servedQps ?? 0,
    servedItemsPerS: s?.itemsPerS ?? 0,
    queueDepth: s?.queueDepth ?? 0,
    memoryBytes: t.cgroup.memoryUsage() || s?.rssBytes || 0,
    restarts: t.restarts,
    lastRestartCause: t.lastRestartCause,
    endpoint: t.endpoint,
    version: t.version || t.allocation.version,
    errors: s?.errors ?? {},
    ...(s?.recent ? { recent: { p50Ms: 0, p95Ms: s.recent.p95Ms, p99Ms: 0, count: s.recent.count } } : {}),
    backend: t.backend,
  };
}
