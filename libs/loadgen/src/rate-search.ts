/** One measurement: offer `rate` QPS and report whether the SLA held. */
export type MeasureAt = (rate: number) => Promise<{ meetsSla: boolean; p95Ms: number; servedQps: number }>;

export interface RateSearchOptions {
  /** First rate tried. */
  start: number;
  /** Stop when the bracket [good, bad] is narrower than this fraction of `good`. */
  precision?: number;
  /** Give up after this many measurements. */
  maxSteps?: number;
  /** Lowest rate worth trying; below it the result is 0 (the SLA cannot be met at all). */
  floor?: number;
  onStep?: (s: RateStep) => void;
  /**
   * While halving toward the floor, give up (rate 0) once halving the rate twice
   * in a row improves p95 by less than this fraction each time: the latency is the work itself, not queueing,
   * and no lower rate will meet the SLA. Default 0.1; 0 disables.
   */
  flatFraction?: number;
  /**
   * A rate already measured to meet the SLA: the search counts it as good, never goes below it,
   * and bisects between it and the first failure (for raising one tenant of a pair from a
   * point both already met).
   */
  knownGood?: { rate: number; p95Ms: number };
}

export interface RateStep {
  rate: number;
  meetsSla: boolean;
  p95Ms: number;
  servedQps: number;
  /** Current bracket after this step. */
  good: number;
  bad: number;
}

export interface RateSearchResult {
  /** Highest rate that met the SLA (0 when none did). */
  rate: number;
  p95Ms: number;
  steps: RateStep[];
  /** Whether the bracket closed to the requested precision within maxSteps. */
  converged: boolean;
}

/**
 * Latency-bounded throughput (DESIGN §4.2): the highest offered rate whose p95
 * meets the SLA. Brackets first — doubling from `start` while the SLA holds,
 * halving while it does not — then bisects (geometrically) until the bracket is
 * within `precision`. Measurements are noisy, so the search trusts each one and
 * keeps the best rate seen to meet the SLA.
 */
export async function findMaxRate(measure: MeasureAt, opts: RateSearchOptions): Promise<RateSearchResult> {
  const precision = opts.precision ?? 0.05;
  const maxSteps = opts.maxSteps ?? 20;
  const floor = opts.floor ?? opts.start / 1024;
  const steps: RateStep[] = [];
  let good = opts.knownGood?.rate ?? 0;
  let goodP95 = opts.knownGood?.p95Ms ?? 0;
  let bad = Infinity;
  const step = async (rate: number) => {
    const m = await measure(rate);
    if (m.meetsSla && rate > good) {
      good = rate;
      goodP95 = m.p95Ms;
    }
    if (!m.meetsSla && rate < bad) bad = rate;
    const s = { rate, meetsSla: m.meetsSla, p95Ms: m.p95Ms, servedQps: m.servedQps, good, bad };
    steps.push(s);
    opts.onStep?.(s);
    return m.meetsSla;
  };
  let rate = opts.start;
  // Bracket.
  if (await step(rate)) {
    while (steps.length < maxSteps && (await step((rate *= 2))));
  } else if (good > 0) {
    // Known good below the first failure: the bracket is [good, start]; bisect it.
  } else {
    const flat = opts.flatFraction ?? 0.1;
    let prevP95 = steps[0]!.p95Ms;
    let flatHalvings = 0;
    while (steps.length < maxSteps && rate / 2 >= floor && !(await step((rate /= 2)))) {
      const p95 = steps.at(-1)!.p95Ms;
      // Twice in a row, so one noisy measurement does not end the search.
      flatHalvings = flat > 0 && p95 > 0 && prevP95 > 0 && p95 > prevP95 * (1 - flat) ? flatHalvings + 1 : 0;
      if (flatHalvings >= 2) break;
      prevP95 = p95;
    }
  }
  // Bisect between the best good and the lowest bad rate.
  while (steps.length < maxSteps && good > 0 && Number.isFinite(bad) && bad - good > precision * good) {
    await step(Math.sqrt(good * bad));
  }
  const converged = good > 0 && Number.isFinite(bad) && bad - good <= precision * good;
  return { rate: good, p95Ms: goodP95, steps, converged };
}
