import { HeraError } from '@hera/errors';
import { MAX_ITEMS } from './batch';
import { inputStream, streamSeed } from './prng';

/**
 * Named tensors: how an imported model without the ranking layout is served (Open Inference
 * Protocol tensors by name). Its signature declares each input and output; the first dimension
 * of every one is the batch (-1, rows), the others are fixed. One validator (checkTensors) runs
 * at the gateway and again on the tenant host, so a bad id never reaches TF.js.
 */

/** The datatypes a named tensor may have: what TF.js computes in (FP32, INT32). */
export const TENSOR_DATATYPES = ['FP32', 'INT32'] as const;
export type TensorDatatype = (typeof TENSOR_DATATYPES)[number];

/** One declared input or output. */
export interface TensorSpec {
  name: string;
  datatype: TensorDatatype;
  /** [-1, d1, d2, …]: -1 is the batch, the rest fixed. */
  shape: number[];
  /**
   * INT32 inputs only (required there): every value v must be lo ≤ v < hi. Ids index
   * embeddings, and an id past a table fails inside TF.js (or reads zeros on some backends).
   */
  range?: [number, number];
}

/** A model's declared inputs and outputs (ImportedArch's tensors layout, ModelRecord.tensors). */
export interface TensorSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** A tensor as it travels: little-endian bytes of `shape` in `datatype`. */
export interface NamedTensor {
  name: string;
  datatype: TensorDatatype;
  shape: number[];
  data: Uint8Array;
}

/**
 * Most rows one request may carry: a tensors request goes whole to one tenant (no split across
 * replicas), so it is bounded as a host's job is (MAX_ITEMS).
 */
export const MAX_TENSOR_ROWS = MAX_ITEMS;
/** Most input bytes one request may carry, all tensors together (the gRPC message limit's side). */
export const MAX_TENSOR_BYTES = 32 * 1024 * 1024;

/** Values per row of a declared tensor (the product of its fixed dimensions). */
export function rowSize(spec: Pick<TensorSpec, 'shape'>): number {
  return spec.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** A shape for messages; at most 8 dimensions shown (a client can send thousands). */
export function shapeText(shape: readonly number[]): string {
  return shape.length <= 8 ? `[${shape.join(', ')}]` : `[${shape.slice(0, 8).join(', ')}, …] (${shape.length} dims)`;
}

/** Typed view of a tensor's bytes (copied when unaligned). */
export function tensorValues(t: Pick<NamedTensor, 'datatype' | 'data'>): Float32Array | Int32Array {
  const d = t.data;
  const n = d.byteLength >> 2;
  if ((d.byteOffset & 3) === 0)
    return t.datatype === 'FP32'
      ? new Float32Array(d.buffer, d.byteOffset, n)
      : new Int32Array(d.buffer, d.byteOffset, n);
  const out = t.datatype === 'FP32' ? new Float32Array(n) : new Int32Array(n);
  new Uint8Array(out.buffer).set(d.subarray(0, n * 4));
  return out;
}

/**
 * Checks tensors against a signature's inputs: each declared input exactly once and nothing
 * else, its datatype, its shape ([rows, …declared]), the same rows in all of them (1 …
 * MAX_TENSOR_ROWS), the byte lengths, FP32 values finite, INT32 values in their range. Returns
 * the rows. INVALID_ARGUMENT naming the tensor (by `where`, the caller's name for it) and why.
 */
export function checkTensors(
  model: string,
  inputs: readonly TensorSpec[],
  tensors: readonly NamedTensor[],
  where: (i: number) => string = i => `tensors[${i}] (${tensors[i]!.name})`,
): number {
  const bad = (field: string, reason: string) => new HeraError('INVALID_ARGUMENT', `${field}: ${reason}`);
  const names = inputs.map(s => s.name).join(', ');
  const seen = new Map<string, number>();
  let rows: number | undefined;
  let rowsFrom = '';
  let bytes = 0;
  for (const [i, t] of tensors.entries()) {
    const at = where(i);
    const spec = inputs.find(s => s.name === t.name);
    if (!spec)
      throw bad(at, `model ${model} has no input ${JSON.stringify(t.name.slice(0, 64))} (its inputs: ${names})`);
    const first = seen.get(t.name);
    if (first !== undefined) throw bad(at, `input ${t.name} given twice (also ${where(first)})`);
    seen.set(t.name, i);
    if (t.datatype !== spec.datatype)
      throw bad(
        `${at}.datatype`,
        `must be ${spec.datatype}, got ${JSON.stringify(String(t.datatype).slice(0, 16))} (model ${model} declares ${spec.name} ${spec.datatype})`,
      );
    const want = `[n, ${spec.shape.slice(1).join(', ')}]`.replace(', ]', ']');
    const s = t.shape;
    if (s.length !== spec.shape.length || s.slice(1).some((d, j) => d !== spec.shape[j + 1]))
      throw bad(`${at}.shape`, `expected ${want} (n rows), got ${shapeText(s)}`);
    const n = s[0]!;
    if (!Number.isInteger(n) || n < 1 || n > MAX_TENSOR_ROWS)
      throw bad(`${at}.shape`, `rows (the first dimension) must be 1 … ${MAX_TENSOR_ROWS}, got ${n}`);
    if (rows === undefined) {
      rows = n;
      rowsFrom = at;
    } else if (n !== rows)
      throw bad(`${at}.shape`, `has ${n} rows, ${rowsFrom} has ${rows}: every input takes the same rows`);
    const need = n * rowSize(spec) * 4;
    if (t.data.byteLength !== need)
      throw bad(at, `expected ${need} bytes for ${shapeText(s)} ${spec.datatype}, got ${t.data.byteLength}`);
    bytes += need;
    if (bytes > MAX_TENSOR_BYTES) throw bad(at, `the inputs pass ${MAX_TENSOR_BYTES} bytes in all; send fewer rows`);
  }
  for (const spec of inputs)
    if (!seen.has(spec.name))
      throw bad('inputs', `missing input ${spec.name} (${spec.datatype} ${`[n, ${spec.shape.slice(1).join(', ')}]`})`);
  for (const [i, t] of tensors.entries()) {
    const spec = inputs.find(s => s.name === t.name)!;
    const v = tensorValues(t);
    if (spec.datatype === 'FP32') {
      for (let j = 0; j < v.length; j++)
        if (!Number.isFinite(v[j]!)) throw bad(where(i), `value ${v[j]} at position ${j} is not finite`);
    } else if (spec.range) {
      const [lo, hi] = spec.range;
      for (let j = 0; j < v.length; j++) {
        const x = v[j]!;
        if (x < lo || x >= hi)
          throw bad(
            where(i),
            `value ${x} at position ${j} is out of range [${lo}, ${hi}) (row ${Math.floor(j / Math.max(1, rowSize(spec)))})`,
          );
      }
    }
  }
  return rows ?? 0;
}

/**
 * Synthetic inputs from a signature, for warm-ups, import checks and profiles: FP32 uniform in
 * [-1, 1), INT32 uniform over its declared range. Deterministic per seed.
 */
export function randomTensors(inputs: readonly TensorSpec[], rows: number, seed: number): NamedTensor[] {
  return inputs.map((spec, i) => {
    const n = rows * rowSize(spec);
    const next = inputStream(streamSeed(seed, i));
    let data: Uint8Array;
    if (spec.datatype === 'FP32') {
      const v = new Float32Array(n);
      for (let j = 0; j < n; j++) v[j] = next() * 2 - 1;
      data = new Uint8Array(v.buffer);
    } else {
      const [lo, hi] = spec.range ?? [0, 1];
      const ids = new Int32Array(n);
      for (let j = 0; j < n; j++) ids[j] = lo + Math.floor(next() * (hi - lo));
      data = new Uint8Array(ids.buffer);
    }
    return { name: spec.name, datatype: spec.datatype, shape: [rows, ...spec.shape.slice(1)], data };
  });
}
