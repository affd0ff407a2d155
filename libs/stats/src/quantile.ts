/**
 * Nearest-rank quantile of values sorted ascending: the value at rank ⌈q·n⌉ (1-based), so
 * q = 0.95 of 20 values is the 19th. q is a fraction in [0, 1]; q = 0 gives the smallest value.
 * NaN when there are no values (callers choose what an empty window reports).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
}

/** Nearest-rank quantile of values in any order (sorts a copy; the input is left as it is). */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}
