/**
 * Deterministic pseudo-random numbers for weights. Counter-based (a SplitMix32-style hash of
 * seed + index), so the value at any position depends only on the stream's seed and the index:
 * the same seed gives byte-identical weights no matter how generation is chunked or ordered, or
 * which other models are built in the same run.
 */

/** FNV-1a of a string: turns (seed, model, tensor) into an independent 32-bit stream seed. */
export function streamSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const s = parts.join('\u0000');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Fills `out` with values uniform in [-limit, limit) for stream positions start … start+length-1.
 * 24 random bits per value, so every value is exactly representable before the final scaling.
 */
export function fillUniform(out: Float32Array, seed: number, start: number, limit: number): void {
  const n = out.length;
  const scale = (2 * limit) / 16777216;
  // The counter wraps at 2^32 values per stream; no table here comes close (largest: 320M).
  let x = (seed + Math.imul(start >>> 0, 0x9e3779b9)) | 0;
  for (let i = 0; i < n; i++) {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z ^= z >>> 15;
    out[i] = (z >>> 8) * scale - limit;
  }
}

/**
 * The uniform [0, 1) source of test and benchmark inputs (not weights): the same hash as the
 * weights, run sequentially. Draw from it with `new Rng(inputStream(seed))` (@hera/stats).
 */
export function inputStream(seed: number): () => number {
  let x = streamSeed('rng', seed);
  return () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  };
}
