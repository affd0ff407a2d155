import { HeraError, invalidArgument } from '@hera/errors';
import {
  allocateTenants,
  checkProfileEngines,
  describeBasis,
  mapConfigsToNodes,
  mergeTenants,
  overcommittedTenant,
  parseConfigId,
  validateDemand,
  type ConfigCount,
  type ConfigExplanation,
  type ModelProfile,
  type ProfileSet,
  type TenantAllocation as HeraAllocation,
} from '@hera/hera';
import type { Logger } from '@hera/logger';
import { joinVersions, recordVersions } from '@hera/model-schema';
import type {
  ExplainResponse,
  NodePlan,
  Plan,
  PredictorCheck as PredictorCheckMessage,
  StrategyResult,
  TenantAllocation,
} from '@hera/proto';
import type { Demand, DemandStore, ModelStore, NodeRecord, PlanStore } from '@hera/state';
import { MAX_PLAN_SERVERS } from './limits';
import type { ProfileSource } from './profile-source';
import type { SolveOutcome } from './solve-task';
import type { SolverThread } from './solver';

/** A demand entry as requests carry it (ModelDemand): QPS, or dedicated servers' worth. */
export interface DemandInput {
  model: string;
  qps: number;
  dedicatedUnits?: number;
}

export interface PlanRequest {
  nodeClass?: string;
  demands?: readonly Demand[];
  timeLimitMs?: number;
  /** Apply these configurations instead of solving (count 0: one per registered node of the class). */
  pinned?: readonly { config: string; count: number }[];
}

/**
 * What the Planner needs from outside, each narrowed to the calls it makes (in the service: the
 * Redis stores of @hera/state, the ProfileSource and the solver thread; in unit tests, fakes).
 */
export interface PlannerDeps {
  /** The registered nodes (live heartbeat records). */
  nodes: { live(): Promise<NodeRecord[]> };
  /** The applied plan, its version and explanation; `update` applies under the next version. */
  plans: Pick<PlanStore, 'get' | 'version' | 'explanation' | 'update'>;
  /** Profile sets per node class. */
  profiles: Pick<ProfileSource, 'classes' | 'forClass'>;
  /** The stored demand. */
  demand: Pick<DemandStore, 'get' | 'set'>;
  /** The registered models. */
  models: Pick<ModelStore, 'list'>;
  /** Runs the CPU-heavy solve (a SolverThread in the service). */
  solver: Pick<SolverThread, 'run'>;
}

export interface ComputedPlan {
  plan: Plan;
  explanation: ConfigExplanation[];
  strategies: StrategyResult[];
  predictor: PredictorCheckMessage;
}

/**
 * Turns demand, profiles and the registered nodes into a plan (the matcher from
 * @hera/hera, on the solver thread, then the mapping onto nodes and per-tenant
 * allocations), and applies plans to Redis with a version. When the cluster has fewer nodes than
 * the plan needs, the configurations left over are put on the least loaded
 * nodes anyway, marked `overcommitted`, so every demanded model is served (a
 * local one-node cluster included); Explain and status say so.
 */
export class Planner {
  readonly #plans: PlannerDeps['plans'];
  readonly #nodes: PlannerDeps['nodes'];
  private readonly source: PlannerDeps['profiles'];
  private readonly demand: PlannerDeps['demand'];
  private readonly models: PlannerDeps['models'];
  private readonly solver: PlannerDeps['solver'];

  constructor(
    deps: PlannerDeps,
    private readonly timeLimitMs: number,
    private readonly log: Logger,
  ) {
    this.#plans = deps.plans;
    this.#nodes = deps.nodes;
    this.source = deps.profiles;
    this.demand = deps.demand;
    this.models = deps.models;
    this.solver = deps.solver;
  }

  async nodes(): Promise<NodeRecord[]> {
    return this.#nodes.live();
  }

  async current(): Promise<Plan | undefined> {
    return this.#plans.get();
  }

  async currentExplanation(): Promise<ExplainResponse | undefined> {
    return this.#plans.explanation();
  }

  /**
   * The node class to plan for and its profile set (the registered nodes' majority class by
   * default). NOT_FOUND for a requested class that neither a profile set nor a registered node has.
   */
  async profileSet(requested?: string): Promise<{ nodes: NodeRecord[]; nodeClass: string; set: ProfileSet }> {
    const nodes = await this.nodes();
    const nodeClass = requested || majorityClass(nodes) || this.source.classes()[0];
    if (!nodeClass)
      throw new HeraError('PRECONDITION', 'no node class: no nodes are registered and no profile set is loaded');
    if (requested && !this.source.classes().includes(requested) && !nodes.some(n => n.nodeClass === requested)) {
      throw new HeraError(
        'NOT_FOUND',
        `node_class: unknown node class ${JSON.stringify(requested)}; known: ${[...new Set([...this.source.classes(), ...nodes.map(n => n.nodeClass)])].join(', ')}`,
      );
    }
    const sample = nodes.find(n => n.nodeClass === nodeClass);
    const set = await this.source.forClass(
      nodeClass,
      sample ? { cores: sample.cores, memoryBytes: sample.memoryBytes } : undefined,
    );
    return { nodes, nodeClass, set };
  }

  /**
   * The one check of demand, shared by SetDemand and Plan (same fields, same codes), in order:
   * every entry well-formed (`demands[i].model` non-empty and listed once, `demands[i].qps` and
   * `demands[i].dedicated_units` finite and ≥ 0, not both) — INVALID_ARGUMENT; every model
   * registered — NOT_FOUND; units turned into QPS on the class's profile (FAILED_PRECONDITION
   * without one); each QPS within validateDemand's bounds (1e12 QPS, a million dedicated servers'
   * worth); and the whole demand — these entries over `others`, the stored demand they update —
   * at most MAX_PLAN_SERVERS dedicated servers on the class. `target` is the node class's profile
   * set; without one (no class known yet) only the QPS bounds apply.
   */
  async validateDemands(
    entries: readonly DemandInput[],
    target: { nodeClass: string; set: ProfileSet } | undefined,
    others: readonly Demand[] = [],
  ): Promise<Demand[]> {
    const seen = new Set<string>();
    for (const [i, d] of entries.entries()) {
      if (!d.model) throw invalidArgument(`demands[${i}].model`, 'must not be empty');
      if (seen.has(d.model)) throw invalidArgument(`demands[${i}].model`, `${d.model} is listed twice`);
      seen.add(d.model);
      if (!Number.isFinite(d.qps) || d.qps < 0)
        throw invalidArgument(`demands[${i}].qps`, `must be a finite number ≥ 0 for ${d.model}, got ${d.qps}`);
      const units = d.dedicatedUnits ?? 0;
      if (!Number.isFinite(units) || units < 0)
        throw invalidArgument(
          `demands[${i}].dedicated_units`,
          `must be a finite number ≥ 0 for ${d.model}, got ${units}`,
        );
      if (units && d.qps) throw invalidArgument(`demands[${i}]`, 'set qps or dedicated_units, not both');
    }
    const known = new Set((await this.models.list()).map(m => m.name));
    const unknown = entries.filter(d => !known.has(d.model)).map(d => d.model);
    if (unknown.length) throw new HeraError('NOT_FOUND', `models not registered: ${unknown.join(', ')}`);

    const qpsMax = (m: string) => target?.set.models.find(p => p.model === m)?.qpsMax;
    const demands = entries.map((d, i): Demand => {
      if (!d.dedicatedUnits) return { model: d.model, qps: d.qps };
      if (!target)
        throw new HeraError(
          'PRECONDITION',
          `demands[${i}].dedicated_units: no node class to convert them on (no nodes are registered and no profile set is loaded)`,
        );
      const max = qpsMax(d.model);
      if (max === undefined)
        throw new HeraError(
          'PRECONDITION',
          `no profile of ${d.model} on node class ${target.nodeClass} to convert dedicated_units`,
        );
      return { model: d.model, qps: d.dedicatedUnits * max };
    });
    for (const [i, d] of demands.entries()) {
      try {
        validateDemand({ [d.model]: d.qps }, qpsMax);
      } catch (err) {
        // Name the request's field: demands[i].qps, with the model in the reason.
        throw invalidArgument(
          `demands[${i}].qps`,
          `${(err as Error).message.replace(/^demand\.[^:]*: /, '')} (model ${d.model})`,
        );
      }
    }
    if (target) {
      // What the plan will list: each model's dedicated servers, which Hera never exceeds.
      const whole = [...demands, ...others.filter(o => !seen.has(o.model))];
      const servers = whole
        .map(d => ({ model: d.model, n: d.qps > 0 && qpsMax(d.model) ? Math.ceil(d.qps / qpsMax(d.model)!) : 0 }))
        .filter(s => s.n > 0);
      const total = servers.reduce((s, x) => s + x.n, 0);
      if (total > MAX_PLAN_SERVERS) {
        throw invalidArgument(
          'demands',
          `the demand is ${total} dedicated servers' worth on node class ${target.nodeClass} (${servers
            .sort((a, b) => b.n - a.n)
            .slice(0, 4)
            .map(s => `${s.model} ${s.n}`)
            .join(', ')}${servers.length > 4 ? ', …' : ''}); a plan counts at most ${MAX_PLAN_SERVERS} servers`,
        );
      }
    }
    return demands;
  }

  /** SetDemand: validated as Plan validates, on the cluster's node class, then stored. */
  async setDemand(entries: readonly DemandInput[], replace: boolean): Promise<Demand[]> {
    const target = await this.profileSet().catch(() => undefined);
    const others = replace ? [] : await this.demand.get();
    const demands = await this.validateDemands(entries, target, others);
    return this.demand.set(demands, replace);
  }

  /**
   * A plan for the request (not applied). The solve runs on the solver thread; `signal` takes
   * the request out of the solver's queue when its caller goes away.
   */
  async compute(req: PlanRequest = {}, signal?: AbortSignal): Promise<ComputedPlan> {
    if (req.pinned?.length) return this.#pinned(req.pinned, req.nodeClass, signal);
    const { nodes, nodeClass, set } = await this.profileSet(req.nodeClass);
    const asked = req.demands?.length
      ? await this.validateDemands(req.demands, { nodeClass, set })
      : await this.validateDemands(await this.demand.get(), { nodeClass, set });
    if (asked.length === 0)
      throw new HeraError('PRECONDITION', 'no demand: set target QPS per model with SetDemand (hera plan demand)');
    // An unloaded model (the registry's UnloadModel) keeps its demand but is not planned.
    const unloaded = new Set((await this.models.list()).filter(m => m.unloaded).map(m => m.name));
    const demands = asked.filter(d => !unloaded.has(d.model));
    if (unloaded.size && !demands.some(d => d.qps > 0)) return this.#empty(demands, nodeClass);
    const missing = demands.filter(d => d.qps > 0 && !set.models.some(m => m.model === d.model)).map(d => d.model);
    if (missing.length)
      throw new HeraError(
        'PRECONDITION',
        `no profile on node class ${nodeClass} for: ${missing.join(', ')} (run hera profile)`,
      );
    await this.#checkEngines(
      set,
      demands.filter(d => d.qps > 0).map(d => d.model),
    );
    const demandRecord = Object.fromEntries(demands.filter(d => d.qps > 0).map(d => [d.model, d.qps]));

    const solved = await this.solver.run(
      { kind: 'solve', set, demand: demandRecord, timeLimitMs: req.timeLimitMs || this.timeLimitMs },
      signal,
    );
    const previous = await this.current();
    const plan: Plan = {
      version: previous?.version ?? 0,
      createdAtMs: Date.now(),
      nodeClass,
      nodes: this.#place(
        solved.counts,
        set,
        nodes.filter(n => n.nodeClass === nodeClass),
        previous,
      ),
      demands: demands.map(d => ({ model: d.model, qps: d.qps })),
      serversNeeded: solved.servers,
      meanEmu: solved.meanEmu,
      solver: solved.solver,
    };
    return { plan, explanation: solved.explanation, strategies: solved.strategies, predictor: solved.predictor };
  }

  /** A plan placing nothing: every demanded model is unloaded (its demand kept in the store, not in the plan). */
  async #empty(demands: readonly Demand[], nodeClass: string): Promise<ComputedPlan> {
    const previous = await this.current();
    return {
      plan: {
        version: previous?.version ?? 0,
        createdAtMs: Date.now(),
        nodeClass,
        nodes: [],
        demands: demands.map(d => ({ model: d.model, qps: d.qps })),
        serversNeeded: 0,
        meanEmu: 0,
        solver: 'none',
      },
      explanation: [],
      strategies: [],
      predictor: { splits: 0, qpsErrorMean: 0, qpsErrorMax: 0, emuErrorMean: 0, emuErrorMax: 0, rows: [] },
    };
  }

  /**
   * Computes and writes the plan with the next version, then publishes it. No new
   * version when the placement is the same as the applied one (idempotent).
   * `expectedVersion` is checked before the (costly) compute and again in the transaction.
   */
  async apply(
    req: PlanRequest & { expectedVersion?: number } = {},
    signal?: AbortSignal,
  ): Promise<{ plan: Plan; changed: boolean; computed: ComputedPlan }> {
    if (req.expectedVersion) checkExpectedVersion(req.expectedVersion, await this.#plans.version());
    const computed = await this.compute(req, signal);
    // Each tenant names the version its ModelRecord does (a rollout set it): a node left to
    // pick ('') would take the repository's newest, rolling versions by accident.
    // A record serving several versions names them all (the tenant's version field is the set).
    const versions = new Map((await this.models.list()).map(m => [m.name, joinVersions(recordVersions(m))]));
    for (const n of computed.plan.nodes ?? [])
      for (const t of n.tenants ?? []) if (!t.version && t.model) t.version = versions.get(t.model) ?? '';
    const applied = await this.#plans.update((current, version) => {
      if (req.expectedVersion) checkExpectedVersion(req.expectedVersion, version);
      if (current && samePlacement(current, computed.plan)) return undefined;
      return {
        plan: computed.plan,
        explanation: { configs: computed.explanation, strategies: computed.strategies, predictor: computed.predictor },
      };
    });
    // Unchanged only when a plan is stored: the same placement as the computed one.
    if (!applied.changed) return { plan: applied.plan!, changed: false, computed };
    const { plan } = applied;
    const entries = plan.nodes ?? [];
    this.log.info(
      {
        version: plan.version,
        servers: plan.serversNeeded,
        nodes: entries.length <= 20 ? entries.map(n => `${n.nodeId || '(unplaced)'}=${n.config}`) : entries.length,
      },
      'plan applied',
    );
    return { plan, changed: true, computed };
  }

  /**
   * A placement of exactly the given configurations (ApplyRequest.pinned), valued from the
   * profiles as the matcher values them (on the solver thread), mapped onto the nodes like a
   * solved plan; the stored demand is kept (and shown), not solved for. Counts are bounded as a
   * solved plan's servers are (MAX_PLAN_SERVERS in all).
   */
  async #pinned(
    pins: readonly { config: string; count: number }[],
    requestedClass: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ComputedPlan> {
    if (pins.length > MAX_PLAN_SERVERS)
      throw invalidArgument('pinned', `at most ${MAX_PLAN_SERVERS} entries, got ${pins.length}`);
    for (const [i, p] of pins.entries()) {
      if (!Number.isInteger(p.count) || p.count < 0 || p.count > MAX_PLAN_SERVERS)
        throw invalidArgument(`pinned[${i}].count`, `must be an integer in 0..${MAX_PLAN_SERVERS}, got ${p.count}`);
    }
    const { nodes, nodeClass, set } = await this.profileSet(requestedClass);
    const classNodes = nodes.filter(n => n.nodeClass === nodeClass);
    const counted = pins.map(p => ({ config: p.config, count: p.count || Math.max(1, classNodes.length) }));
    const total = counted.reduce((s, p) => s + p.count, 0);
    if (total > MAX_PLAN_SERVERS)
      throw invalidArgument('pinned', `${total} servers in all; a plan counts at most ${MAX_PLAN_SERVERS}`);
    // Config ids that do not parse are the solver's to refuse (INVALID_ARGUMENT naming them).
    const pinnedModels = pins.flatMap(p => {
      try {
        return parseConfigId(p.config).map(t => t.model);
      } catch {
        return [];
      }
    });
    await this.#checkEngines(set, [...new Set(pinnedModels)]);
    const solved: SolveOutcome = await this.solver.run({ kind: 'pinned', set, pins: counted }, signal);
    const previous = await this.current();
    const plan: Plan = {
      version: previous?.version ?? 0,
      createdAtMs: Date.now(),
      nodeClass,
      nodes: this.#place(solved.counts, set, classNodes, previous),
      demands: await this.demand.get(),
      serversNeeded: solved.servers,
      meanEmu: solved.meanEmu,
      solver: solved.solver,
    };
    return { plan, explanation: solved.explanation, strategies: solved.strategies, predictor: solved.predictor };
  }

  /**
   * Refuses to plan `names` from profiles of another engine than the one each is built for
   * (ModelRecord.engine; absent: tfjs): PRECONDITION naming the models, both engines and what to
   * do (`checkProfileEngines` in @hera/hera). The shipped roofline sets describe TF.js, so a
   * model built for ONNX Runtime is refused until it is profiled on it.
   */
  async #checkEngines(set: ProfileSet, names: readonly string[]): Promise<void> {
    const wanted = new Set(names);
    checkProfileEngines(
      set,
      (await this.models.list()).filter(m => wanted.has(m.name)),
    );
  }

  #place(counts: readonly ConfigCount[], set: ProfileSet, nodes: NodeRecord[], previous: Plan | undefined): NodePlan[] {
    const profiles = new Map<string, ModelProfile>(set.models.map(m => [m.model, m]));
    const prev = Object.fromEntries(
      (previous?.nodes ?? []).filter(n => n.nodeId && !n.overcommitted).map(n => [n.nodeId, n.config]),
    );
    const mapping = mapConfigsToNodes(
      counts,
      nodes.map(n => ({
        nodeId: n.nodeId,
        nodeClass: n.nodeClass,
        cores: n.cores,
        memoryBytes: n.memoryBytes,
        labels: n.labels,
      })),
      { nodeClass: set.nodeClass.name, previous: prev },
    );
    const byNode = new Map<string, NodePlan[]>();
    // push, not a copy per entry: with thousands of servers short, copying made this quadratic.
    const add = (nodeId: string, np: NodePlan) => {
      const list = byNode.get(nodeId);
      if (list) list.push(np);
      else byNode.set(nodeId, [np]);
    };
    const nodeById = new Map(nodes.map(n => [n.nodeId, n]));
    for (const a of mapping.assignments) {
      const node = nodeById.get(a.nodeId)!;
      const tenants = allocateTenants(a.config, node, profiles).map(toProtoAllocation);
      add(a.nodeId, {
        nodeId: a.nodeId,
        config: a.config.id,
        tenants,
        emu: a.config.emu,
        predicted: a.config.predicted,
        basis: describeBasis(a.config),
        qps: qpsOf(a.config.tenants),
        overcommitted: false,
      });
    }
    // Not enough nodes: share the least loaded ones rather than leave demand unserved. Each
    // server left over goes to the node with the fewest entries (ties by id), from a heap.
    const least = new LeastLoaded(nodes.map(n => ({ node: n, load: byNode.get(n.nodeId)?.length ?? 0 })));
    for (const u of mapping.unplaced) {
      const tenants = parseConfigId(u.config.id);
      const basis = describeBasis(u.config);
      for (let i = 0; i < u.count; i++) {
        const target = least.take();
        const np: NodePlan = {
          nodeId: target?.nodeId ?? '',
          config: u.config.id,
          tenants: [],
          emu: u.config.emu,
          predicted: u.config.predicted,
          basis,
          qps: qpsOf(u.config.tenants),
          overcommitted: Boolean(target),
        };
        if (target) {
          np.tenants = tenants.map(t => {
            const p = profiles.get(t.model)!;
            const { workers, memoryLimitBytes } = overcommittedTenant(p, t.workers, target.cores);
            return {
              model: t.model,
              version: '',
              workers,
              cpuset: Array.from({ length: target.cores }, (_, c) => c),
              cpuMillis: 0,
              memoryLimitBytes,
              subBatchSize: p.bestSubBatch,
            };
          });
        }
        add(np.nodeId ?? '', np);
      }
    }
    // One tenant per model per node: merge what overcommitting put twice on a node.
    const out: NodePlan[] = [];
    for (const [nodeId, plans] of [...byNode.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const seen = new Map<string, TenantAllocation>();
      for (const np of plans) {
        const kept: TenantAllocation[] = [];
        for (const t of np.tenants ?? []) {
          const prior = seen.get(t.model!);
          if (!prior) {
            seen.set(t.model!, t);
            kept.push(t);
          } else {
            const merged = mergeTenants(
              { workers: prior.workers ?? 0, memoryLimitBytes: Number(prior.memoryLimitBytes ?? 0) },
              { workers: t.workers ?? 0, memoryLimitBytes: Number(t.memoryLimitBytes ?? 0) },
              nodeById.get(nodeId)?.cores ?? Infinity,
            );
            prior.workers = merged.workers;
            prior.cpuset = [...new Set([...(prior.cpuset ?? []), ...(t.cpuset ?? [])])].sort((x, y) => x - y);
            prior.memoryLimitBytes = merged.memoryLimitBytes;
            prior.cpuMillis = 0;
          }
        }
        out.push({ ...np, tenants: kept });
      }
    }
    return out;
  }
}

/** Nodes by (entries placed on them, node id), least first; taking one adds an entry to it. */
class LeastLoaded {
  readonly #heap: { node: NodeRecord; load: number }[];

  constructor(items: { node: NodeRecord; load: number }[]) {
    this.#heap = [];
    for (const it of items) this.#push(it);
  }

  take(): NodeRecord | undefined {
    const top = this.#heap[0];
    if (!top) return undefined;
    top.load++;
    this.#down(0);
    return top.node;
  }

  #less(a: { node: NodeRecord; load: number }, b: { node: NodeRecord; load: number }): boolean {
    return a.load - b.load < 0 || (a.load === b.load && a.node.nodeId.localeCompare(b.node.nodeId) < 0);
  }

  #push(it: { node: NodeRecord; load: number }): void {
    const h = this.#heap;
    h.push(it);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function toProtoAllocation(t: HeraAllocation): TenantAllocation {
  return {
    model: t.model,
    version: '',
    workers: t.workers,
    cpuset: t.cpuset,
    cpuMillis: t.cpuMillis,
    memoryLimitBytes: t.memoryLimitBytes,
    subBatchSize: t.subBatchSize,
  };
}

function qpsOf(tenants: readonly { model: string; qps: number }[]): Record<string, number> {
  return Object.fromEntries(tenants.map(t => [t.model, t.qps]));
}

/**
 * ApplyRequest.expected_version against the current version: behind it, someone applied
 * first (CONFLICT → ABORTED: re-read and retry); ahead of it, a version that was never applied
 * (PRECONDITION → FAILED_PRECONDITION: retrying cannot help).
 */
function checkExpectedVersion(expected: number, version: number): void {
  if (expected > version)
    throw new HeraError(
      'PRECONDITION',
      `expected_version: the plan is at version ${version}; version ${expected} was never applied`,
    );
  if (expected < version)
    throw new HeraError('CONFLICT', `plan is at version ${version}, not ${expected}; re-read and retry`);
}

function majorityClass(nodes: NodeRecord[]): string | undefined {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.nodeClass, (counts.get(n.nodeClass) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** Same nodes, tenants (with the versions they serve), allocations and demand (ignores the plan's version and timestamps). */
export function samePlacement(a: Plan, b: Plan): boolean {
  const key = (p: Plan) =>
    JSON.stringify({
      c: p.nodeClass,
      d: [...(p.demands ?? [])].map(x => [x.model, x.qps]).sort(),
      n: [...(p.nodes ?? [])]
        .map(n =>
          JSON.stringify([
            n.nodeId,
            n.config,
            Boolean(n.overcommitted),
            [...(n.tenants ?? [])]
              // The version too: a changed version set (LoadModel with another policy) is a new plan.
              .map(t => [
                t.model,
                t.version ?? '',
                t.workers,
                t.cpuset,
                t.cpuMillis,
                Number(t.memoryLimitBytes),
                t.subBatchSize,
              ])
              .sort(),
          ]),
        )
        .sort(),
    });
  return key(a) === key(b);
}
