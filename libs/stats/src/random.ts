/**
 * mulberry32: a small seeded PRNG (32-bit state; passes the usual statistical batteries for
 * this use). Uniform in [0, 1). The seed is the state as given, 0 included; seeded baselines,
 * load and tests depend on these exact sequences (pinned in random.test.ts).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeded random draws (uniform, integer, normal, exponential, Poisson), so load and test
 * inputs are reproducible from a seed. A numeric seed runs mulberry32; a function is used as
 * the uniform [0, 1) source instead (the model builder's counter-based stream).
 */
export class Rng {
  readonly #next: () => number;

  constructor(seed: number | (() => number)) {
    // Seed 0 becomes a fixed non-zero state: the load generator always did this, and the
    // sequences it produced for seed 0 must stay what they were.
    this.#next = typeof seed === 'function' ? seed : mulberry32(seed >>> 0 || 0x9e3779b9);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** Poisson-distributed integer (Knuth for small means, normal approximation above 50). */
  poisson(mean: number): number {
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
}
