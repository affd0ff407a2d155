import { HeraError, invalidArgument, quoted } from '@hera/errors';
import {
  checkTensors,
  DENSE_ELEMENT,
  denseBytesPer,
  rowSize,
  type NamedTensor,
  type TensorSignature,
} from '@hera/model-schema';
import type { ModelInferRequest__Output } from '@hera/proto';
import type { CatalogEntry } from './catalog';

type InputTensor = ModelInferRequest__Output['inputs'][number];

export interface OipItems {
  itemCount: number;
  dense: Uint8Array;
  sparse: Uint8Array;
  /** Whether the request used raw_input_contents (the reply then uses raw output too). */
  raw: boolean;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A shape for an error message; a client can send thousands of dimensions, so at most 8 are shown. */
const shapeText = (shape: readonly number[]) =>
  shape.length <= 8 ? `[${shape.join(', ')}]` : `[${shape.slice(0, 8).join(', ')}, …] (${shape.length} dimensions)`;

/** The typed content fields of InferTensorContents, by their proto names. */
const TYPED_FIELDS = [
  ['bool_contents', 'boolContents'],
  ['int_contents', 'intContents'],
  ['int64_contents', 'int64Contents'],
  ['uint_contents', 'uintContents'],
  ['uint64_contents', 'uint64Contents'],
  ['fp32_contents', 'fp32Contents'],
  ['fp64_contents', 'fp64Contents'],
  ['bytes_contents', 'bytesContents'],
] as const;

/** The one typed field each datatype we take is read from. */
const FIELD_OF: Readonly<Record<string, string>> = {
  FP32: 'fp32_contents',
  INT8: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
};

/** Which typed content fields of an input are non-empty. */
function typedForms(t: InputTensor): string[] {
  const c = t.contents;
  return c ? TYPED_FIELDS.filter(([, key]) => (c[key]?.length ?? 0) > 0).map(([name]) => name) : [];
}

/**
 * Each input named once, and given in exactly one form: its raw_input_contents entry, or the
 * one typed field of its datatype. Anything else used to be accepted and partly ignored
 * (fp64_contents beside raw bytes, a second "sparse"), scoring something the caller did not mean.
 */
function checkInputs(m: CatalogEntry, req: ModelInferRequest__Output, raw: boolean): void {
  const seen = new Map<string, number>();
  for (const [i, t] of req.inputs.entries()) {
    if (t.name !== 'dense' && t.name !== 'sparse')
      throw invalidArgument(
        `inputs[${i}].name`,
        `unknown input ${quoted(t.name)}; model ${m.name} takes dense and sparse`,
      );
    const first = seen.get(t.name);
    if (first !== undefined)
      throw invalidArgument(
        `inputs[${i}].name`,
        `duplicate input "${t.name}" (also inputs[${first}]); give each input once`,
      );
    seen.set(t.name, i);
    const where = `inputs[${i}] (${t.name})`;
    const typed = typedForms(t);
    if (raw && typed.length > 0) {
      throw invalidArgument(
        `${where}.contents`,
        `has ${typed.join(' and ')} as well as raw_input_contents[${i}]; give each input in exactly one form`,
      );
    }
    if (typed.length > 1)
      throw invalidArgument(`${where}.contents`, `has ${typed.join(' and ')}; give exactly one content field`);
    const want = FIELD_OF[t.datatype];
    if (typed.length === 1 && want && typed[0] !== want)
      throw invalidArgument(`${where}.contents`, `has ${typed[0]}; an input of datatype ${t.datatype} takes ${want}`);
  }
}

/**
 * Turns an Open Inference Protocol request into our column-packed items:
 * `dense` [k, dense_dim] in the model's dense datatype (FP32, FP16 or INT8; raw bytes pass
 * through as they came) and `sparse` INT32 or INT64 [k, tables, lookups]
 * (or the flat [k, ids_per_item]), given either as typed `contents` or as
 * `raw_input_contents`. Errors name the tensor and what did not match.
 */
export function fromInferRequest(m: CatalogEntry, req: ModelInferRequest__Output): OipItems {
  const raw = req.rawInputContents.length > 0;
  if (raw && req.rawInputContents.length !== req.inputs.length) {
    throw invalidArgument(
      'raw_input_contents',
      `has ${req.rawInputContents.length} entries for ${req.inputs.length} inputs (one per input, in order)`,
    );
  }
  checkInputs(m, req, raw);
  const find = (name: string) => {
    const i = req.inputs.findIndex(t => t.name === name);
    return i < 0 ? undefined : { i, t: req.inputs[i]! };
  };
  const sparse = find('sparse');
  if (!sparse) throw invalidArgument('inputs', 'missing input "sparse"');
  const dense = find('dense');
  const dt = m.denseDatatype ?? 'FP32';
  if (!dense && m.denseDim > 0) throw invalidArgument('inputs', `missing input "dense" (${dt} [k, ${m.denseDim}])`);

  const sShape = sparse.t.shape.map(Number);
  const where = `inputs[${sparse.i}] (sparse)`;
  const k = sShape[0] ?? 0;
  const lookups = m.tables[0]?.lookups ?? 0;
  const uniform = m.tables.every(t => t.lookups === lookups);
  const okShape =
    (sShape.length === 3 && uniform && sShape[1] === m.tables.length && sShape[2] === lookups) ||
    (sShape.length === 2 && sShape[1] === m.idsPerItem);
  if (!okShape) {
    const want = uniform ? `[k, ${m.tables.length}, ${lookups}] or [k, ${m.idsPerItem}]` : `[k, ${m.idsPerItem}]`;
    throw invalidArgument(`${where}.shape`, `expected ${want}, got ${shapeText(sShape)}`);
  }
  if (!(k >= 1)) throw invalidArgument(`${where}.shape`, `k (the first dimension) must be ≥ 1, got ${k}`);
  const ids = readIds(sparse.t, raw ? req.rawInputContents[sparse.i]! : undefined, product(sShape), where);

  let denseBytes: Uint8Array = new Uint8Array(0);
  if (dense) {
    const dw = `inputs[${dense.i}] (dense)`;
    const dShape = dense.t.shape.map(Number);
    if (dense.t.datatype !== dt)
      throw invalidArgument(
        `${dw}.datatype`,
        `must be ${dt}, got ${quoted(dense.t.datatype)} (model ${m.name} declares its dense input ${dt})`,
      );
    if (dShape.length !== 2 || dShape[0] !== k || dShape[1] !== m.denseDim) {
      throw invalidArgument(`${dw}.shape`, `expected [${k}, ${m.denseDim}] (k from sparse), got ${shapeText(dShape)}`);
    }
    const n = product(dShape);
    if (raw) {
      denseBytes = req.rawInputContents[dense.i]!;
      const want = n * denseBytesPer(dt);
      if (denseBytes.byteLength !== want)
        throw invalidArgument(
          `raw_input_contents[${dense.i}] (dense)`,
          `expected ${want} bytes for shape ${shapeText(dShape)} ${dt} (${DENSE_ELEMENT[dt]}), got ${denseBytes.byteLength}`,
        );
    } else if (dt === 'FP16') {
      throw invalidArgument(
        `${dw}.contents`,
        'FP16 has no typed contents field in the protocol; send it as raw_input_contents (binary16, little-endian)',
      );
    } else if (dt === 'INT8') {
      const v = dense.t.contents?.intContents ?? [];
      if (v.length !== n)
        throw invalidArgument(
          `${dw}.contents.int_contents`,
          `expected ${n} values for shape ${shapeText(dShape)}, got ${v.length}`,
        );
      const q = new Int8Array(n);
      for (let i = 0; i < n; i++) {
        const x = v[i]!;
        if (!(x >= -128 && x <= 127))
          throw invalidArgument(
            `${dw}.contents.int_contents`,
            `value ${x} at position ${i} is not an INT8 (-128 … 127)`,
          );
        q[i] = x;
      }
      denseBytes = new Uint8Array(q.buffer);
    } else {
      const v = dense.t.contents?.fp32Contents ?? [];
      if (v.length !== n)
        throw invalidArgument(
          `${dw}.contents.fp32_contents`,
          `expected ${n} values for shape ${shapeText(dShape)}, got ${v.length}`,
        );
      denseBytes = new Uint8Array(Float32Array.from(v).buffer);
    }
  }
  return { itemCount: k, dense: denseBytes, sparse: new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength), raw };
}

/** Ids as int32 whatever the input datatype (INT64 ids must fit in int32). */
function readIds(t: InputTensor, raw: Uint8Array | undefined, n: number, where: string): Int32Array {
  if (t.datatype !== 'INT32' && t.datatype !== 'INT64')
    throw invalidArgument(`${where}.datatype`, `must be INT32 or INT64, got ${quoted(t.datatype)}`);
  const wide = t.datatype === 'INT64';
  if (raw) {
    const bytes = n * (wide ? 8 : 4);
    if (raw.byteLength !== bytes)
      throw invalidArgument(
        `raw_input_contents (sparse)`,
        `expected ${bytes} bytes for ${n} ${t.datatype} ids, got ${raw.byteLength}`,
      );
    if (!wide) {
      const out = new Int32Array(n);
      new Uint8Array(out.buffer).set(raw);
      return out;
    }
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = narrow(dv.getBigInt64(i * 8, true), where, i);
    return out;
  }
  const v = wide ? (t.contents?.int64Contents ?? []) : (t.contents?.intContents ?? []);
  const fieldName = wide ? 'int64_contents' : 'int_contents';
  if (v.length !== n) throw invalidArgument(`${where}.contents.${fieldName}`, `expected ${n} values, got ${v.length}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = narrow(v[i]!, where, i);
  return out;
}

function narrow(v: number | bigint | string, where: string, i: number): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < -2147483648 || x > 2147483647) {
    throw new HeraError('INVALID_ARGUMENT', `${where}: id ${String(v)} at position ${i} does not fit in int32`);
  }
  return x;
}

export interface OipTensors {
  rows: number;
  tensors: NamedTensor[];
  /** Outputs asked for by name (empty: every declared one). */
  outputs: string[];
  /** Whether the request used raw_input_contents (the reply then uses raw output too). */
  raw: boolean;
}

/**
 * A ModelInfer request to a model without the ranking layout (its signature's named tensors):
 * each input given once, in one form (raw_input_contents, or the typed field of its datatype:
 * fp32_contents for FP32, int_contents for INT32), then checked by the one validator
 * (checkTensors: names, datatypes, shapes, the same rows in all, size caps, finite FP32,
 * INT32 ranges). Errors name the tensor (`inputs[i] (name)`) and the reason.
 */
export function fromTensorRequest(
  m: CatalogEntry & { tensors: TensorSignature },
  req: ModelInferRequest__Output,
): OipTensors {
  const raw = req.rawInputContents.length > 0;
  if (raw && req.rawInputContents.length !== req.inputs.length) {
    throw invalidArgument(
      'raw_input_contents',
      `has ${req.rawInputContents.length} entries for ${req.inputs.length} inputs (one per input, in order)`,
    );
  }
  const declared = m.tensors.outputs.map(o => o.name);
  const outputs: string[] = [];
  for (const [i, o] of req.outputs.entries()) {
    if (!declared.includes(o.name))
      throw invalidArgument(
        `outputs[${i}].name`,
        `unknown output ${quoted(o.name)}; model ${m.name} has ${declared.map(n => `"${n}"`).join(', ')}`,
      );
    if (outputs.includes(o.name)) throw invalidArgument(`outputs[${i}].name`, `output "${o.name}" asked for twice`);
    outputs.push(o.name);
  }
  const where = (i: number) => `inputs[${i}] (${req.inputs[i]!.name.slice(0, 64)})`;
  const tensors = req.inputs.map((t, i): NamedTensor => {
    const at = where(i);
    const spec = m.tensors.inputs.find(s => s.name === t.name);
    const shape = t.shape.map(Number);
    const typed = typedForms(t);
    if (raw && typed.length > 0)
      throw invalidArgument(
        `${at}.contents`,
        `has ${typed.join(' and ')} as well as raw_input_contents[${i}]; give each input in exactly one form`,
      );
    if (typed.length > 1)
      throw invalidArgument(`${at}.contents`, `has ${typed.join(' and ')}; give exactly one content field`);
    // Names, datatypes and shapes are checkTensors'; the typed contents need the datatype first.
    if (!spec || (t.datatype !== 'FP32' && t.datatype !== 'INT32'))
      return { name: t.name, datatype: t.datatype as NamedTensor['datatype'], shape, data: new Uint8Array(0) };
    if (raw) return { name: t.name, datatype: t.datatype, shape, data: req.rawInputContents[i]! };
    const want = t.datatype === 'FP32' ? 'fp32_contents' : 'int_contents';
    if (typed.length === 1 && typed[0] !== want)
      throw invalidArgument(`${at}.contents`, `has ${typed[0]}; an input of datatype ${t.datatype} takes ${want}`);
    const v = (t.datatype === 'FP32' ? t.contents?.fp32Contents : t.contents?.intContents) ?? [];
    const n = shape.length === spec.shape.length ? shape.reduce((a, b) => a * b, 1) : -1;
    if (n >= 0 && shape[0]! >= 0 && v.length !== n && rowSize(spec) > 0)
      throw invalidArgument(
        `${at}.contents.${want}`,
        `expected ${n} values for shape ${shapeText(shape)}, got ${v.length}`,
      );
    const a = t.datatype === 'FP32' ? Float32Array.from(v) : Int32Array.from(v);
    return { name: t.name, datatype: t.datatype, shape, data: new Uint8Array(a.buffer) };
  });
  const rows = checkTensors(m.name, m.tensors.inputs, tensors, where);
  return { rows, tensors, outputs, raw };
}
