import {
  MEMORY_HEADROOM,
  NodeManagerPolicy,
  realizeAllocations,
  type ManagedTenant,
  type Move,
  type NodeManagerOptions,
} from '@hera/hera';
import type { Logger } from '@hera/logger';
import { Counter, Gauge, type Registry } from '@hera/metrics';
import type { NodeManagerStatus } from '@hera/proto';
import type { TenantStats } from './host/protocol';
import type { Allocation, TenantState } from './tenant';

/** What the manager needs of the agent (NodeAgent has it; tests pass a stand-in). */
export interface ManagedNode {
  tenants(): readonly { allocation: Allocation; state: TenantState; stats: TenantStats | undefined }[];
  /** The plan's allocation of a tenant the plan owns; undefined for ApplyAllocation tenants. */
  planned(model: string): Allocation | undefined;
  slaMs(model: string): number | undefined;
  /** A plan is being applied: hands off until it is done. */
  readonly reconciling: boolean;
  /** Changes a tenant in place (cgroup at once, worker count through its host); checks the node's memory. */
  apply(alloc: Allocation, origin: 'plan', waitMs: number): Promise<unknown>;
}

/** What the manager uses of a model's profile on this node class. */
export interface ProfileHint {
  kind?: 'memory-bound' | 'compute-bound';
  knee?: number;
  /** Memory each worker adds: the limit grows with the workers a move adds. */
  memoryPerWorkerBytes?: number;
}

export interface NodeManagerLoopOptions {
  node: ManagedNode;
  cores: number;
  memoryBytes: number;
  /** NODE_MANAGER=on and the cgroups to enforce moves; otherwise `state` says why not. */
  enabled: boolean;
  state: string;
  intervalMs: number;
  policy?: Partial<NodeManagerOptions>;
  /** Reads a model's profile for this node class (absent: undefined). */
  profile: (model: string) => Promise<ProfileHint | undefined>;
  /** A tenant the node cannot keep in SLA with its own resources: ask placement (SlaWatch.requestCapacity). */
  needCapacity: (model: string, p95Ms: number, slaMs: number, why: string) => void;
  /** resctrl detection, for status. */
  resctrl: string;
  log: Logger;
  metrics?: Registry;
}

/** Moves kept for status. */
const LAST_MOVES = 20;
/** A profile read is reused this long (profiles change when the profiler runs, rarely). */
const PROFILE_TTL_MS = 60_000;
const CORE_MILLIS = 1000;

/** A tenant's CPU capacity in millicores: its quota, else its cores (no cpuset: the whole node). */
export function allocationMillis(a: Pick<Allocation, 'cpuset' | 'cpuMillis'>, cores: number): number {
  const coresMillis = (a.cpuset.length || cores) * CORE_MILLIS;
  return a.cpuMillis ? Math.min(a.cpuMillis, coresMillis) : coresMillis;
}

/** Why the plan's own split does not fit `cores` (its cpusets overlap or its capacity exceeds the node), or ''. */
export function planOvercommit(
  planned: readonly Pick<Allocation, 'model' | 'cpuset' | 'cpuMillis'>[],
  cores: number,
): string {
  const total = planned.reduce((s, a) => s + allocationMillis(a, cores), 0);
  if (total > cores * CORE_MILLIS)
    return `the plan gives its tenants ${total} m, the node has ${cores * CORE_MILLIS} m`;
  const seen = new Map<number, string>();
  for (const a of planned) {
    for (const c of a.cpuset) {
      const other = seen.get(c);
      if (other !== undefined) return `the plan puts ${other} and ${a.model} on core ${c}`;
      seen.set(c, a.model);
    }
  }
  return '';
}

interface AppliedMove extends Move {
  atMs: number;
}

/**
 * The node-level resource manager's mechanism (DESIGN §4.5; the policy is
 * NodeManagerPolicy in @hera/hera). Every interval it hands the policy each plan
 * tenant's short-window p95 and capacity, and applies the moves it returns: new
 * cpusets, CFS quotas and worker counts (realizeAllocations) through the tenants'
 * cgroups and hosts — shrinking tenants first, so the node never hands out more
 * than it has at any moment, and only after checking that the result fits the
 * node's cores and memory. Worker threads are added warm and retired when idle
 * (WorkerPool.resize), so a move drops no query. Tenants set by ApplyAllocation
 * (the profiler's) are not managed; a new plan resets the node to the plan's split
 * (NodeAgent.reconcile) and the policy's memory (planApplied).
 */
export class NodeManager {
  readonly #o: NodeManagerLoopOptions;
  readonly #policy: NodeManagerPolicy;
  #timer: NodeJS.Timeout | undefined;
  #stepping = false;
  /** Why the manager holds under the current plan ('' when it works). */
  #hold = '';
  readonly #moves: AppliedMove[] = [];
  #moveCount = 0;
  #undoCount = 0;
  readonly #profiles = new Map<string, { hint: ProfileHint | undefined; atMs: number }>();
  readonly #metrics:
    { moves: Counter; undos: Counter; needCapacity: Counter; skipped: Counter; millis: Gauge } | undefined;

  constructor(o: NodeManagerLoopOptions) {
    this.#o = o;
    this.#policy = new NodeManagerPolicy(o.cores, { ...o.policy, intervalMs: o.intervalMs });
    const registers = o.metrics ? [o.metrics] : undefined;
    this.#metrics = registers && {
      moves: new Counter({
        name: 'hera_node_manager_moves_total',
        help: 'Capacity moves applied, per tenant: direction grow|shrink, kind core|quota',
        labelNames: ['model', 'direction', 'kind'],
        registers,
      }),
      undos: new Counter({
        name: 'hera_node_manager_undos_total',
        help: 'Moves undone because they did not help (by the tenant that had grown)',
        labelNames: ['model'],
        registers,
      }),
      needCapacity: new Counter({
        name: 'hera_node_manager_need_capacity_total',
        help: 'Intervals in which a tenant needed capacity the node could not give (placement asked once per plan)',
        labelNames: ['model'],
        registers,
      }),
      skipped: new Counter({
        name: 'hera_node_manager_skipped_total',
        help: 'Moves not applied: they would not fit the node, or applying failed',
        labelNames: ['reason'],
        registers,
      }),
      millis: new Gauge({
        name: 'hera_node_manager_tenant_millis',
        help: 'CPU capacity of each plan tenant in millicores, now and as planned',
        labelNames: ['model', 'allocation'],
        registers,
      }),
    };
  }

  get enabled(): boolean {
    return this.#o.enabled;
  }

  start(): void {
    if (!this.#o.enabled || this.#timer) return;
    this.#timer = setInterval(() => void this.step(), this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A new plan was applied: the tenants run the plan's split again, so judgements and cooldowns are void. */
  planApplied(): void {
    this.#policy.reset();
    this.#hold = '';
    this.#profiles.clear(); // a new plan often follows new profiles
    if (this.#o.enabled) this.#o.log.info("plan applied: the node runs the plan's split again");
  }

  /** One interval. Exposed for tests; the timer calls it. Never throws. */
  async step(now = Date.now()): Promise<Move[]> {
    if (this.#stepping) return [];
    this.#stepping = true;
    try {
      return await this.#step(now);
    } catch (err) {
      this.#o.log.error({ err }, 'node manager step failed');
      return [];
    } finally {
      this.#stepping = false;
    }
  }

  async #step(now: number): Promise<Move[]> {
    const { node, cores, log } = this.#o;
    if (node.reconciling) return [];
    const all = node.tenants();
    const managed = all.filter(t => node.planned(t.allocation.model));
    if (managed.length === 0) return [];
    // Hints first (Redis): everything after runs without yielding, so no plan can slip in between.
    const hints = new Map<string, ProfileHint | undefined>();
    for (const t of managed) hints.set(t.allocation.model, await this.#hint(t.allocation.model, now));
    if (node.reconciling) return [];
    const current = node.tenants();
    // A plan tenant that is (re)starting holds its capacity but shows nothing: wait for it.
    if (managed.some(t => t.state !== 'serving' || !current.includes(t))) return [];

    // An overcommitted plan (one node standing in for several, as `hera up` plans on one
    // machine) leaves nothing to split: the manager holds until a plan that fits.
    const hold = planOvercommit(
      managed.map(t => node.planned(t.allocation.model)!),
      cores,
    );
    if (hold !== this.#hold) {
      this.#hold = hold;
      if (hold) log.warn({ why: hold }, 'node manager holds: the plan does not fit this node');
    }
    if (hold) return [];

    const inputs: ManagedTenant[] = [];
    for (const t of managed) {
      const a = t.allocation;
      const planned = node.planned(a.model)!;
      const sla = node.slaMs(a.model);
      if (sla === undefined) return []; // unknown SLA: nothing to judge by
      const w = t.stats?.recent ?? { p95Ms: t.stats?.p95Ms ?? 0, count: t.stats?.count ?? 0 };
      const hint = hints.get(a.model);
      inputs.push({
        model: a.model,
        slaMs: sla,
        p95Ms: w.p95Ms,
        samples: w.count,
        ...(t.stats?.recent ? { longP95Ms: t.stats.p95Ms, longSamples: t.stats.count } : {}),
        millis: allocationMillis(a, cores),
        plannedMillis: allocationMillis(planned, cores),
        ...(hint?.kind ? { kind: hint.kind } : {}),
        ...(hint?.knee ? { knee: hint.knee } : {}),
      });
      this.#metrics?.millis.set({ model: a.model, allocation: 'current' }, allocationMillis(a, cores));
      this.#metrics?.millis.set({ model: a.model, allocation: 'planned' }, allocationMillis(planned, cores));
    }

    const decision = this.#policy.step(now, inputs);
    for (const n of decision.needCapacity) {
      const t = inputs.find(x => x.model === n.model)!;
      this.#metrics?.needCapacity.inc({ model: n.model });
      this.#o.needCapacity(n.model, t.p95Ms, t.slaMs, `node manager: ${n.reason}`);
    }
    if (decision.moves.length === 0) return [];

    const millis = new Map(inputs.map(t => [t.model, t.millis]));
    for (const m of decision.moves) {
      if (m.to !== 'free') millis.set(m.to, millis.get(m.to)! + m.millis);
      if (m.from !== 'free') millis.set(m.from, millis.get(m.from)! - m.millis);
    }
    const realized = realizeAllocations(
      cores,
      inputs.map(t => ({
        model: t.model,
        millis: millis.get(t.model)!,
        plannedCpuset: node.planned(t.model)!.cpuset,
        ...(t.kind ? { kind: t.kind } : {}),
        ...(t.knee ? { knee: t.knee } : {}),
      })),
    );
    const next = new Map<string, Allocation>();
    for (const r of realized) {
      const t = managed.find(x => x.allocation.model === r.model)!;
      const planned = node.planned(r.model)!;
      next.set(r.model, {
        ...t.allocation,
        cpuset: r.cpuset,
        cpuMillis: r.cpuMillis,
        workers: r.workers,
        memoryLimitBytes: this.#memoryFor(t.allocation, planned, r.workers, hints.get(r.model)),
      });
    }
    const unmanaged = all.filter(t => !next.has(t.allocation.model)).map(t => t.allocation);
    const over = this.#overcommit([...next.values(), ...unmanaged]);
    if (over) {
      log.warn(
        { moves: decision.moves, why: over },
        'node manager: not applying moves that would hand out more than the node has',
      );
      this.#metrics?.skipped.inc({ reason: 'would-overcommit' });
      return [];
    }
    // Shrink before grow: at no moment do the tenants hold more than the node has.
    const before = new Map(inputs.map(t => [t.model, t.millis]));
    const growth = (a: Allocation) => allocationMillis(a, cores) - before.get(a.model)!;
    const order = [...next.values()].sort((x, y) => growth(x) - growth(y));
    try {
      for (const a of order) await node.apply(a, 'plan', 0);
    } catch (err) {
      log.error({ err, moves: decision.moves }, 'node manager: applying moves failed');
      this.#metrics?.skipped.inc({ reason: 'apply-failed' });
      return [];
    }
    for (const m of decision.moves) this.#record(m, now, next);
    return decision.moves;
  }

  #record(m: Move, now: number, next: ReadonlyMap<string, Allocation>): void {
    this.#moves.push({ ...m, atMs: now });
    if (this.#moves.length > LAST_MOVES) this.#moves.shift();
    this.#moveCount++;
    if (m.undo) {
      this.#undoCount++;
      // The tenant that had grown gives back.
      this.#metrics?.undos.inc({ model: m.from === 'free' ? m.to : m.from });
    }
    if (m.to !== 'free') this.#metrics?.moves.inc({ model: m.to, direction: 'grow', kind: m.kind });
    if (m.from !== 'free') this.#metrics?.moves.inc({ model: m.from, direction: 'shrink', kind: m.kind });
    const show = (model: string) => {
      const a = next.get(model);
      return a && { cpuset: a.cpuset, cpuMillis: a.cpuMillis, workers: a.workers };
    };
    this.#o.log.info(
      {
        to: m.to,
        from: m.from,
        millis: m.millis,
        kind: m.kind,
        undo: m.undo,
        now: { [m.to]: show(m.to), [m.from]: show(m.from) },
      },
      `node manager move: ${m.reason}`,
    );
  }

  /**
   * The memory limit for `workers` workers: the plan's, plus the profile's per-worker
   * figure (with placement's headroom) for each worker beyond the plan's — a thread
   * added without room would push the host into the OOM killer. Without a profile,
   * the plan's limit per planned worker. Never lowered by a move: threads leave only
   * once idle, and a cgroup v1 limit below usage fails (EBUSY); a new plan resets it.
   */
  #memoryFor(current: Allocation, planned: Allocation, workers: number, hint: ProfileHint | undefined): number {
    if (!planned.memoryLimitBytes) return current.memoryLimitBytes;
    const extra = Math.max(0, workers - planned.workers);
    const perWorker = hint?.memoryPerWorkerBytes
      ? hint.memoryPerWorkerBytes * MEMORY_HEADROOM
      : planned.memoryLimitBytes / Math.max(1, planned.workers);
    return Math.max(current.memoryLimitBytes, Math.ceil(planned.memoryLimitBytes + extra * perWorker));
  }

  /** Why these allocations would not fit the node (cores out of range, CPU or memory over), or ''. */
  #overcommit(allocs: readonly Allocation[]): string {
    const { cores, memoryBytes } = this.#o;
    const bad = allocs.flatMap(a =>
      a.cpuset.filter(c => !Number.isInteger(c) || c < 0 || c >= cores).map(c => `${a.model}: core ${c}`),
    );
    if (bad.length) return `cores not on this node: ${bad.join(', ')}`;
    const cpu = allocs.reduce((s, a) => s + allocationMillis(a, cores), 0);
    if (cpu > cores * CORE_MILLIS) return `tenants would hold ${cpu} m of CPU, the node has ${cores * CORE_MILLIS} m`;
    const mem = allocs.reduce((s, a) => s + a.memoryLimitBytes, 0);
    if (mem > memoryBytes) return `memory limits would total ${mem} bytes, the node has ${memoryBytes}`;
    return '';
  }

  async #hint(model: string, now: number): Promise<ProfileHint | undefined> {
    const cached = this.#profiles.get(model);
    if (cached && now - cached.atMs < PROFILE_TTL_MS) return cached.hint;
    let hint: ProfileHint | undefined;
    try {
      hint = await this.#o.profile(model);
    } catch (err) {
      this.#o.log.warn({ err, model }, 'node manager: cannot read the profile; managing without kind and knee');
      hint = cached?.hint;
    }
    this.#profiles.set(model, { hint, atMs: now });
    return hint;
  }

  status(): NodeManagerStatus {
    return {
      enabled: this.#o.enabled,
      state: this.#o.enabled && this.#hold ? `${this.#o.state}, holding: ${this.#hold}` : this.#o.state,
      intervalMs: this.#o.intervalMs,
      resctrl: this.#o.resctrl,
      lastMoves: this.#moves.map(m => ({
        atMs: m.atMs,
        to: m.to,
        from: m.from,
        millis: m.millis,
        kind: m.kind,
        reason: m.reason,
        undo: m.undo,
      })),
      moves: this.#moveCount,
      undos: this.#undoCount,
    };
  }
}
