import type { Redis } from 'ioredis';
import { HeraError, invalidArgument } from '@hera/errors';
import {
  allocateTenants,
  checkPredictor,
  describeBasis,
  explainPlan,
  explainPredictor,
  mapConfigsToNodes,
  parseConfigId,
  pinnedConfig,
  planCluster,
  searchPairs,
  tenantMemoryBytes,
  validateDemand,
  type ClusterPlan,
  type ConfigCount,
  type ConfigExplanation,
  type MilpSolver,
  type PredictorCheck,
  type ModelProfile,
  type ProfileSet,
} from '@hera/hera';
import type { Logger } from '@hera/logger';
import type { NodePlan, Plan, PredictorCheck as PredictorCheckMessage, StrategyResult, TenantAllocation } from '@hera/proto';
import { listLive, type Keyspace, type NodeRecord } from '@hera/state';
import type { Demand, DemandStore } from './demand-store';
import type { ProfileSource } from './profile-source';

export interface PlanRequest {
  nodeClass?: string;
  demands?: readonly Demand[];
  timeLimitMs?: number;
  /** Apply these configurations instead of solving (count 0: one per registered node of the class). */
  pinned?: readonly { config: string; count: number }[];
}

export interface ComputedPlan {
  plan: Plan;
  /** The solve behind the plan; absent for a pinned placement. */
  cluster?: ClusterPlan;
  explanation: ConfigExplanation[];
  strategies: StrategyResult[];
  predictor: PredictorCheckMessage;
}

/** The predictor check as hera.placement.v1.PredictorCheck. */
function predictorMessage(c: PredictorCheck): PredictorCheckMessage {
  return {
    splits: c.splits,
    qpsErrorMean: c.qpsError?.mean ?? 0,
    qpsErrorMax: c.qpsError?.max ?? 0,
    emuErrorMean: c.emuError?.mean ?? 0,
    emuErrorMax: c.emuError?.max ?? 0,
    rows: c.rows.map(r => ({
      modelA: r.a, modelB: r.b, workersA: r.workersA, workersB: r.workersB,
      predictedQpsA: r.predictedQpsA, predictedQpsB: r.predictedQpsB, measuredQpsA: r.measuredQpsA, measuredQpsB: r.measuredQpsB,
      predictedEmu: r.predictedEmu, measuredEmu: r.measuredEmu,
    })),
  };
}

/** Memory headroom over a tenant's profiled need, as allocateTenants uses. */
const MEMORY_HEADROOM = 1.25;

/**
 * Turns demand, profiles and the registered nodes into a plan (the matcher from
 * @hera/hera, then the mapping onto nodes and per-tenant allocations), and
 * applies plans to Redis with a version. When the cluster has fewer nodes than
 * the plan needs, the configurations left over are put on the least loaded
 * nodes anyway, marked `overcommitted`, so every demanded model is served (a
 * local one-node cluster included); Explain and status say so.
 */
export class Planner {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly source: ProfileSource,
    private readonly demand: DemandStore,
    private readonly solver: MilpSolver,
    private readonly timeLimitMs: number,
    private readonly log: Logger,
  ) {}

  async nodes(): Promise<NodeRecord[]> {
    return (await listLive<NodeRecord>(this.redis, this.keys.nodes(), m => this.keys.node(m))).live;
  }

  async current(): Promise<Plan | undefined> {
    const raw = await this.redis.get(this.keys.plan());
    return raw === null ? undefined : (JSON.parse(raw) as Plan);
  }

  async currentExplanation(): Promise<{ configs: ConfigExplanation[]; strategies: StrategyResult[]; predictor?: PredictorCheckMessage } | undefined> {
    const raw = await this.redis.get(this.keys.planExplanation());
    return raw === null ? undefined : JSON.parse(raw);
  }

  /** The node class to plan for and its profile set (the registered nodes' majority class by default). */
  async profileSet(requested?: string): Promise<{ nodes: NodeRecord[]; nodeClass: string; set: ProfileSet }> {
    const nodes = await this.nodes();
    const nodeClass = requested || majorityClass(nodes) || this.source.classes()[0];
    if (!nodeClass) throw new HeraError('PRECONDITION', 'no node class: no nodes are registered and no profile set is loaded');
    if (requested && !this.source.classes().includes(requested) && !nodes.some(n => n.nodeClass === requested)) {
      throw invalidArgument('node_class', `unknown node class ${JSON.stringify(requested)}; known: ${[...new Set([...this.source.classes(), ...nodes.map(n => n.nodeClass)])].join(', ')}`);
    }
    const sample = nodes.find(n => n.nodeClass === nodeClass);
    const set = await this.source.forClass(nodeClass, sample ? { cores: sample.cores, memoryBytes: sample.memoryBytes } : undefined);
    return { nodes, nodeClass, set };
  }

  /** Demands given in dedicated-server units become QPS (units × QPSmax on the node class). */
  async toQps(demands: readonly { model: string; qps: number; dedicatedUnits?: number }[]): Promise<Demand[]> {
    if (!demands.some(d => d.dedicatedUnits)) return demands.map(d => ({ model: d.model, qps: d.qps }));
    const { set, nodeClass } = await this.profileSet();
    return demands.map((d, i) => {
      if (!d.dedicatedUnits) return { model: d.model, qps: d.qps };
      if (d.qps) throw invalidArgument(`demands[${i}]`, 'set qps or dedicated_units, not both');
      if (!Number.isFinite(d.dedicatedUnits) || d.dedicatedUnits < 0) throw invalidArgument(`demands[${i}].dedicated_units`, `must be a finite number ≥ 0 for ${d.model}, got ${d.dedicatedUnits}`);
      const p = set.models.find(m => m.model === d.model);
      if (!p) throw new HeraError('PRECONDITION', `no profile of ${d.model} on node class ${nodeClass} to convert dedicated_units`);
      return { model: d.model, qps: d.dedicatedUnits * p.qpsMax };
    });
  }

  /**
   * Checks demand against its bounds (validateDemand: finite, ≥ 0, ≤ 1e12 QPS, and at most a
   * million dedicated servers' worth where the model has a profile on the cluster's class).
   * INVALID_ARGUMENT names the model.
   */
  async checkDemand(demands: readonly Demand[]): Promise<void> {
    const set = await this.profileSet().then(r => r.set, () => undefined);
    const qpsMax = (m: string) => set?.models.find(p => p.model === m)?.qpsMax;
    for (const [i, d] of demands.entries()) {
      try {
        validateDemand({ [d.model]: d.qps }, qpsMax);
      } catch (err) {
        // Name the request's field: demands[i].qps, with the model in the reason.
        throw invalidArgument(`demands[${i}].qps`, `${(err as Error).message.replace(/^demand\.[^:]*: /, '')} (model ${d.model})`);
      }
    }
  }

  async compute(req: PlanRequest = {}): Promise<ComputedPlan> {
    if (req.pinned?.length) return this.#pinned(req.pinned, req.nodeClass);
    const { nodes, nodeClass, set } = await this.profileSet(req.nodeClass);
    const demands = req.demands?.length ? await this.toQps(req.demands) : await this.demand.get();
    if (demands.length === 0) throw new HeraError('PRECONDITION', 'no demand: set target QPS per model with SetDemand (hera plan demand)');
    const missing = demands.filter(d => d.qps > 0 && !set.models.some(m => m.model === d.model)).map(d => d.model);
    if (missing.length) throw new HeraError('PRECONDITION', `no profile on node class ${nodeClass} for: ${missing.join(', ')} (run hera profile)`);
    const demandRecord = Object.fromEntries(demands.filter(d => d.qps > 0).map(d => [d.model, d.qps]));

    // Demand nothing can serve throws InfeasibleDemandError: PRECONDITION, naming the models.
    const cluster = planCluster(set, demandRecord, { solver: this.solver, timeLimitMs: req.timeLimitMs || this.timeLimitMs });
    const previous = await this.current();
    const nodePlans = this.#place(cluster.hera.counts, set, nodes.filter(n => n.nodeClass === nodeClass), previous);
    const plan: Plan = {
      version: previous?.version ?? 0,
      createdAtMs: Date.now(),
      nodeClass,
      nodes: nodePlans,
      demands: demands.map(d => ({ model: d.model, qps: d.qps })),
      serversNeeded: cluster.hera.servers,
      meanEmu: cluster.hera.meanEmu,
      solver: cluster.hera.solver,
    };
    const strategies: StrategyResult[] = cluster.strategies.map(s => ({ strategy: s.strategy, servers: s.servers, meanEmu: s.meanEmu, solveMs: s.solveMs, solver: s.solver }));
    return { plan, cluster, explanation: explainPlan(cluster), strategies, predictor: predictorMessage(explainPredictor(cluster)) };
  }

  /**
   * Computes and writes the plan with the next version, then publishes it. No new
   * version when the placement is the same as the applied one (idempotent).
   */
  async apply(req: PlanRequest & { expectedVersion?: number } = {}): Promise<{ plan: Plan; changed: boolean; computed: ComputedPlan }> {
    const computed = await this.compute(req);
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.redis.watch(this.keys.planVersion());
      const current = await this.current();
      const version = Number((await this.redis.get(this.keys.planVersion())) ?? 0);
      if (req.expectedVersion && req.expectedVersion !== version) {
        await this.redis.unwatch();
        throw new HeraError('CONFLICT', `plan is at version ${version}, not ${req.expectedVersion}; re-read and retry`);
      }
      if (current && samePlacement(current, computed.plan)) {
        await this.redis.unwatch();
        return { plan: current, changed: false, computed };
      }
      const plan: Plan = { ...computed.plan, version: version + 1 };
      const res = await this.redis
        .multi()
        .set(this.keys.plan(), JSON.stringify(plan))
        .set(this.keys.planVersion(), String(plan.version))
        .set(this.keys.planExplanation(), JSON.stringify({ configs: computed.explanation, strategies: computed.strategies, predictor: computed.predictor }))
        .publish(this.keys.planChannel(), String(plan.version))
        .exec();
      if (res) {
        this.log.info({ version: plan.version, servers: plan.serversNeeded, nodes: plan.nodes?.map(n => `${n.nodeId || '(unplaced)'}=${n.config}`) }, 'plan applied');
        return { plan, changed: true, computed };
      }
      // Someone applied between our read and write: compute against the new state.
    }
    throw new HeraError('CONFLICT', 'the plan kept changing while applying; retry');
  }

  /**
   * A placement of exactly the given configurations (ApplyRequest.pinned), valued from the
   * profiles as the matcher values them, mapped onto the nodes like a solved plan; the stored
   * demand is kept (and shown), not solved for.
   */
  async #pinned(pins: readonly { config: string; count: number }[], requestedClass?: string): Promise<ComputedPlan> {
    const { nodes, nodeClass, set } = await this.profileSet(requestedClass);
    const classNodes = nodes.filter(n => n.nodeClass === nodeClass);
    const search = searchPairs(set);
    const counts = pins.map((p, i) => {
      if (!Number.isInteger(p.count) || p.count < 0 || p.count > 1_000_000) throw invalidArgument(`pinned[${i}].count`, `must be an integer in 0..1000000, got ${p.count}`);
      const config = pinnedConfig(search, p.config, `pinned[${i}].config`);
      return { config, count: p.count || Math.max(1, classNodes.length) };
    });
    const previous = await this.current();
    const servers = counts.reduce((s, c) => s + c.count, 0);
    const plan: Plan = {
      version: previous?.version ?? 0,
      createdAtMs: Date.now(),
      nodeClass,
      nodes: this.#place(counts, set, classNodes, previous),
      demands: await this.demand.get(),
      serversNeeded: servers,
      meanEmu: servers ? counts.reduce((s, c) => s + c.count * c.config.emu, 0) / servers : 0,
      solver: 'pinned',
    };
    const explanation: ConfigExplanation[] = counts.map(({ config, count }) => ({
      config: config.id,
      count,
      emu: config.emu,
      predicted: config.predicted,
      basis: describeBasis(config),
      reason: 'pinned by the operator (ApplyRequest.pinned): placed as given, not solved for the demand',
      countReason: `×${count}: as pinned`,
      alternatives: [],
      tenants: config.tenants.map(t => ({ model: t.model, workers: t.workers, qps: t.qps, qpsMax: t.qpsMax, kind: t.kind, profileSource: t.profileSource })),
    }));
    const predictor = predictorMessage(checkPredictor({ nodeClass: search.nodeClass, models: [...search.profiles.values()], pairs: search.pairProfiles }, search.options.interference));
    return { plan, explanation, strategies: [], predictor };
  }

  #place(counts: readonly ConfigCount[], set: ProfileSet, nodes: NodeRecord[], previous: Plan | undefined): NodePlan[] {
    const profiles = new Map<string, ModelProfile>(set.models.map(m => [m.model, m]));
    const prev = Object.fromEntries((previous?.nodes ?? []).filter(n => n.nodeId && !n.overcommitted).map(n => [n.nodeId, n.config]));
    const mapping = mapConfigsToNodes(counts, nodes.map(n => ({ nodeId: n.nodeId, nodeClass: n.nodeClass, cores: n.cores, memoryBytes: n.memoryBytes, labels: n.labels })), { nodeClass: set.nodeClass.name, previous: prev });
    const byNode = new Map<string, NodePlan[]>();
    const add = (nodeId: string, np: NodePlan) => byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), np]);
    const nodeById = new Map(nodes.map(n => [n.nodeId, n]));
    for (const a of mapping.assignments) {
      const node = nodeById.get(a.nodeId)!;
      const tenants = allocateTenants(a.config, node, profiles).map(toProtoAllocation);
      add(a.nodeId, { nodeId: a.nodeId, config: a.config.id, tenants, emu: a.config.emu, predicted: a.config.predicted, basis: describeBasis(a.config), qps: qpsOf(a.config.tenants), overcommitted: false });
    }
    // Not enough nodes: share the least loaded ones rather than leave demand unserved.
    for (const u of mapping.unplaced) {
      for (let i = 0; i < u.count; i++) {
        const target = [...nodes].sort((x, y) => (byNode.get(x.nodeId)?.length ?? 0) - (byNode.get(y.nodeId)?.length ?? 0) || x.nodeId.localeCompare(y.nodeId))[0];
        const np: NodePlan = { nodeId: target?.nodeId ?? '', config: u.config.id, tenants: [], emu: u.config.emu, predicted: u.config.predicted, basis: describeBasis(u.config), qps: qpsOf(u.config.tenants), overcommitted: Boolean(target) };
        if (target) {
          np.tenants = parseConfigId(u.config.id).map(t => {
            const p = profiles.get(t.model)!;
            const workers = Math.min(t.workers, target.cores);
            return { model: t.model, version: '', workers, cpuset: Array.from({ length: target.cores }, (_, c) => c), cpuMillis: 0, memoryLimitBytes: Math.ceil(tenantMemoryBytes(p, workers) * MEMORY_HEADROOM), subBatchSize: p.bestSubBatch };
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
            prior.workers = Math.min((prior.workers ?? 0) + (t.workers ?? 0), nodeById.get(nodeId)?.cores ?? Infinity);
            prior.cpuset = [...new Set([...(prior.cpuset ?? []), ...(t.cpuset ?? [])])].sort((x, y) => x - y);
            prior.memoryLimitBytes = Math.max(Number(prior.memoryLimitBytes ?? 0), Number(t.memoryLimitBytes ?? 0));
            prior.cpuMillis = 0;
          }
        }
        out.push({ ...np, tenants: kept });
      }
    }
    return out;
  }
}

function toProtoAllocation(t: { model: string; workers: number; cpuset: number[]; cpuMillis: number; memoryLimitBytes: number; subBatchSize: number }): TenantAllocation {
  return { model: t.model, version: '', workers: t.workers, cpuset: t.cpuset, cpuMillis: t.cpuMillis, memoryLimitBytes: t.memoryLimitBytes, subBatchSize: t.subBatchSize };
}

function qpsOf(tenants: readonly { model: string; qps: number }[]): Record<string, number> {
  return Object.fromEntries(tenants.map(t => [t.model, t.qps]));
}

function majorityClass(nodes: NodeRecord[]): string | undefined {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.nodeClass, (counts.get(n.nodeClass) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** Same nodes, tenants, allocations and demand (ignores version and timestamps). */
export function samePlacement(a: Plan, b: Plan): boolean {
  const key = (p: Plan) =>
    JSON.stringify({
      c: p.nodeClass,
      d: [...(p.demands ?? [])].map(x => [x.model, x.qps]).sort(),
      n: [...(p.nodes ?? [])]
        .map(n => [n.nodeId, n.config, Boolean(n.overcommitted), [...(n.tenants ?? [])].map(t => [t.model, t.workers, t.cpuset, t.cpuMillis, Number(t.memoryLimitBytes), t.subBatchSize]).sort()])
        .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    });
  return key(a) === key(b);
}
