import type { Logger } from '@hera/logger';
import { PlanView, type NodeRecord, type PlanStore, type PlanSync } from '@hera/state';
import { checkHealth, InferStreamClient } from '@hera/grpc';
import { Replica, type InferStream } from './replica';

/** What the RPC path adds to a worker's compute time per item (transport, decoding, copies). */
const TRANSPORT_FACTOR = 1.25;
/** How long the health check of a host that no node record vouches for may take. */
const PROBE_TIMEOUT_MS = 1_000;
/**
 * Failed health checks in a row after which such a host is dropped: one slow answer
 * from a loaded host is no proof it is gone. One is enough while calls to it are
 * failing too (its replica is suspect).
 */
const PROBE_FAILURES_TO_DROP = 2;

type TenantRecord = NodeRecord['tenants'][string];

/** What the routing table reads (Redis in the service: PlanStore and NodeStore of @hera/state). */
export interface RoutingSources {
  /** The applied plan; undefined when none is stored. */
  plans: Pick<PlanStore, 'get'>;
  /** The live node records. */
  nodes: { live(): Promise<NodeRecord[]> };
}

/** How the table reaches tenant hosts (gRPC in the service). */
export interface HostConnector {
  /** A long-lived InferStream to the host at `endpoint`, shared by its replicas. */
  stream(endpoint: string): InferStream & { close(): void };
  /** The host's grpc.health.v1 status ("SERVING" or why not). */
  health(endpoint: string, timeoutMs: number): Promise<string>;
}

export const GRPC_HOSTS: HostConnector = {
  stream: endpoint => InferStreamClient.connect(endpoint),
  health: (endpoint, timeoutMs) => checkHealth(endpoint, '', timeoutMs),
};

/** The models a plan places on registered nodes: what the gateway must route to be ready. */
export interface PlannedModels {
  version: number;
  models: string[];
}

/**
 * model → replicas, in memory. Built from the applied plan (which tenants should
 * serve) and the node records (where each tenant listens and whether it is
 * serving); refreshed on pub/sub events and periodically, never per query.
 * Without an applied plan every serving tenant is routed to, so an ad-hoc cluster
 * (tenants set by ApplyAllocation) works too.
 *
 * Redis is not the authority on whether a replica is alive, only a messenger: the
 * table keeps the last-known plan and each node's last-known record while Redis is
 * unreachable, after it restarted without them (node records are heartbeats with a
 * TTL; a Redis that was down longer than the TTL comes back without them) and
 * while a node agent is down but its tenant hosts serve. A replica goes only on
 * evidence about it: its node's current record no longer lists it as serving, a
 * later plan no longer places it, or — when no current record vouches for it — its
 * host fails health checks (PROBE_FAILURES_TO_DROP in a row, or one while calls to
 * it fail). When Redis returns, the next refresh re-syncs from what it holds.
 */
export class RoutingTable {
  #byModel = new Map<string, Replica[]>();
  /** model → the smallest sub-batch size its replicas report; derived in refresh(), read per query. */
  #subBatch = new Map<string, number>();
  readonly #streams = new Map<string, InferStream & { close(): void }>();
  readonly #plan: PlanView;
  /** Every node's last-known record, kept while Redis has none for it; tenants proven gone are removed. */
  readonly #nodes = new Map<string, NodeRecord>();
  /** Hosts no current node record vouches for → health checks failed in a row. */
  readonly #probeFailures = new Map<string, number>();
  /** What the last refresh logged, so a lasting condition is logged once. */
  #noted = { redis: true, plan: 'same' as PlanSync, unvouched: '' };

  readonly #nodeSource: RoutingSources['nodes'];

  constructor(
    sources: RoutingSources,
    private readonly log: Logger,
    private readonly hosts: HostConnector = GRPC_HOSTS,
  ) {
    this.#plan = new PlanView(sources.plans);
    this.#nodeSource = sources.nodes;
  }

  get planVersion(): number {
    return Number(this.#plan.current?.version ?? 0);
  }

  /** The applied plan's placed models; undefined while no plan is known. */
  plannedModels(): PlannedModels | undefined {
    const plan = this.#plan.current;
    if (!plan) return undefined;
    const models = new Set(
      (plan.nodes ?? []).filter(n => n.nodeId).flatMap(n => (n.tenants ?? []).flatMap(t => (t.model ? [t.model] : []))),
    );
    return { version: this.planVersion, models: [...models].sort() };
  }

  replicas(model: string): readonly Replica[] {
    return this.#byModel.get(model) ?? [];
  }

  models(): string[] {
    return [...this.#byModel.keys()];
  }

  async refresh(): Promise<void> {
    // Nodes whose record Redis holds now: their record is their word on their tenants.
    const vouched = new Set<string>();
    try {
      const planSync = await this.#plan.sync();
      const nodes = await this.#nodeSource.live();
      for (const n of nodes) {
        this.#nodes.set(n.nodeId, n);
        vouched.add(n.nodeId);
      }
      this.#noteRedis(true, planSync);
    } catch (err) {
      this.#noteRedis(false, 'same', err);
    }
    const plan = this.#plan.current;
    const planned = plan
      ? new Set((plan.nodes ?? []).flatMap(n => (n.tenants ?? []).map(t => `${n.nodeId}/${t.model}`)))
      : undefined;
    const candidates: { node: NodeRecord; model: string; t: TenantRecord; vouched: boolean }[] = [];
    for (const node of this.#nodes.values()) {
      for (const [model, t] of Object.entries(node.tenants ?? {})) {
        if (t.state !== 'serving') continue;
        if (planned && !planned.has(`${node.nodeId}/${model}`)) continue;
        candidates.push({ node, model, t, vouched: vouched.has(node.nodeId) });
      }
    }
    const unvouched = candidates.filter(c => !c.vouched);
    this.#noteUnvouched(unvouched.map(c => `${c.node.nodeId}/${c.model}`));
    const gone = await this.#probe(new Set(unvouched.map(c => c.t.endpoint)));
    for (const c of unvouched) {
      if (!gone.has(c.t.endpoint)) continue;
      this.log.warn(
        {
          node: c.node.nodeId,
          model: c.model,
          endpoint: c.t.endpoint,
          failedChecks: this.#probeFailures.get(c.t.endpoint),
        },
        'dropping a replica: no node record vouches for it and its host fails health checks',
      );
      this.#forget(c.node.nodeId, c.model);
    }

    const old = new Map([...this.#byModel.values()].flat().map(r => [`${r.nodeId}/${r.model}@${r.endpoint}`, r]));
    const next = new Map<string, Replica[]>();
    const endpoints = new Set<string>();
    for (const { node, model, t, vouched: ok } of candidates) {
      if (!ok && gone.has(t.endpoint)) continue;
      const key = `${node.nodeId}/${model}@${t.endpoint}`;
      let r = old.get(key);
      if (r) r.workers = t.workers;
      else r = Replica.connect(node.nodeId, model, t.endpoint, t.workers, this.#stream(t.endpoint));
      r.subBatchSize = t.subBatchSize;
      r.version = t.version ?? '';
      endpoints.add(t.endpoint);
      const list = next.get(model) ?? [];
      list.push(r);
      next.set(model, list);
    }
    const dropped: (InferStream & { close(): void })[] = [];
    for (const [ep, stream] of this.#streams) {
      if (!endpoints.has(ep)) {
        dropped.push(stream);
        this.#streams.delete(ep);
      }
    }
    const subBatch = new Map<string, number>();
    for (const [model, replicas] of next) {
      const sizes = replicas.map(r => r.subBatchSize ?? 0).filter(n => n > 0);
      if (sizes.length) subBatch.set(model, Math.min(...sizes));
    }
    const before = this.#summary();
    this.#byModel = next;
    this.#subBatch = subBatch;
    // Closed once the new table is in place: a query whose call fails with the close
    // (UNAVAILABLE) retries on the replicas routed now — a rollout's new endpoint.
    for (const stream of dropped) stream.close();
    const after = this.#summary();
    if (before !== after) this.log.info({ routes: after, planVersion: this.planVersion }, 'routing table changed');
  }

  /**
   * The sub-batch size to split a model's queries into: the smallest its serving
   * hosts use (the plan sets it per tenant, from the profile), so no host has to
   * split again; undefined when no host reports one (then the model's default).
   */
  subBatchSize(model: string): number | undefined {
    return this.#subBatch.get(model);
  }

  /**
   * Power of two choices on outstanding work per worker; replicas that just
   * failed are used only when nothing else is left. `exclude` skips the replica a
   * retry is moving away from.
   */
  pick(model: string, exclude?: Replica, accept?: (r: Replica) => boolean): Replica | undefined {
    const all = this.replicas(model).filter(r => r !== exclude && (!accept || accept(r)));
    if (all.length === 0) return undefined;
    const now = Date.now();
    const healthy = all.filter(r => !r.isSuspect(now));
    const pool = healthy.length ? healthy : all;
    if (pool.length === 1) return pool[0];
    const a = pool[Math.floor(Math.random() * pool.length)]!;
    let b = pool[Math.floor(Math.random() * (pool.length - 1))]!;
    if (b === a) b = pool[pool.length - 1]!;
    return a.load() <= b.load() ? a : b;
  }

  /**
   * Expected ms until a new query of `items` (in sub-batches of `subBatch`)
   * completes, from the work outstanding on the model's replicas and their
   * measured per-item compute times (× TRANSPORT_FACTOR for what the RPC path
   * adds). Deliberately optimistic: the gateway sheds what clearly cannot make it,
   * and each worker, which sees its exact queue, sheds the rest; undefined until something was measured, or
   * while the model has no work outstanding (an idle model always gets to try, so
   * a stale estimate cannot shed forever without a new measurement to correct it).
   */
  estimateMs(model: string, items: number, subBatch: number): number | undefined {
    let rate = 0; // items per ms over all replicas
    let outstanding = 0;
    let slowest = 0;
    for (const r of this.replicas(model)) {
      if (r.msPerItem <= 0) continue;
      rate += r.workers / r.msPerItem;
      outstanding += r.outstandingItems;
      slowest = Math.max(slowest, r.msPerItem);
    }
    if (rate === 0 || outstanding === 0) return undefined;
    return TRANSPORT_FACTOR * Math.max((outstanding + items) / rate, Math.min(items, subBatch) * slowest);
  }

  close(): void {
    for (const stream of this.#streams.values()) stream.close();
    this.#streams.clear();
  }

  /**
   * Health-checks the hosts no current node record vouches for; returns those with
   * enough evidence that they are gone. A host that answers SERVING starts over.
   */
  async #probe(hosts: Set<string>): Promise<Set<string>> {
    for (const ep of this.#probeFailures.keys()) if (!hosts.has(ep)) this.#probeFailures.delete(ep);
    const gone = new Set<string>();
    if (hosts.size === 0) return gone;
    const results = await Promise.all(
      [...hosts].map(async ep => [ep, await this.hosts.health(ep, PROBE_TIMEOUT_MS)] as const),
    );
    const now = Date.now();
    for (const [ep, status] of results) {
      if (status === 'SERVING') {
        this.#probeFailures.delete(ep);
        continue;
      }
      const failures = (this.#probeFailures.get(ep) ?? 0) + 1;
      this.#probeFailures.set(ep, failures);
      const callsFailing = [...this.#byModel.values()].flat().some(r => r.endpoint === ep && r.isSuspect(now));
      if (failures >= PROBE_FAILURES_TO_DROP || callsFailing) gone.add(ep);
    }
    return gone;
  }

  /** Removes a tenant proven gone from its node's last-known record (and the node once it has none). */
  #forget(nodeId: string, model: string): void {
    const node = this.#nodes.get(nodeId);
    if (!node) return;
    const tenants = { ...node.tenants };
    delete tenants[model];
    if (Object.keys(tenants).length === 0) this.#nodes.delete(nodeId);
    else this.#nodes.set(nodeId, { ...node, tenants });
  }

  #noteRedis(ok: boolean, plan: PlanSync, err?: unknown): void {
    if (ok !== this.#noted.redis) {
      if (ok) this.log.info('Redis is back: routing re-synced from it');
      else this.log.warn({ err }, 'cannot read Redis: routing by the last-known plan and node records');
      this.#noted.redis = ok;
    }
    if (ok && plan !== this.#noted.plan) {
      const version = this.planVersion;
      if (plan === 'missing')
        this.log.warn({ planVersion: version }, 'Redis holds no plan: routing by the last-known one');
      if (plan === 'older')
        this.log.warn(
          { planVersion: version },
          'Redis holds an earlier plan (restored from an older snapshot?): routing by the later one',
        );
      this.#noted.plan = plan;
    }
  }

  #noteUnvouched(replicas: string[]): void {
    const now = replicas.sort().join(' ');
    if (now === this.#noted.unvouched) return;
    if (now)
      this.log.warn(
        { replicas: now },
        'no node record for these replicas: routing to them while their hosts answer health checks',
      );
    else if (this.#noted.unvouched) this.log.info('every routed replica has a node record again');
    this.#noted.unvouched = now;
  }

  #stream(endpoint: string): InferStream & { close(): void } {
    let stream = this.#streams.get(endpoint);
    if (!stream) {
      stream = this.hosts.stream(endpoint);
      this.#streams.set(endpoint, stream);
    }
    return stream;
  }

  #summary(): string {
    return [...this.#byModel.entries()]
      .map(([m, rs]) => `${m}:${rs.map(r => `${r.nodeId}×${r.workers}`).join('+')}`)
      .sort()
      .join(' ');
  }
}
