/**
 * The serving-efficiency ceiling that queueing alone imposes: the highest offered
 * rate a server with zero overhead could take with p95 ≤ SLA, as a fraction of its
 * back-to-back throughput. Poisson arrivals mean queries sometimes arrive together
 * and wait; with one worker and a query's own compute a sizeable part of the SLA,
 * no implementation can reach 100% (wnd on these cores: ~22 ms of compute a query
 * against a 100 ms bound). Printed next to the measured efficiency, so a reader can
 * tell overhead from arithmetic. Pure: a discrete-event simulation of the same
 * seeded query stream the benchmark offers.
 */
import { QueryStream } from '@hera/loadgen';

export interface CeilingInput {
  /** Queries per second the engine sustains back to back on all `workers` together (the in-process figure). */
  inprocessQps: number;
  slaMs: number;
  /** Inference threads, each taking the next sub-batch in FIFO order. */
  workers: number;
  subBatch: number;
  seed: number;
  /** Queries simulated per rate. */
  queries?: number;
}

/** Mean items per query of the DESIGN §4.1 stream (estimated from the seeded stream itself). */
function meanItems(seed: number, n: number): number {
  const s = new QueryStream({ rate: 1, seed });
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s.next().items;
  return sum / n;
}

/** p95 latency (ms) of `queries` queries offered at `rate` to the zero-overhead server. */
export function simulatedP95(rate: number, msPerItem: number, c: CeilingInput): number {
  const n = c.queries ?? 20_000;
  const stream = new QueryStream({ rate, seed: c.seed });
  const free = new Array<number>(c.workers).fill(0);
  const latencies = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const { at, items } = stream.next();
    let done = at;
    for (let from = 0; from < items; from += c.subBatch) {
      // FIFO: this sub-batch goes to the worker that frees up first.
      let w = 0;
      for (let i = 1; i < free.length; i++) if (free[i]! < free[w]!) w = i;
      const start = Math.max(at, free[w]!);
      free[w] = start + Math.min(c.subBatch, items - from) * msPerItem;
      done = Math.max(done, free[w]!);
    }
    latencies[q] = done - at;
  }
  latencies.sort();
  return latencies[Math.ceil(0.95 * n) - 1]!;
}

/** The ceiling: max rate with simulated p95 ≤ SLA, over `inprocessQps` (bisection to 0.5%). */
export function queueingCeiling(c: CeilingInput): number {
  // `inprocessQps` is all workers together; each one takes `workers` times as long per item.
  const msPerItem = (c.workers * 1000) / (c.inprocessQps * meanItems(c.seed, 100_000));
  let lo = 0;
  let hi = c.inprocessQps;
  while (hi - lo > 0.005 * c.inprocessQps) {
    const mid = (lo + hi) / 2;
    if (simulatedP95(mid, msPerItem, c) <= c.slaMs) lo = mid;
    else hi = mid;
  }
  return lo / c.inprocessQps;
}
