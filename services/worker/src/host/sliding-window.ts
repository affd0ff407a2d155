import { quantileSorted } from '@hera/stats';

/**
 * Latencies of the last `windowMs`, kept in a ring of (time, value) pairs. Adding
 * is O(1); percentiles sort a copy, which status and the resource manager ask for
 * about once a second, never per request.
 */
export class SlidingWindow {
  #times: Float64Array;
  #values: Float64Array;
  #items: Float64Array;
  #head = 0;
  #size = 0;

  constructor(
    readonly windowMs: number,
    capacity = 1 << 16,
  ) {
    this.#times = new Float64Array(capacity);
    this.#values = new Float64Array(capacity);
    this.#items = new Float64Array(capacity);
  }

  add(now: number, value: number, items = 1): void {
    const cap = this.#times.length;
    if (this.#size === cap) this.#grow();
    const i = (this.#head + this.#size) % this.#times.length;
    this.#times[i] = now;
    this.#values[i] = value;
    this.#items[i] = items;
    this.#size++;
  }

  #evict(now: number): void {
    const cap = this.#times.length;
    while (this.#size > 0 && this.#times[this.#head]! < now - this.windowMs) {
      this.#head = (this.#head + 1) % cap;
      this.#size--;
    }
  }

  #grow(): void {
    const cap = this.#times.length;
    const t = new Float64Array(cap * 2);
    const v = new Float64Array(cap * 2);
    const it = new Float64Array(cap * 2);
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#head + k) % cap;
      t[k] = this.#times[i]!;
      v[k] = this.#values[i]!;
      it[k] = this.#items[i]!;
    }
    this.#times = t;
    this.#values = v;
    this.#items = it;
    this.#head = 0;
  }

  /** Percentiles (nearest rank), count and rates over the window ending at `now`. */
  summary(now: number): {
    p50: number;
    p95: number;
    p99: number;
    count: number;
    perSecond: number;
    itemsPerSecond: number;
  } {
    this.#evict(now);
    const n = this.#size;
    if (n === 0) return { p50: 0, p95: 0, p99: 0, count: 0, perSecond: 0, itemsPerSecond: 0 };
    const cap = this.#times.length;
    const sorted = new Float64Array(n);
    let items = 0;
    for (let k = 0; k < n; k++) {
      const i = (this.#head + k) % cap;
      sorted[k] = this.#values[i]!;
      items += this.#items[i]!;
    }
    sorted.sort();
    const rank = (q: number) => quantileSorted(sorted, q);
    // Rate over the part of the window we have seen (a fresh tenant has less than a window).
    const span = Math.max(1, Math.min(this.windowMs, now - this.#times[this.#head]!));
    return {
      p50: rank(0.5),
      p95: rank(0.95),
      p99: rank(0.99),
      count: n,
      perSecond: (n * 1000) / span,
      itemsPerSecond: (items * 1000) / span,
    };
  }
}
