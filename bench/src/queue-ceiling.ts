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
import { quantile } from '@hera/stats';

export interface CeilingInput {
  /** Queries per second the engine sustains back to back on all `workers` together (the in-process figure). */
  inprocessQps: number;
  slaMs: number;
  /** Inference threads, each taking the next sub-batch in FIFO order. */
  workers: number;
  subBatch: number;
  seed: number;
  /** Queries simulated per rate, when no `window` is given (steady state). */
  queries?: number;
  /**
   * Judge each rate the way the benchmark does: queries arriving in `warmupMs` +
   * `durationMs(rate)`, those after the warm-up counted, and both their p95 and the
   * last third's p95 must meet the SLA. A short window at a rate near capacity ends
   * before the queue has grown: what a measurement can pass is above steady state.
   */
  window?: { warmupMs: number; durationMs(rate: number): number };
}

/** Mean items per query of the DESIGN §4.1 stream (estimated from the seeded stream itself). */
function meanItems(seed: number, n: number): number {
  const s = new QueryStream({ rate: 1, seed });
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s.next().items;
  return sum / n;
}

function p95(xs: number[]): number {
  return xs.length === 0 ? 0 : quantile(xs, 0.95);
}

/**
 * p95 latency (ms) of the queries offered at `rate` to the zero-overhead server, and
 * of the last third of the measured window (equal to p95 in steady state).
 */
export function simulatedLatency(
  rate: number,
  msPerItem: number,
  c: Omit<CeilingInput, 'inprocessQps' | 'slaMs'>,
): { p95: number; lastThirdP95: number; offeredQps: number } {
  const stream = new QueryStream({ rate, seed: c.seed });
  const free = new Array<number>(c.workers).fill(0);
  const warmup = c.window?.warmupMs ?? 0;
  const end = c.window ? warmup + c.window.durationMs(rate) : Infinity;
  const tailFrom = c.window ? warmup + (2 * (end - warmup)) / 3 : Infinity;
  const n = c.window ? Infinity : (c.queries ?? 20_000);
  const all: number[] = [];
  const tail: number[] = [];
  for (let q = 0; q < n; q++) {
    const { at, items } = stream.next();
    if (at >= end) break;
    let done = at;
    for (let from = 0; from < items; from += c.subBatch) {
      // FIFO: this sub-batch goes to the worker that frees up first.
      let w = 0;
      for (let i = 1; i < free.length; i++) if (free[i]! < free[w]!) w = i;
      const start = Math.max(at, free[w]!);
      free[w] = start + Math.min(c.subBatch, items - from) * msPerItem;
      done = Math.max(done, free[w]!);
    }
    if (at < warmup) continue;
    all.push(done - at);
    if (at >= tailFrom) tail.push(done - at);
  }
  const whole = p95(all);
  // What the window really offered (a seeded stream's count in a short window is off its rate).
  const offeredQps = c.window ? (all.length * 1000) / (end - warmup) : rate;
  return { p95: whole, lastThirdP95: c.window ? p95(tail) : whole, offeredQps };
}

/**
 * The ceiling: the highest rate whose simulated p95 meets the SLA (bisection to 0.5%),
 * as offered (in the window, when one is given), over `inprocessQps`.
 */
export function queueingCeiling(c: CeilingInput): number {
  // `inprocessQps` is all workers together; each one takes `workers` times as long per item.
  const msPerItem = (c.workers * 1000) / (c.inprocessQps * meanItems(c.seed, 100_000));
  let lo = 0;
  let offered = 0;
  // A short window can pass a rate over capacity (its queue has not grown yet); steady state cannot.
  let hi = c.inprocessQps * (c.window ? 1.5 : 1);
  while (hi - lo > 0.005 * c.inprocessQps) {
    const mid = (lo + hi) / 2;
    const l = simulatedLatency(mid, msPerItem, c);
    if (l.p95 <= c.slaMs && l.lastThirdP95 <= c.slaMs) {
      lo = mid;
      offered = l.offeredQps;
    } else hi = mid;
  }
  return offered / c.inprocessQps;
}
