import * as grpc from '@grpc/grpc-js';
import { HeraError, quoted } from '@hera/errors';
import { fromServiceError, isServiceError } from '@hera/grpc';
import {
  checkLengths,
  checkPayloadValues,
  denseBytesPer,
  MAX_ITEMS,
  type BatchFields,
  type NamedTensor,
} from '@hera/model-schema';
import type { InferResponse__Output } from '@hera/proto';
import type { CatalogEntry } from './catalog';
import { planParts, type Part } from './plan-parts';
import { newestVersion, servesVersion, type Replica } from './replica';

export interface RankInput {
  model: string;
  version: string;
  itemCount: number;
  /**
   * Little-endian [k, dense_dim] in the model's dense datatype (FP32, FP16 or INT8) and int32
   * [k, ids_per_item], as received: sent on to the hosts unconverted.
   */
  dense: Uint8Array;
  sparse: Uint8Array;
  /** Absolute deadline (Date.now clock) the client asked for; Infinity for none. */
  clientDeadline: number;
  /** The request's own timeout field in ms; 0 = none. */
  timeoutMs: number;
  /**
   * When the call reached the server (its headers; Date.now clock; @hera/grpc
   * callArrival). The request's own timeout and the default deadline count from
   * here, not from when its last byte came in: a large request among thousands on
   * the same connections arrived seconds after its headers, and counted from then,
   * a 3 s timeout was answered up to 8.5 s after the query was sent. Absent: now.
   */
  arrivedAt?: number | undefined;
  /** The caller's request id, passed on to the hosts (their spans and logs); empty or absent for none. */
  requestId?: string;
  /** How the client's protocol names the batch's parts in error messages (Rank's items, OIP's inputs). */
  field: BatchFields;
}

export interface RankResult {
  model: CatalogEntry;
  /**
   * The version the hosts that scored the query report (the first part's, should a
   * rollout's handoff have split a query between versions); the catalog's when they
   * report none.
   */
  version: string;
  scores: Float32Array;
  queueUs: number;
  inferenceUs: number;
  subBatches: number;
}

/** A named-tensors query (a model without the ranking layout), checked by the caller (oip.ts). */
export interface TensorInput {
  model: string;
  version: string;
  rows: number;
  tensors: NamedTensor[];
  /** Outputs wanted by name; empty: every declared one. */
  outputs: string[];
  clientDeadline: number;
  timeoutMs: number;
  arrivedAt?: number | undefined;
  requestId?: string;
}

export interface TensorQueryResult {
  model: CatalogEntry;
  version: string;
  rows: number;
  outputs: NamedTensor[];
  queueUs: number;
  inferenceUs: number;
}

/** The models the Ranker may serve (ModelCatalog; in memory, never Redis per query). */
export interface ModelLookup {
  get(name: string): CatalogEntry | undefined;
}

/** Where the Ranker sends a model's sub-batches (RoutingTable; in memory, never Redis per query). */
export interface ReplicaRouter {
  replicas(model: string): readonly Replica[];
  subBatchSize(model: string): number | undefined;
  estimateMs(model: string, items: number, subBatch: number): number | undefined;
  /** `accept`: only replicas it accepts (a query naming a version: those serving it). */
  pick(model: string, exclude?: Replica, accept?: (r: Replica) => boolean): Replica | undefined;
}

export interface RankerOptions {
  maxItems: number;
  deadlineSlaMultiple: number;
  admissionControl: boolean;
  validateValues: boolean;
}

/**
 * The query path shared by Rank and ModelInfer: validate against the model's
 * schema, admit or shed, split into sub-batches, route each to a replica (power
 * of two choices; consecutive ones for the same replica go as one request), retry
 * a request once on another replica after UNAVAILABLE, and gather the scores in
 * item order. Redis is never touched here.
 */
export class Ranker {
  constructor(
    private readonly catalog: ModelLookup,
    private readonly routing: ReplicaRouter,
    private readonly opts: RankerOptions,
  ) {}

  model(name: string, version: string): CatalogEntry {
    const m = name ? this.catalog.get(name) : undefined;
    if (!m) throw new HeraError('NOT_FOUND', `model ${quoted(name)} is not registered`);
    // The registry's UnloadModel: out of service until loaded again (Triton's unload).
    if (m.unloaded)
      throw new HeraError('UNAVAILABLE', `model ${name} is unloaded (load it again: hera models load ${name})`);
    if (version && !m.served.includes(version))
      throw new HeraError(
        'NOT_FOUND',
        `model ${name} has no version ${quoted(version)} (serving ${m.served.join(', ')})`,
      );
    return m;
  }

  async rank(q: RankInput): Promise<RankResult> {
    const received = Date.now();
    const arrived = Math.min(q.arrivedAt ?? received, received);
    const m = this.model(q.model, q.version);
    if (m.tensors)
      throw new HeraError(
        'PRECONDITION',
        `model ${m.name} takes named tensors (${m.tensors.inputs.map(i => i.name).join(', ')}), not the ranking layout: use ModelInfer`,
      );
    const k = q.itemCount;
    checkLengths(
      k,
      q.dense.byteLength,
      q.sparse.byteLength,
      { denseDim: m.denseDim, denseDatatype: m.denseDatatype, idsPerItem: m.idsPerItem, maxItems: this.opts.maxItems },
      q.field,
    );

    const deadline = this.#deadline(m, q, arrived, received);
    const waited = received - arrived;
    const replicas = this.routing.replicas(m.name);
    if (replicas.length === 0) throw new HeraError('UNAVAILABLE', `no replica of model ${m.name} is up`);
    // A query naming a version goes to hosts serving it: while a changed version set rolls out,
    // hosts of the old set and of the new one serve side by side.
    const version = q.version;
    const accept = version ? (r: Replica) => servesVersion(r, version) : undefined;
    if (accept && !replicas.some(accept))
      throw new HeraError(
        'UNAVAILABLE',
        `no replica of model ${m.name} serves version ${version} yet (its hosts serve ${[...new Set(replicas.map(r => r.version))].join('; ')}): a new version set is rolling out`,
      );
    const subBatch = Math.max(1, this.routing.subBatchSize(m.name) ?? m.subBatchSize);
    if (this.opts.admissionControl) {
      const left = deadline - received;
      const est = this.routing.estimateMs(m.name, k, subBatch);
      // Even on an idle model: what the fastest replica needs for one sub-batch of it.
      const least = leastMs(replicas, Math.min(k, subBatch));
      const shed =
        est !== undefined && est > left
          ? `model ${m.name} cannot finish ${k} items in ${left} ms (estimated ${est.toFixed(1)} ms with the work queued); shed`
          : least > left
            ? `model ${m.name} cannot finish ${k} items in the ${left} ms left (${waited} ms went receiving it; a sub-batch takes ${least.toFixed(1)} ms or more); shed`
            : '';
      // The estimates come only from answered sub-batches: shedding everything on a stale one
      // (a cold host's first call said 2.5 ms an item where 0.12 was true) kept it stale
      // forever and the model answered nothing. A query goes through as a probe when no
      // replica has had a sample for ESTIMATE_STALE_MS.
      if (shed && !probe(replicas, received)) throw new HeraError('OVERLOADED', shed);
    }
    if (this.opts.validateValues) checkPayloadValues(m, { itemCount: k, dense: q.dense, sparse: q.sparse }, q.field);

    // Each sub-batch goes to a replica by least outstanding work (power of two choices,
    // counting what this query already gave each), and consecutive sub-batches bound for
    // the same replica travel as one request, which the host splits again: with one
    // replica a query is one message each way. Per message the host's main thread pays
    // ~0.1–0.2 ms of HTTP/2 and dispatch on the core its inference threads run on (din:
    // 0.33 → 0.23 ms a query measured, sending whole queries instead of 128-item parts).
    // At most MAX_ITEMS per request: what a host accepts at once.
    const plan = planParts(m.name, k, subBatch, MAX_ITEMS, () => this.routing.pick(m.name, undefined, accept));
    const scores = new Float32Array(k);
    // The first part to fail dooms the query, and we answer with that failure at once.
    // Its siblings are not cancelled: a cancel is an HTTP/2 stream reset, and a tenant host
    // sent more than 33 a second closes the connection on every call in flight (see
    // @hera/grpc deadline.ts). They finish on their own; the host skips any whose deadline
    // passed while queued, and their replies are dropped.
    const query: QueryState = { failed: false };
    const parts = plan.map(p => this.#part(m, p, q, deadline, query, accept));
    let results: InferResponse__Output[];
    try {
      results = await Promise.all(parts);
    } catch (err) {
      query.failed = true;
      throw toHera(err);
    }
    let queueUs = 0;
    let inferenceUs = 0;
    for (let i = 0; i < results.length; i++) {
      const res = results[i]!;
      const { start, end } = plan[i]!;
      const n = end - start;
      if (res.scores.byteLength !== n * 4)
        throw new HeraError('INTERNAL', `worker returned ${res.scores.byteLength} score bytes for ${n} items`);
      const view = new Float32Array(n);
      new Uint8Array(view.buffer).set(res.scores);
      scores.set(view, start);
      queueUs = Math.max(queueUs, Number(res.queueUs));
      inferenceUs = Math.max(inferenceUs, Number(res.computeUs));
    }
    return {
      model: m,
      version: results[0]?.version || m.version,
      scores,
      queueUs,
      inferenceUs,
      subBatches: Math.ceil(k / subBatch),
    };
  }

  /**
   * A named-tensors query (ModelInfer on a model without the ranking layout): the same
   * deadline and admission as rank, then the whole query to one replica (no split: at most
   * MAX_TENSOR_ROWS rows, checked by the caller), retried once on another after UNAVAILABLE.
   * Rows count as items for the estimates.
   */
  async inferTensors(q: TensorInput): Promise<TensorQueryResult> {
    const received = Date.now();
    const arrived = Math.min(q.arrivedAt ?? received, received);
    const m = this.model(q.model, q.version);
    if (!m.tensors)
      throw new HeraError('PRECONDITION', `model ${m.name} has the ranking layout: send dense and sparse`);
    const deadline = this.#deadline(m, q, arrived, received);
    const replicas = this.routing.replicas(m.name);
    if (replicas.length === 0) throw new HeraError('UNAVAILABLE', `no replica of model ${m.name} is up`);
    // As rank: a named version goes to hosts serving it; none, each host's newest.
    const asked = q.version;
    const accept = asked ? (r: Replica) => servesVersion(r, asked) : undefined;
    if (accept && !replicas.some(accept))
      throw new HeraError(
        'UNAVAILABLE',
        `no replica of model ${m.name} serves version ${asked} yet (its hosts serve ${[...new Set(replicas.map(r => r.version))].join('; ')}): a new version set is rolling out`,
      );
    if (this.opts.admissionControl) {
      const left = deadline - received;
      const est = this.routing.estimateMs(m.name, q.rows, q.rows);
      if (est !== undefined && est > left && !probe(replicas, received))
        throw new HeraError(
          'OVERLOADED',
          `model ${m.name} cannot finish ${q.rows} rows in ${left} ms (estimated ${est.toFixed(1)} ms with the work queued); shed`,
        );
    }
    let r = this.routing.pick(m.name, undefined, accept);
    const request = {
      model: m.name,
      tensors: q.tensors,
      outputs: q.outputs,
      ...(q.requestId ? { requestId: q.requestId } : {}),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!r) throw new HeraError('UNAVAILABLE', `no replica of model ${m.name} is up`);
      const on: Replica = r;
      on.outstandingItems += q.rows;
      try {
        const res = await on.stream.infer({ ...request, version: asked || newestVersion(on) }, deadline);
        on.observe(q.rows, Number(res.computeUs));
        return {
          model: m,
          version: res.version || m.version,
          rows: q.rows,
          outputs: res.outputs.map(o => ({
            name: o.name,
            datatype: o.datatype as NamedTensor['datatype'],
            shape: o.shape.map(Number),
            data: o.data,
          })),
          queueUs: Number(res.queueUs),
          inferenceUs: Number(res.computeUs),
        };
      } catch (err) {
        const retryable = isServiceError(err) && err.code === grpc.status.UNAVAILABLE;
        if (!retryable || attempt === 1 || Date.now() >= deadline) throw toHera(err);
        on.markSuspect(Date.now());
        r = this.routing.pick(m.name, on, accept);
      } finally {
        // Counted until the worker answers or the deadline passes.
        on.outstandingItems -= q.rows;
      }
    }
    throw new HeraError('INTERNAL', 'unreachable');
  }

  /**
   * A query's deadline: the client's, its timeout, or (neither given) the SLA times
   * deadlineSlaMultiple. Shed on time already waited, before any costlier check: under a
   * flood, requests come in long after they were sent, and one that cannot make it is
   * answered at once instead of being validated, sent to a host and timed out there.
   */
  #deadline(
    m: CatalogEntry,
    q: { clientDeadline: number; timeoutMs: number },
    arrived: number,
    received: number,
  ): number {
    const deadline = Math.min(
      q.clientDeadline,
      q.timeoutMs > 0 ? arrived + q.timeoutMs : Infinity,
      q.clientDeadline === Infinity && q.timeoutMs <= 0 ? arrived + m.slaMs * this.opts.deadlineSlaMultiple : Infinity,
    );
    if (received >= deadline) {
      throw new HeraError(
        'DEADLINE',
        `deadline passed ${received - deadline} ms before the gateway could start the query (${received - arrived} ms after it arrived); not sent`,
      );
    }
    return deadline;
  }

  async #part(
    m: CatalogEntry,
    part: Part<Replica>,
    q: RankInput,
    deadline: number,
    query: QueryState,
    accept: ((r: Replica) => boolean) | undefined,
  ): Promise<InferResponse__Output> {
    const { start, end } = part;
    const row = m.denseDim * denseBytesPer(m.denseDatatype);
    const items = {
      itemCount: end - start,
      dense: q.dense.subarray(start * row, end * row),
      sparse: q.sparse.subarray(start * m.idsPerItem * 4, end * m.idsPerItem * 4),
    };
    let r: Replica | undefined = part.replica;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (query.failed) throw new HeraError('CANCELLED', 'another part of this query failed');
      if (!r)
        throw new HeraError(
          'UNAVAILABLE',
          `replica on ${part.replica.nodeId} failed and no other replica of ${m.name} is up`,
        );
      try {
        return await this.#call(r, m, q.version, items, deadline, q.requestId);
      } catch (err) {
        const retryable = isServiceError(err) && err.code === grpc.status.UNAVAILABLE;
        if (!retryable || attempt === 1 || Date.now() >= deadline) throw err;
        r.markSuspect(Date.now());
        r = this.routing.pick(m.name, r, accept);
      }
    }
    throw new HeraError('INTERNAL', 'unreachable');
  }

  async #call(
    r: Replica,
    m: CatalogEntry,
    asked: string,
    items: { itemCount: number; dense: Uint8Array; sparse: Uint8Array },
    deadline: number,
    requestId: string | undefined,
  ): Promise<InferResponse__Output> {
    r.outstandingItems += items.itemCount;
    const version = asked || newestVersion(r);
    try {
      const res = await r.stream.infer(
        requestId ? { model: m.name, version, items, requestId } : { model: m.name, version, items },
        deadline,
      );
      r.observe(items.itemCount, Number(res.computeUs));
      return res;
    } finally {
      // Counted until the worker answers or the deadline passes.
      r.outstandingItems -= items.itemCount;
    }
  }
}

/**
 * The least time `items` can take on any of `replicas`: the fastest measured
 * compute time per item, nothing for transport or queueing (0 until measured), so
 * what it refuses surely could not have made it.
 */
/** How old every replica's estimate must be before a query that would be shed goes through to refresh it. */
export const ESTIMATE_STALE_MS = 1_000;

/** Whether to let one query through to refresh stale estimates (at most one per ESTIMATE_STALE_MS). */
export function probe(replicas: readonly Replica[], now: number): boolean {
  if (replicas.some(r => now - r.estimatedAt < ESTIMATE_STALE_MS)) return false;
  for (const r of replicas) r.estimatedAt = now;
  return true;
}

export function leastMs(replicas: readonly Replica[], items: number): number {
  let fastest = Infinity;
  for (const r of replicas) if (r.msPerItem > 0) fastest = Math.min(fastest, r.msPerItem);
  return Number.isFinite(fastest) ? items * fastest : 0;
}

/** Whether a query already failed (its remaining sub-batches are not sent on a retry). */
interface QueryState {
  failed: boolean;
}

function toHera(err: unknown): unknown {
  return isServiceError(err) ? fromServiceError(err) : err;
}
