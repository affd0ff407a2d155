import { findMaxRate, type RateSearchResult } from './rate-search';

/** One tenant's figures in a pair measurement. */
export interface TenantMeasurement {
  meetsSla: boolean;
  p95Ms: number;
  servedQps: number;
}

/**
 * Offers `rateA` to tenant A and `rateB` to tenant B at the same time and reports each against
 * its own SLA. `recheck` asks for a longer window (the re-check of the result).
 */
export type MeasurePair = (
  rateA: number,
  rateB: number,
  kind: 'search' | 'recheck',
) => Promise<{ a: TenantMeasurement; b: TenantMeasurement }>;

export interface PairRateSearchOptions {
  /** A's and B's solo QPS at their worker counts of this split: the 1.0 of the common fraction. */
  soloA: number;
  soloB: number;
  /** First common fraction tried (e.g. the predictor's scale). Default 1. */
  startFraction?: number;
  /** Bracket precision of every phase (fraction of the good value). Default 0.05. */
  precision?: number;
  /** Measurements per phase at most. Default 12. */
  maxStepsPerPhase?: number;
  /** Lowest common fraction worth trying; below it the split serves nothing. Default 0.02. */
  floorFraction?: number;
  /** Re-checks (stepping down by the precision after each miss). Default 6. */
  maxRechecks?: number;
  onStep?: (s: PairStep) => void;
}

export type PairPhase = 'common' | 'raise-a' | 'raise-b' | 'recheck';

export interface PairStep {
  phase: PairPhase;
  rateA: number;
  rateB: number;
  a: TenantMeasurement;
  b: TenantMeasurement;
}

export interface PairRateResult {
  /** The largest common fraction f of (soloA, soloB) both met (0: the split serves nothing). */
  fraction: number;
  /** Rates both tenants met at the same time (after raising each and the re-check); 0, 0 when none. */
  rateA: number;
  rateB: number;
  /** p95 of each at those rates (from the re-check). */
  p95MsA: number;
  p95MsB: number;
  /** False when the re-check kept missing and the split was given up (rates 0). */
  rechecked: boolean;
  steps: PairStep[];
}

/**
 * The two-dimensional search of a pair profile (DESIGN §4.2, §4.4 4a) at one split: both models
 * loaded at once, each judged against its own SLA.
 *
 * 1. **Common fraction**: the largest f such that A at f·soloA and B at f·soloB, offered
 *    together, both meet their SLAs (bracketing + bisection on f, as {@link findMaxRate} does on
 *    one rate). It answers "how much of its solo throughput does each keep next to the other".
 * 2. **Raise A**, B held at f·soloB: the highest rate of A at which *both* still meet their SLAs
 *    (searching up from f·soloA, known good). Then **raise B** the same way with A at its new
 *    rate. A tenant that is hurt less than its partner gets the capacity the partner leaves.
 * 3. **Re-check**: the final pair of rates again, together, over a longer window; on a miss the
 *    tenant(s) that missed step down by the precision, up to `maxRechecks` times, else the split
 *    is given up (rates 0).
 *
 * The result is one point of the pair's feasible region that no single tenant can improve alone
 * (to the precision); it is not the whole Pareto frontier, which would take a search per
 * direction.
 */
export async function findPairRates(measure: MeasurePair, opts: PairRateSearchOptions): Promise<PairRateResult> {
  const precision = opts.precision ?? 0.05;
  const maxSteps = opts.maxStepsPerPhase ?? 12;
  const steps: PairStep[] = [];
  const run = async (phase: PairPhase, rateA: number, rateB: number) => {
    const m = await measure(rateA, rateB, phase === 'recheck' ? 'recheck' : 'search');
    const s: PairStep = { phase, rateA, rateB, a: m.a, b: m.b };
    steps.push(s);
    opts.onStep?.(s);
    return s;
  };
  const both = (s: PairStep) => s.a.meetsSla && s.b.meetsSla;
  const worstP95 = (s: PairStep) => Math.max(s.a.p95Ms, s.b.p95Ms);
  const none = (): PairRateResult => ({
    fraction: 0,
    rateA: 0,
    rateB: 0,
    p95MsA: 0,
    p95MsB: 0,
    rechecked: false,
    steps,
  });
  if (!(opts.soloA > 0 && opts.soloB > 0)) return none();

  // 1. Common fraction.
  const common: RateSearchResult = await findMaxRate(
    async f => {
      const s = await run('common', f * opts.soloA, f * opts.soloB);
      return { meetsSla: both(s), p95Ms: worstP95(s), servedQps: s.a.servedQps + s.b.servedQps };
    },
    { start: opts.startFraction ?? 1, precision, maxSteps, floor: opts.floorFraction ?? 0.02 },
  );
  const f = common.rate;
  if (!(f > 0)) return none();

  // 2. Raise each alone, the other held, both judged.
  const raise = async (phase: 'raise-a' | 'raise-b', from: number, held: number) => {
    const r = await findMaxRate(
      async rate => {
        const s = phase === 'raise-a' ? await run(phase, rate, held) : await run(phase, held, rate);
        return { meetsSla: both(s), p95Ms: worstP95(s), servedQps: s.a.servedQps + s.b.servedQps };
      },
      { start: from * (1 + 2 * precision), precision, maxSteps, knownGood: { rate: from, p95Ms: common.p95Ms } },
    );
    return r.rate;
  };
  let rateA = await raise('raise-a', f * opts.soloA, f * opts.soloB);
  let rateB = await raise('raise-b', f * opts.soloB, rateA);

  // 3. Re-check together, stepping down whichever missed.
  const maxRechecks = opts.maxRechecks ?? 6;
  for (let i = 0; i < maxRechecks; i++) {
    const s = await run('recheck', rateA, rateB);
    if (both(s)) return { fraction: f, rateA, rateB, p95MsA: s.a.p95Ms, p95MsB: s.b.p95Ms, rechecked: true, steps };
    if (!s.a.meetsSla) rateA *= 1 - precision;
    if (!s.b.meetsSla) rateB *= 1 - precision;
  }
  return { ...none(), fraction: f };
}
