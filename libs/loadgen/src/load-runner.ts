import * as hdr from 'hdr-histogram-js';
import { statusName } from '@hera/grpc';
import { QueryStream, type QueryStreamOptions } from './query-stream';

/** Sends one query of `items` items; rejects with an error carrying a gRPC-style `code` name on failure. */
export type SendQuery = (items: number, deadline: number) => Promise<void>;

export interface LoadOptions extends QueryStreamOptions {
  durationMs: number;
  /** Queries arriving in this first part are sent but not measured. */
  warmupMs?: number;
  /** Per-query deadline in ms. */
  timeoutMs: number;
  /** The model's SLA, for reporting (p95 ≤ SLA?). */
  slaMs?: number;
  /** Fraction of failed queries a run may have and still meet the SLA (default 1%). */
  errorBudget?: number;
  /** Called about every `progressMs` with the running figures. */
  onProgress?: (p: LoadProgress) => void;
  progressMs?: number;
  /**
   * Open loop by default; this caps queries in flight so a dead target cannot
   * exhaust memory. Queries over the cap count as `CLIENT_OVERLOAD` errors.
   */
  maxInFlight?: number;
  /** Stops sending (queries in flight still finish and count) — for background load of unknown length. */
  signal?: AbortSignal;
}

export interface LoadProgress {
  elapsedMs: number;
  offeredQps: number;
  servedQps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: Record<string, number>;
  inFlight: number;
}

export interface LoadSummary {
  offeredQps: number;
  /** Successful queries per second over the measured window. */
  servedQps: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  items: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** p95 of the queries that arrived in the last third of the window: grows when a queue builds. */
  lastThirdP95Ms: number;
  /**
   * How late this client sent its measured queries (p95 and max, ms after their scheduled
   * arrival). Large values mean the client, not the target, could not keep up: its
   * latencies then say little about the target.
   */
  sendLagP95Ms: number;
  sendLagMaxMs: number;
  slaMs?: number;
  meetsSla?: boolean;
  /** With slaMs: measured queries answered OK within the SLA, and their share of those sent. */
  withinSla?: number;
  attainment?: number;
  durationMs: number;
  seed: number;
}

/**
 * Open-loop load (DESIGN §4.1): queries are sent at their scheduled arrival
 * times whether or not earlier ones have finished, and latency is measured from
 * the *scheduled* arrival, so a stalled target shows up in the tail instead of
 * being hidden by a waiting client (coordinated omission).
 */
export async function runLoad(send: SendQuery, opts: LoadOptions): Promise<LoadSummary> {
  const stream = new QueryStream(opts);
  const warmup = opts.warmupMs ?? 0;
  const end = warmup + opts.durationMs;
  const hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const window = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const tail = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const tailFrom = warmup + (2 * opts.durationMs) / 3;
  const lag = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
  });
  const errors: Record<string, number> = {};
  const maxInFlight = opts.maxInFlight ?? 10_000;
  let sent = 0;
  let ok = 0;
  let items = 0;
  let inFlight = 0;
  let windowOk = 0;
  let windowSent = 0;
  let withinSla = 0;
  const slaUs = opts.slaMs === undefined ? Infinity : opts.slaMs * 1000;
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  let lastProgress = t0;
  let next = stream.next();

  const record = (q: { at: number; items: number }, err: unknown) => {
    const measured = q.at >= warmup;
    if (!err) {
      const us = Math.max(1, Math.round((performance.now() - t0 - q.at) * 1000));
      window.recordValue(us);
      windowOk++;
      if (measured) {
        if (us <= slaUs) withinSla++;
        hist.recordValue(us);
        if (q.at >= tailFrom) tail.recordValue(us);
        ok++;
        items += q.items;
      }
    } else if (measured) {
      const code = (err as { code?: unknown }).code;
      const name = typeof code === 'string' ? code : typeof code === 'number' ? statusName(code) : 'ERROR';
      errors[name] = (errors[name] ?? 0) + 1;
    }
  };

  while (next.at < end && !opts.signal?.aborted) {
    const now = performance.now() - t0;
    if (next.at > now) {
      // Sleep until the next arrival (timers are ~1 ms granular; arrivals due together go out together).
      await new Promise(r => setTimeout(r, Math.max(0, Math.min(next.at - now, 50) - 0.5)));
    } else {
      while (next.at <= performance.now() - t0 && next.at < end) {
        const q = next;
        next = stream.next();
        if (q.at >= warmup) {
          sent++;
          lag.recordValue(Math.max(1, Math.round((performance.now() - t0 - q.at) * 1000)));
        }
        windowSent++;
        if (inFlight >= maxInFlight) {
          record(q, { code: 'CLIENT_OVERLOAD' });
          continue;
        }
        inFlight++;
        const deadline = Date.now() + opts.timeoutMs - (performance.now() - t0 - q.at);
        const p: Promise<void> = send(q.items, deadline)
          .then(
            () => record(q, undefined),
            err => record(q, err),
          )
          .finally(() => {
            inFlight--;
            pending.delete(p);
          });
        pending.add(p);
      }
    }
    const t = performance.now();
    if (opts.onProgress && t - lastProgress >= (opts.progressMs ?? 1_000)) {
      const secs = (t - lastProgress) / 1000;
      opts.onProgress({
        elapsedMs: t - t0,
        offeredQps: windowSent / secs,
        servedQps: windowOk / secs,
        p50Ms: window.getValueAtPercentile(50) / 1000,
        p95Ms: window.getValueAtPercentile(95) / 1000,
        p99Ms: window.getValueAtPercentile(99) / 1000,
        errors: { ...errors },
        inFlight,
      });
      window.reset();
      windowOk = 0;
      windowSent = 0;
      lastProgress = t;
    }
  }
  await Promise.all([...pending]);
  const durationMs = opts.signal?.aborted ? Math.max(1, performance.now() - t0 - warmup) : opts.durationMs;
  const summary: LoadSummary = {
    offeredQps: (sent * 1000) / durationMs,
    servedQps: (ok * 1000) / durationMs,
    sent,
    ok,
    errors,
    items,
    p50Ms: hist.getValueAtPercentile(50) / 1000,
    p95Ms: hist.getValueAtPercentile(95) / 1000,
    p99Ms: hist.getValueAtPercentile(99) / 1000,
    maxMs: hist.maxValue / 1000,
    meanMs: hist.mean / 1000,
    lastThirdP95Ms: tail.getValueAtPercentile(95) / 1000,
    sendLagP95Ms: lag.getValueAtPercentile(95) / 1000,
    sendLagMaxMs: lag.maxValue / 1000,
    durationMs,
    seed: opts.seed,
  };
  if (opts.slaMs !== undefined) {
    summary.slaMs = opts.slaMs;
    const failed = sent - ok;
    // The last third too: a rate just over capacity builds a queue slowly, and a short window's
    // overall p95 can still pass while its latest queries already miss.
    summary.meetsSla =
      ok > 0 &&
      summary.p95Ms <= opts.slaMs &&
      summary.lastThirdP95Ms <= opts.slaMs &&
      failed <= (opts.errorBudget ?? 0.01) * sent;
    summary.withinSla = withinSla;
    summary.attainment = sent > 0 ? withinSla / sent : 0;
  }
  hist.destroy();
  window.destroy();
  tail.destroy();
  lag.destroy();
  return summary;
}
