import { createServer, type Server } from 'node:http';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';
export type { MetricObjectWithValues, MetricValue } from 'prom-client';
export { parseExposition, type Sample } from './exposition';

/** What one registry's getMetricsAsJSON() returns: sent from tenant hosts to their agent. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * A per-process Prometheus registry with Node's default metrics, unprefixed as
 * prom-client names them (process_cpu_seconds_total, nodejs_heap_size_used_bytes…:
 * the names dashboards for Node already use), and default labels (`service`, and for
 * a tenant host its tenant, model and version). Our own series carry the `hera_` prefix.
 */
export function createRegistry(service: string, labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service, ...labels });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Latency buckets (seconds) for the query path: sub-millisecond hops up to seconds
 * of overload, with a bound at each zoo SLA (ncf 5 ms, wnd/mtwnd 25 ms, dien 35 ms,
 * rmc1/rmc3/din 100 ms, rmc2 400 ms) so SLA attainment is read off a bucket exactly.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.035, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 5,
];

/** Items per query or per sub-batch (queries have 1..1024 items, median ≈ 164). */
export const ITEM_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** Sub-batches per query (1024 items at the smallest sub-batch sizes the zoo uses). */
export const COUNT_BUCKETS: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128];

/**
 * Memoizes a metric's children per label value: on the query path a prom-client
 * `labels()` call hashes its label set each time, a Map lookup here does not.
 * Label values must come from a bounded set (status names, known models).
 */
export function memo<C>(make: (value: string) => C): (value: string) => C {
  const children = new Map<string, C>();
  return value => {
    let c = children.get(value);
    if (c === undefined) {
      c = make(value);
      children.set(value, c);
    }
    return c;
  };
}

/**
 * One registry out of several registries' JSON (a node agent's own and each of its
 * tenant hosts'), by prom-client's AggregatorRegistry.aggregate. Every series keeps
 * its labels; the processes' series differ by them (a host's carry its tenant), so
 * this is a union, never a sum: each metric is aggregated with "first", which only
 * collapses identical label sets. (The aggregators prom-client assigns would drop
 * some of Node's default metrics outright: process_start_time_seconds is "omit".)
 */
export function mergeMetrics(parts: readonly MetricsJson[]): Registry {
  const all = parts.map(metrics => metrics.map(m => ({ ...m, aggregator: 'first' as const })));
  return AggregatorRegistry.aggregate(all);
}

/** Anything that renders the exposition text: a Registry, or a merge done per scrape. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * Serves GET /metrics on `port` (0 = not at all: returns undefined). Scrapes are
 * cheap and off the query path; the endpoint binds the same host as gRPC.
 */
export async function serveMetrics(
  source: MetricsSource,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> } | undefined> {
  if (port === 0) return undefined;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      source.metrics().then(
        body => {
          res.writeHead(200, { 'content-type': source.contentType });
          res.end(body);
        },
        err => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404);
    res.end('not found; try /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}
