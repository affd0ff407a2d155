/** One query's outcome as Triton's statistics count it. */
export interface StatSample {
  ok: boolean;
  /** From the call's arrival to its answer, nanoseconds. */
  durationNs: number;
  /** Items scored (OK queries). */
  items?: number;
  /** Sub-batches run (OK queries). */
  subBatches?: number;
  /** Time the query's sub-batches waited in the hosts' queues, microseconds (OK queries). */
  queueUs?: number;
  /** Time the hosts spent inferring, microseconds (OK queries). */
  inferenceUs?: number;
  /** When it was answered, ms since the epoch. */
  at: number;
}

/** Triton's StatisticDuration: how many, and their cumulative nanoseconds. */
export interface Duration {
  count: number;
  ns: number;
}

/** Cumulative statistics of one model version, in Triton's ModelStatistics terms. */
export interface VersionStats {
  name: string;
  version: string;
  lastInference: number;
  inferenceCount: number;
  executionCount: number;
  success: Duration;
  fail: Duration;
  queue: Duration;
  computeInfer: Duration;
}

const zero = (name: string, version: string): VersionStats => ({
  name,
  version,
  lastInference: 0,
  inferenceCount: 0,
  executionCount: 0,
  success: { count: 0, ns: 0 },
  fail: { count: 0, ns: 0 },
  queue: { count: 0, ns: 0 },
  computeInfer: { count: 0, ns: 0 },
});

const add = (d: Duration, ns: number) => {
  d.count++;
  d.ns += Math.max(0, Math.round(ns));
};

/**
 * Per model version counters for ModelStatistics, fed by GatewayMetrics' observation of each
 * query (the same call that updates the Prometheus series), so the two never disagree. Only
 * models the catalog knows are counted: a client cannot grow this map with made-up names.
 * Counts are of this gateway process since it started (as Triton's are of its server).
 */
export class ModelStats {
  readonly #byModel = new Map<string, Map<string, VersionStats>>();

  record(name: string, version: string, s: StatSample): void {
    let versions = this.#byModel.get(name);
    if (!versions) this.#byModel.set(name, (versions = new Map()));
    let v = versions.get(version);
    if (!v) versions.set(version, (v = zero(name, version)));
    v.lastInference = Math.max(v.lastInference, s.at);
    if (!s.ok) {
      add(v.fail, s.durationNs);
      return;
    }
    add(v.success, s.durationNs);
    v.inferenceCount += s.items ?? 0;
    v.executionCount += s.subBatches ?? 0;
    add(v.queue, (s.queueUs ?? 0) * 1000);
    add(v.computeInfer, (s.inferenceUs ?? 0) * 1000);
  }

  /** A copy of one version's counters; zeros when it has answered nothing yet. */
  get(name: string, version: string): VersionStats {
    const v = this.#byModel.get(name)?.get(version);
    return v ? structuredClone(v) : zero(name, version);
  }

  /** The versions of a model with counters, sorted. */
  versions(name: string): string[] {
    return [...(this.#byModel.get(name)?.keys() ?? [])].sort();
  }
}
