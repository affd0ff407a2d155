import { HeraError } from '@hera/errors';
import { isServiceError, STATUS_OF, statusName } from '@hera/grpc';
import {
  COUNT_BUCKETS,
  Counter,
  Gauge,
  Histogram,
  ITEM_BUCKETS,
  LATENCY_BUCKETS_SECONDS,
  memo,
  type Registry,
} from '@hera/metrics';
import type { CatalogEntry } from './catalog';
import { ModelStats } from './model-stats';

/** The query RPCs, as the `method` label names them. */
export type QueryMethod = 'Rank' | 'ModelInfer' | 'ModelStreamInfer';

/** What the hosts reported of an OK query's time (RankResult's queueUs and inferenceUs). */
export interface QueryTiming {
  queueUs: number;
  inferenceUs: number;
  /** The version that answered, when known. */
  version?: string;
}

type Child<M extends { labels(...v: string[]): unknown }> = ReturnType<M['labels']>;

/** One query in flight: call `ok` or `failed` once. */
export interface QueryObservation {
  ok(items: number, subBatches: number, timing?: QueryTiming): void;
  failed(err: unknown): void;
}

/**
 * The gateway's Prometheus instruments. Per query a handful of counter and histogram
 * updates on children cached per model entry and method (no label hashing per query).
 * A query for a model the catalog does not know counts under model="" version="", so
 * clients cannot grow the label set.
 */
export class GatewayMetrics {
  readonly requests: Counter<'method' | 'model' | 'version' | 'code'>;
  readonly latency: Histogram<'method' | 'model' | 'version'>;
  readonly items: Histogram<'method' | 'model' | 'version'>;
  readonly subBatches: Histogram<'method' | 'model' | 'version'>;
  readonly shed: Counter<'model' | 'version' | 'stage'>;
  readonly deadlines: Counter<'model' | 'version' | 'stage'>;
  readonly inFlight: Gauge<'method' | 'model' | 'version'>;
  readonly sla: Gauge<'model' | 'version'>;
  readonly #byEntry = new WeakMap<CatalogEntry, Map<QueryMethod, ModelChildren>>();
  readonly #unknown = new Map<QueryMethod, ModelChildren>();
  /** Triton's ModelStatistics, counted by the same observation as the series above. */
  readonly stats = new ModelStats();

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'hera_gateway_requests_total',
      help: 'Queries answered, by RPC, model, version and gRPC status code',
      labelNames: ['method', 'model', 'version', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'hera_gateway_request_duration_seconds',
      help: 'Latency of queries answered OK, from the call arriving at the gateway to its reply',
      labelNames: ['method', 'model', 'version'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.items = new Histogram({
      name: 'hera_gateway_query_items',
      help: 'Candidate items per query answered OK',
      labelNames: ['method', 'model', 'version'],
      buckets: [...ITEM_BUCKETS],
      registers,
    });
    this.subBatches = new Histogram({
      name: 'hera_gateway_query_sub_batches',
      help: 'Sub-batches per query answered OK',
      labelNames: ['method', 'model', 'version'],
      buckets: [...COUNT_BUCKETS],
      registers,
    });
    this.shed = new Counter({
      name: 'hera_gateway_shed_total',
      help: 'Queries answered RESOURCE_EXHAUSTED: stage="admission" refused by the gateway before sending, stage="worker" refused by a tenant host',
      labelNames: ['model', 'version', 'stage'],
      registers,
    });
    this.deadlines = new Counter({
      name: 'hera_gateway_deadline_exceeded_total',
      help: 'Queries answered DEADLINE_EXCEEDED: stage="admission" the deadline passed before the gateway could send it, stage="in_flight" after',
      labelNames: ['model', 'version', 'stage'],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'hera_gateway_in_flight_requests',
      help: 'Queries received and not yet answered',
      labelNames: ['method', 'model', 'version'],
      registers,
    });
    this.sla = new Gauge({
      name: 'hera_model_sla_seconds',
      help: "A model's p95 latency SLA (its registered record), for dashboards to draw beside the measured quantiles",
      labelNames: ['model', 'version'],
      registers,
    });
  }

  /**
   * Starts observing one query; `entry` is the model it names (undefined: unknown to the
   * catalog), `arrivedAt` when its headers came in (Date.now clock; @hera/grpc callArrival):
   * latency counts from there, as the deadline does, not from when the handler ran (a large
   * request among many arrives long after its headers).
   */
  start(method: QueryMethod, entry: CatalogEntry | undefined, arrivedAt?: number): QueryObservation {
    const c = this.#children(method, entry);
    // performance.now() for sub-millisecond resolution, moved back by the (ms) wait since arrival.
    const t0 = performance.now() - (arrivedAt === undefined ? 0 : Math.max(0, Date.now() - arrivedAt));
    c.inFlight.inc();
    return {
      ok: (items, subBatches, timing) => {
        const ms = performance.now() - t0;
        c.inFlight.dec();
        c.code('OK').inc();
        c.latency.observe(ms / 1000);
        c.items.observe(items);
        c.subBatches.observe(subBatches);
        // ModelStatistics per version: the one that answered (a model may serve several).
        if (entry)
          this.stats.record(entry.name, timing?.version || entry.version, {
            ok: true,
            durationNs: ms * 1e6,
            items,
            subBatches,
            queueUs: timing?.queueUs ?? 0,
            inferenceUs: timing?.inferenceUs ?? 0,
            at: Date.now(),
          });
      },
      failed: err => {
        if (entry)
          this.stats.record(entry.name, entry.version, {
            ok: false,
            durationNs: (performance.now() - t0) * 1e6,
            at: Date.now(),
          });
        c.inFlight.dec();
        const code = err instanceof HeraError ? err.code : 'INTERNAL';
        c.code(statusName(STATUS_OF[code] ?? STATUS_OF.INTERNAL)).inc();
        // Errors from a tenant host reach us as gRPC statuses (fromServiceError keeps the
        // ServiceError as the cause); the gateway's own refusals have none.
        const downstream = err instanceof HeraError && isServiceError(err.cause);
        if (code === 'OVERLOADED') (downstream ? c.shedWorker : c.shedAdmission).inc();
        if (code === 'DEADLINE') (downstream ? c.deadlineInFlight : c.deadlineAdmission).inc();
      },
    };
  }

  #children(method: QueryMethod, entry: CatalogEntry | undefined): ModelChildren {
    let byMethod = entry ? this.#byEntry.get(entry) : this.#unknown;
    if (!byMethod) {
      byMethod = new Map();
      this.#byEntry.set(entry!, byMethod);
      this.sla.labels({ model: entry!.name, version: entry!.version }).set(entry!.slaMs / 1000);
    }
    let c = byMethod.get(method);
    if (!c) {
      c = this.#make(method, entry?.name ?? '', entry?.version ?? '');
      byMethod.set(method, c);
    }
    return c;
  }

  #make(method: QueryMethod, model: string, version: string): ModelChildren {
    const l = { method, model, version };
    const c: ModelChildren = {
      code: memo(code => this.requests.labels({ ...l, code })),
      latency: this.latency.labels(l),
      items: this.items.labels(l),
      subBatches: this.subBatches.labels(l),
      inFlight: this.inFlight.labels(l),
      shedAdmission: this.shed.labels({ model, version, stage: 'admission' }),
      shedWorker: this.shed.labels({ model, version, stage: 'worker' }),
      deadlineAdmission: this.deadlines.labels({ model, version, stage: 'admission' }),
      deadlineInFlight: this.deadlines.labels({ model, version, stage: 'in_flight' }),
    };
    // Present from the first query on, at 0: rate() and alerts need the series before the first event.
    for (const x of [c.shedAdmission, c.shedWorker, c.deadlineAdmission, c.deadlineInFlight, c.code('OK')]) x.inc(0);
    return c;
  }
}

interface ModelChildren {
  code: (code: string) => Child<GatewayMetrics['requests']>;
  latency: Child<GatewayMetrics['latency']>;
  items: Child<GatewayMetrics['items']>;
  subBatches: Child<GatewayMetrics['subBatches']>;
  inFlight: Child<GatewayMetrics['inFlight']>;
  shedAdmission: Child<GatewayMetrics['shed']>;
  shedWorker: Child<GatewayMetrics['shed']>;
  deadlineAdmission: Child<GatewayMetrics['deadlines']>;
  deadlineInFlight: Child<GatewayMetrics['deadlines']>;
}
