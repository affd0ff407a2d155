import { invalidArgument } from '@hera/errors';

/**
 * The datatype a model takes its dense features in, on the wire (Rank's ItemBatch.dense, the
 * Open Inference Protocol's dense input) and over InferStream to the tenant hosts: FP32 (the
 * default), FP16 (IEEE 754 binary16) or INT8 (signed, quantised: value = scale × (q − zero_point)).
 * The gateway checks and forwards the bytes as they came; a tenant host widens them to FP32 in
 * the model's input slot, so a large ranking request is not four bytes a feature end to end.
 */
export const DENSE_DATATYPES = ['FP32', 'FP16', 'INT8'] as const;
export type DenseDatatype = (typeof DENSE_DATATYPES)[number];

/**
 * An INT8 model's quantisation: `scale` and `zeroPoint` each hold one value (per tensor: every
 * feature alike) or one per dense feature (per feature: features of different ranges keep
 * their resolution). Scales are positive float32s; zero points integers in [-128, 127].
 */
export interface DenseQuantization {
  scale: number[];
  zeroPoint: number[];
}

/** What a model declares about its dense input (ModelConfig, ModelRecord). Absent datatype: FP32. */
export interface DenseEncoding {
  denseDatatype?: DenseDatatype;
  /** Required when denseDatatype is INT8, absent otherwise. */
  denseQuant?: DenseQuantization;
}

/** A model's dense datatype (absent: FP32, the one datatype before it could be chosen). */
export const denseDatatypeOf = (m: DenseEncoding): DenseDatatype => m.denseDatatype ?? 'FP32';

/** Bytes one dense value takes on the wire in a datatype. */
export function denseBytesPer(datatype: DenseDatatype | undefined): 4 | 2 | 1 {
  return datatype === 'FP16' ? 2 : datatype === 'INT8' ? 1 : 4;
}

/** Lower-case element names for messages ("float16"), like the byte-length texts' "float32". */
export const DENSE_ELEMENT: Readonly<Record<DenseDatatype, string>> = {
  FP32: 'float32',
  FP16: 'float16',
  INT8: 'int8',
};

/**
 * Checks a declared encoding for a model of `denseDim` features; INVALID_ARGUMENT naming
 * `field` (a signature file's field, a flag) and the reason. Returns the encoding normalised
 * (FP32 declares nothing; INT8's lists copied).
 */
export function checkDenseEncoding(enc: DenseEncoding, denseDim: number, field: string): DenseEncoding {
  const dt = enc.denseDatatype ?? 'FP32';
  if (!DENSE_DATATYPES.includes(dt))
    throw invalidArgument(field, `unknown datatype ${JSON.stringify(dt)} (one of ${DENSE_DATATYPES.join(', ')})`);
  if (dt !== 'INT8') {
    if (enc.denseQuant) throw invalidArgument(field, `scale and zero point belong to INT8 only, not ${dt}`);
    return dt === 'FP32' ? {} : { denseDatatype: dt };
  }
  const q = enc.denseQuant;
  if (!q) throw invalidArgument(field, 'INT8 needs its scale and zeroPoint');
  const count = (name: string, v: unknown): number[] => {
    const list = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0 || (list.length !== 1 && list.length !== denseDim))
      throw invalidArgument(
        `${field}.${name}`,
        `must be one number (per tensor) or ${denseDim} (one per dense feature), got ${JSON.stringify(v)}`,
      );
    return list as number[];
  };
  const scale = count('scale', q.scale);
  const zeroPoint = count('zeroPoint', q.zeroPoint);
  for (const [i, s] of scale.entries()) {
    // × 255 (the widest q − zero_point) must stay a finite float32, so no dequantised value is Inf.
    if (typeof s !== 'number' || !(s > 0) || !Number.isFinite(Math.fround(s * 255)))
      throw invalidArgument(`${field}.scale[${i}]`, `must be a positive float32 (at most 1.3e36), got ${s}`);
  }
  for (const [i, z] of zeroPoint.entries()) {
    if (!Number.isInteger(z) || z < -128 || z > 127)
      throw invalidArgument(`${field}.zeroPoint[${i}]`, `must be an integer in [-128, 127], got ${z}`);
  }
  return { denseDatatype: 'INT8', denseQuant: { scale: scale.map(Math.fround), zeroPoint: [...zeroPoint] } };
}

// ---- FP16 ----

/** float32 bits of every binary16 value, built on first use (256 KB; a lookup per value). */
let halfTable: Uint32Array | undefined;

function buildHalfTable(): Uint32Array {
  const t = new Uint32Array(65536);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let h = 0; h < 65536; h++) {
    f[0] = halfToFloat(h);
    t[h] = u[0]!;
  }
  return t;
}

/** The value of binary16 bits `h` (exact: every binary16 value is a float32 value). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // ±0 and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * binary16 bits of `x`, rounded to nearest even (what clients and tests quantise with); values
 * beyond the largest half (65504) round to ±Inf as IEEE does, NaN stays NaN.
 */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  let a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal (or zero): a multiple of 2^-24; Math.round's ties go up, so settle ties to even.
    const m = a / 2 ** -24;
    let r = Math.floor(m);
    const rest = m - r;
    if (rest > 0.5 || (rest === 0.5 && r % 2 === 1)) r++;
    return sign | r; // r = 1024 is the smallest normal's bits, as it should be
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 rounding near powers of two
  if (2 ** (e + 1) <= a) e++;
  if (e > 15) return sign | 0x7c00;
  a = a / 2 ** e - 1; // [0, 1)
  const m = a * 1024;
  let r = Math.floor(m);
  const rest = m - r;
  if (rest > 0.5 || (rest === 0.5 && r % 2 === 1)) r++;
  if (r === 1024) {
    r = 0;
    e++;
    if (e > 15) return sign | 0x7c00;
  }
  return sign | ((e + 15) << 10) | r;
}

/** Whether binary16 bits are NaN or ±Inf (exponent all ones). */
export const halfIsNotFinite = (h: number): boolean => (h & 0x7c00) === 0x7c00;

/** Values as binary16 little-endian bytes (tests, the benchmark and clients that quantise). */
export function encodeFp16(values: ArrayLike<number>): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]!);
  return new Uint8Array(out.buffer);
}

// ---- INT8 ----

/**
 * Values quantised to INT8 with a model's scale and zero point: q = clamp(round(x / scale) +
 * zero_point, -128, 127) (tests, the benchmark and clients).
 */
export function encodeInt8(values: ArrayLike<number>, denseDim: number, q: DenseQuantization): Uint8Array {
  const out = new Int8Array(values.length);
  const perFeature = q.scale.length > 1;
  const perZero = q.zeroPoint.length > 1;
  for (let i = 0; i < values.length; i++) {
    const f = denseDim > 0 ? i % denseDim : 0;
    const s = q.scale[perFeature ? f : 0]!;
    const z = q.zeroPoint[perZero ? f : 0]!;
    out[i] = Math.max(-128, Math.min(127, Math.round(values[i]! / s) + z));
  }
  return new Uint8Array(out.buffer);
}

/** The FP32 value a model reads for INT8 `q` at feature `f`: fround(scale × (q − zero_point)). */
export function dequantize(q: number, f: number, quant: DenseQuantization): number {
  const s = quant.scale[quant.scale.length > 1 ? f : 0]!;
  const z = quant.zeroPoint[quant.zeroPoint.length > 1 ? f : 0]!;
  return Math.fround(Math.fround(s) * (q - z));
}

// ---- widening in place ----

/**
 * Widens one model's dense values to FP32 where they lie: the host copies a sub-batch's wire
 * bytes to the start of the FP32 dense region of an inference slot, and the thread calls
 * `widen` on it. Backwards, so every value is read before the FP32 it becomes overwrites it
 * (value i's 4 bytes start at 4i, and the narrower values left to read end at 2i or i). No
 * allocation per call: FP16 through the shared 65,536-entry table (built once), INT8 per tensor
 * through its 256 dequantised values, INT8 per feature by each feature's scale and zero point.
 */
export class DenseWidener {
  readonly datatype: DenseDatatype;
  readonly #dim: number;
  /** INT8 per tensor: the 256 dequantised values, indexed by q + 128. */
  readonly #int8?: Float32Array;
  /** INT8 per feature: each feature's scale (float32) and zero point. */
  readonly #scale?: Float32Array;
  readonly #zero?: Float64Array;

  constructor(enc: DenseEncoding, denseDim: number) {
    this.datatype = denseDatatypeOf(enc);
    this.#dim = denseDim;
    if (this.datatype === 'FP16') halfTable ??= buildHalfTable();
    if (this.datatype === 'INT8') {
      const q = enc.denseQuant;
      if (!q) throw invalidArgument('denseQuant', 'INT8 needs its scale and zeroPoint');
      if (q.scale.length > 1 || q.zeroPoint.length > 1) {
        // Per feature: scale × (q − zero point) computed, not looked up. A table of 256 values per
        // feature measured 6 ns a value at 2,560 features (2.6 MB of table, out of cache); the
        // multiply gives the same float32 (one rounding of an exact product) at a fraction of that.
        this.#scale = Float32Array.from({ length: denseDim }, (_, f) => q.scale[q.scale.length > 1 ? f : 0]!);
        this.#zero = Float64Array.from({ length: denseDim }, (_, f) => q.zeroPoint[q.zeroPoint.length > 1 ? f : 0]!);
      } else {
        const lut = new Float32Array(256);
        for (let v = -128; v < 128; v++) lut[v + 128] = dequantize(v, 0, q);
        this.#int8 = lut;
      }
    }
  }

  /**
   * Widens `count` items of dense values in place: `buffer` holds them from byte `offset`
   * (4-byte aligned) in this widener's datatype, and holds them as FP32 afterwards. FP32: nothing.
   */
  widen(buffer: ArrayBufferLike, offset: number, count: number): void {
    const n = count * this.#dim;
    if (this.datatype === 'FP16') {
      const from = new Uint16Array(buffer, offset, n);
      const to = new Uint32Array(buffer, offset, n);
      const t = halfTable!;
      for (let i = n - 1; i >= 0; i--) to[i] = t[from[i]!]!;
    } else if (this.datatype === 'INT8') {
      const from = new Int8Array(buffer, offset, n);
      const to = new Float32Array(buffer, offset, n);
      const lut = this.#int8;
      if (lut) {
        for (let i = n - 1; i >= 0; i--) to[i] = lut[from[i]! + 128]!;
      } else {
        const dim = this.#dim;
        const scale = this.#scale!;
        const zero = this.#zero!;
        for (let i = n - 1; i >= 0;) {
          for (let f = dim - 1; f >= 0; f--, i--) to[i] = scale[f]! * (from[i]! - zero[f]!);
        }
      }
    }
  }
}

/**
 * Widens wire bytes into a separate FP32 array (tests; callers that cannot widen in place).
 * `out` must hold `bytes.byteLength / bytes per value` values.
 */
export function widenDense(bytes: Uint8Array, enc: DenseEncoding, denseDim: number, out: Float32Array): Float32Array {
  const w = new DenseWidener(enc, denseDim);
  const count = denseDim > 0 ? bytes.byteLength / denseBytesPer(w.datatype) / denseDim : 0;
  const work = new Uint8Array(count * denseDim * 4);
  work.set(bytes);
  w.widen(work.buffer, 0, count);
  out.set(new Float32Array(work.buffer, 0, count * denseDim));
  return out;
}

/**
 * A model's dense encoding from what a client sees of it: a ModelConfig or ModelRecord
 * (denseDatatype, denseQuant) or the gateway's ModelInfo (dense_datatype, dense_scale,
 * dense_zero_point; "" or absent is FP32).
 */
export function denseEncodingFrom(m: {
  denseDatatype?: string | undefined;
  denseQuant?: DenseQuantization | undefined;
  denseScale?: readonly number[] | undefined;
  denseZeroPoint?: readonly number[] | undefined;
}): DenseEncoding {
  const dt = m.denseDatatype || 'FP32';
  if (dt === 'FP32') return {};
  if (dt === 'FP16') return { denseDatatype: 'FP16' };
  if (dt !== 'INT8') throw invalidArgument('denseDatatype', `unknown datatype ${JSON.stringify(dt)}`);
  const quant = m.denseQuant ?? { scale: [...(m.denseScale ?? [])], zeroPoint: [...(m.denseZeroPoint ?? [])] };
  return { denseDatatype: 'INT8', denseQuant: quant };
}

/**
 * FP32 values as a model takes them on the wire (FP32: the same bytes, no copy; FP16 rounded to
 * nearest even; INT8 quantised with its scale and zero point): what load generators and
 * clients send.
 */
export function encodeDense(values: Float32Array, denseDim: number, enc: DenseEncoding): Uint8Array {
  const dt = denseDatatypeOf(enc);
  if (dt === 'FP16') return encodeFp16(values);
  if (dt === 'INT8') return encodeInt8(values, denseDim, enc.denseQuant!);
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
