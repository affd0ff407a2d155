import { HeraError } from '@hera/errors';
import { STATUS_OF, statusName } from '@hera/grpc';
import {
  Counter,
  createRegistry,
  Gauge,
  Histogram,
  ITEM_BUCKETS,
  LATENCY_BUCKETS_SECONDS,
  memo,
  type MetricsJson,
  type Registry,
} from '@hera/metrics';

/** What the host's gauges read at scrape time (the tenant's WorkerPool). */
export interface PoolGauges {
  readonly queueDepth: number;
  readonly readyWorkers: number;
  readonly parkedWorkers: number;
}

type Child<M extends { labels(...v: string[]): unknown }> = ReturnType<M['labels']>;

/**
 * A tenant host's Prometheus instruments, in a registry of its own whose default
 * labels (tenant, model, version) name the tenant. The host serves no /metrics: its
 * agent asks for `json()` over the control socket and merges it into the node's
 * scrape (one target per node). Per request a counter; per sub-batch three
 * histogram observations; queue depth and workers are read only when scraped.
 */
export class HostMetrics {
  readonly registry: Registry;
  readonly #requests: Counter<'code'>;
  readonly #code: (code: string) => Child<Counter<'code'>>;
  readonly #queueWait: Histogram;
  readonly #inference: Histogram;
  readonly #subBatch: Histogram;
  readonly #shed: Counter;
  readonly #deadlines: Counter;
  readonly #inFlight: Gauge;

  constructor(labels: { tenant: string; model: string; version: string }, pool: () => PoolGauges | undefined) {
    const registry = createRegistry('worker-host', labels);
    this.registry = registry;
    const registers = [registry];
    this.#requests = new Counter({
      name: 'hera_host_requests_total',
      help: 'Infer requests (one or more sub-batches of a query) answered, by gRPC status code',
      labelNames: ['code'],
      registers,
    });
    this.#code = memo(code => this.#requests.labels({ code }));
    this.#queueWait = new Histogram({
      name: 'hera_host_queue_wait_seconds',
      help: 'Time a sub-batch waited in the tenant queue before an inference thread took it',
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.#inference = new Histogram({
      name: 'hera_host_inference_seconds',
      help: 'Inference thread time of one sub-batch',
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.#subBatch = new Histogram({
      name: 'hera_host_sub_batch_items',
      help: 'Items per sub-batch computed',
      buckets: [...ITEM_BUCKETS],
      registers,
    });
    this.#shed = new Counter({
      name: 'hera_host_shed_total',
      help: 'Requests refused RESOURCE_EXHAUSTED (queue or memory bound full, or predicted late)',
      registers,
    });
    this.#deadlines = new Counter({
      name: 'hera_host_deadline_exceeded_total',
      help: 'Requests answered DEADLINE_EXCEEDED (their deadline passed while queued; not computed)',
      registers,
    });
    this.#inFlight = new Gauge({
      name: 'hera_host_in_flight_requests',
      help: 'Requests received and not yet answered',
      registers,
    });
    new Gauge({
      name: 'hera_host_queue_depth',
      help: 'Sub-batches waiting in the tenant queue',
      registers,
      collect() {
        this.set(pool()?.queueDepth ?? 0);
      },
    });
    new Gauge({
      name: 'hera_host_workers',
      help: 'Inference threads: state="ready" take work, state="standby" are warm and given none',
      labelNames: ['state'],
      registers,
      collect() {
        const p = pool();
        this.set({ state: 'ready' }, p?.readyWorkers ?? 0);
        this.set({ state: 'standby' }, p?.parkedWorkers ?? 0);
      },
    });
  }

  /** The engine and backend serving (set once the first thread is ready). */
  engine(engine: string, backend: string): void {
    new Gauge({
      name: 'hera_host_engine_info',
      help: 'Always 1: the inference engine and backend this host runs',
      labelNames: ['engine', 'backend'],
      registers: [this.registry],
    }).set({ engine, backend }, 1);
  }

  requestStarted(): void {
    this.#inFlight.inc();
  }

  requestOk(): void {
    this.#inFlight.dec();
    this.#code('OK').inc();
  }

  requestFailed(err: unknown): void {
    this.#inFlight.dec();
    const code = err instanceof HeraError ? err.code : 'INTERNAL';
    this.#code(statusName(STATUS_OF[code] ?? STATUS_OF.INTERNAL)).inc();
    if (code === 'OVERLOADED') this.#shed.inc();
    else if (code === 'DEADLINE') this.#deadlines.inc();
  }

  /** One sub-batch computed. */
  subBatch(items: number, queueUs: number, computeUs: number): void {
    this.#subBatch.observe(items);
    this.#queueWait.observe(queueUs / 1e6);
    this.#inference.observe(computeUs / 1e6);
  }

  json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON();
  }
}
