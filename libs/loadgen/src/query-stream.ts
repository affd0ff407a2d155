import { Rng } from '@hera/stats';

/** DESIGN §4.1: items per query = round(exp(N(5.1, 0.2))), clipped to [1, 1024] (median ≈ 164). */
export const QUERY_SIZE = { mu: 5.1, sigma: 0.2, min: 1, max: 1024 } as const;

export type ArrivalProcess = 'poisson' | 'poisson-ms';

export interface QueryStreamOptions {
  /** Offered queries per second. */
  rate: number;
  seed: number;
  /**
   * `poisson`: exponential inter-arrival times (a Poisson process).
   * `poisson-ms`: DeepRecSys's variant, Poisson-distributed whole-millisecond gaps.
   */
  arrivals?: ArrivalProcess;
  /** Fixed item count instead of the lognormal distribution. */
  fixedItems?: number;
  maxItems?: number;
}

export interface PlannedQuery {
  /** ms after the start of the run. */
  at: number;
  items: number;
}

/** The seeded, open-loop schedule of queries: when each arrives and how many items it has. */
export class QueryStream {
  readonly #rng: Rng;
  #t = 0;

  constructor(private readonly opts: QueryStreamOptions) {
    if (!(opts.rate > 0)) throw new Error(`rate must be > 0, got ${opts.rate}`);
    this.#rng = new Rng(opts.seed);
  }

  next(): PlannedQuery {
    const gapMs =
      this.opts.arrivals === 'poisson-ms'
        ? this.#rng.poisson(1000 / this.opts.rate)
        : this.#rng.exponential(this.opts.rate / 1000);
    this.#t += gapMs;
    return { at: this.#t, items: this.opts.fixedItems ?? querySize(this.#rng, this.opts.maxItems ?? QUERY_SIZE.max) };
  }
}

export function querySize(rng: Rng, max: number = QUERY_SIZE.max): number {
  const k = Math.round(Math.exp(QUERY_SIZE.mu + QUERY_SIZE.sigma * rng.normal()));
  return Math.min(Math.min(max, QUERY_SIZE.max), Math.max(QUERY_SIZE.min, k));
}
