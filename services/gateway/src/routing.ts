import type { Redis } from 'ioredis';
import type { Logger } from '@hera/logger';
import type { Plan } from '@hera/proto';
import { listLive, type Keyspace, type NodeRecord } from '@hera/state';
import { InferStreamClient } from '@hera/grpc';
import { Replica } from './replica';

/** What the RPC path adds to a worker's compute time per item (transport, decoding, copies). */
const TRANSPORT_FACTOR = 1.25;

/**
 * model → replicas, in memory. Built from the applied plan (which tenants should
 * serve) and the live node records (where each tenant listens and whether it is
 * serving); refreshed on pub/sub events and periodically, never per query.
 * Without an applied plan every serving tenant is routed to, so an ad-hoc cluster
 * (tenants set by ApplyAllocation) works too.
 */
export class RoutingTable {
  #byModel = new Map<string, Replica[]>();
  /** model → the smallest sub-batch size its replicas report; derived in refresh(), read per query. */
  #subBatch = new Map<string, number>();
  readonly #streams = new Map<string, InferStreamClient>();
  #planVersion = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly log: Logger,
  ) {}

  get planVersion(): number {
    return this.#planVersion;
  }

  replicas(model: string): readonly Replica[] {
    return this.#byModel.get(model) ?? [];
  }

  models(): string[] {
    return [...this.#byModel.keys()];
  }

  async refresh(): Promise<void> {
    let plan: Plan | undefined;
    let nodes: NodeRecord[];
    try {
      const raw = await this.redis.get(this.keys.plan());
      plan = raw ? (JSON.parse(raw) as Plan) : undefined;
      nodes = (await listLive<NodeRecord>(this.redis, this.keys.nodes(), m => this.keys.node(m))).live;
    } catch (err) {
      this.log.warn({ err }, 'cannot refresh routing; keeping the last table');
      return;
    }
    const planned = plan ? new Set((plan.nodes ?? []).flatMap(n => (n.tenants ?? []).map(t => `${n.nodeId}/${t.model}`))) : undefined;
    const old = new Map([...this.#byModel.values()].flat().map(r => [`${r.nodeId}/${r.model}@${r.endpoint}`, r]));
    const next = new Map<string, Replica[]>();
    const endpoints = new Set<string>();
    for (const n of nodes) {
      for (const [model, t] of Object.entries(n.tenants ?? {})) {
        if (t.state !== 'serving') continue;
        if (planned && !planned.has(`${n.nodeId}/${model}`)) continue;
        const key = `${n.nodeId}/${model}@${t.endpoint}`;
        let r = old.get(key);
        if (r) r.workers = t.workers;
        else r = Replica.connect(n.nodeId, model, t.endpoint, t.workers, this.#stream(t.endpoint));
        r.subBatchSize = t.subBatchSize;
        endpoints.add(t.endpoint);
        const list = next.get(model) ?? [];
        list.push(r);
        next.set(model, list);
      }
    }
    for (const [ep, stream] of this.#streams) {
      if (!endpoints.has(ep)) {
        stream.close();
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
    this.#planVersion = Number(plan?.version ?? 0);
    const after = this.#summary();
    if (before !== after) this.log.info({ routes: after, planVersion: this.#planVersion }, 'routing table changed');
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
  pick(model: string, exclude?: Replica): Replica | undefined {
    const all = this.replicas(model).filter(r => r !== exclude);
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

  #stream(endpoint: string): InferStreamClient {
    let stream = this.#streams.get(endpoint);
    if (!stream) {
      stream = InferStreamClient.connect(endpoint);
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
