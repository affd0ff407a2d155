import { endianness } from 'node:os';
import { invalidArgument } from '@hera/errors';
import { denseBytesPer, DENSE_ELEMENT, type DenseDatatype } from './dense-datatype';

/**
 * The batch layout (hera.common.v1.ItemBatch, the Open Inference Protocol's raw tensors, the
 * engine's input) and its one set of checks, shared by the gateway, the tenant hosts and the
 * engine. Column-packed: dense row-major [count, denseDim] in the model's dense datatype (FP32
 * unless it declares FP16 or INT8: dense-datatype.ts; the engine's input is always FP32), ids
 * int32 row-major [count, idsPerItem], an item's ids table by table in config order (the
 * lookups of table 0, then table 1, …).
 */

/** Largest item_count one inference call over the wire accepts (a whole query of DESIGN §4.1 at most). */
export const MAX_ITEMS = 1024;

/** The most items one engine call may carry (a query has at most MAX_ITEMS; sub-batches are smaller). */
export const MAX_BATCH = 65_536;

/** Ids per item: Σ lookups over the tables, in the order the batch lays them out. */
export function idsPerItem(tables: readonly { lookups: number }[]): number {
  let n = 0;
  for (const t of tables) n += t.lookups;
  return n;
}

/** The raw bytes of a batch as the proto carries them. */
export interface RawItems {
  itemCount: number;
  dense: Uint8Array;
  sparse: Uint8Array;
}

export interface BatchShape {
  denseDim: number;
  /** The dense values' datatype on the wire; absent: FP32. */
  denseDatatype?: DenseDatatype | undefined;
  idsPerItem: number;
  /** Largest item count accepted. */
  maxItems: number;
  /** Smallest item count accepted (default 1: a query ranks at least one item). */
  minItems?: number;
}

/** Row counts of the tables, in input order, for id range checks. */
export interface ValueSchema {
  denseDim: number;
  /** The dense values' datatype on the wire; absent: FP32. */
  denseDatatype?: DenseDatatype | undefined;
  tables: readonly { name: string; rows: number; lookups: number }[];
}

/**
 * How the caller's clients name the batch's parts in error messages: "items.dense" for Rank,
 * "inputs[0] (dense)" for the Open Inference Protocol.
 */
export interface BatchFields {
  count: string;
  dense: string;
  sparse: string;
}

/** The field names of hera.common.v1.ItemBatch under a request's `items`. */
export const ITEM_FIELDS: Readonly<BatchFields> = Object.freeze({
  count: 'items.item_count',
  dense: 'items.dense',
  sparse: 'items.sparse',
});

// Payloads are little-endian on the wire and typed arrays use the host's order.
if (endianness() !== 'LE') throw new Error('Hera mesh needs a little-endian host');

/**
 * The one rule for a batch's item count and byte lengths (the wire's, and the engine's for typed
 * arrays): INVALID_ARGUMENT naming the caller's field.
 */
export function checkLengths(
  count: number,
  denseBytes: number,
  sparseBytes: number,
  shape: BatchShape,
  fields: BatchFields = ITEM_FIELDS,
): void {
  const min = shape.minItems ?? 1;
  if (!Number.isInteger(count) || count < min) throw invalidArgument(fields.count, `must be ≥ ${min}, got ${count}`);
  if (count > shape.maxItems) throw invalidArgument(fields.count, `must be ≤ ${shape.maxItems}, got ${count}`);
  const wantDense = count * shape.denseDim * denseBytesPer(shape.denseDatatype);
  if (denseBytes !== wantDense) {
    const element = DENSE_ELEMENT[shape.denseDatatype ?? 'FP32'];
    throw invalidArgument(
      fields.dense,
      `expected ${wantDense} bytes (${count} items × ${shape.denseDim} ${element}), got ${denseBytes}`,
    );
  }
  const wantIds = count * shape.idsPerItem * 4;
  if (sparseBytes !== wantIds) {
    throw invalidArgument(
      fields.sparse,
      `expected ${wantIds} bytes (${count} items × ${shape.idsPerItem} int32 ids), got ${sparseBytes}`,
    );
  }
}

/**
 * Checks that there are items, their item_count and byte lengths, without copying; returns the
 * item count. For callers that copy the bytes somewhere of their own.
 */
export function checkShape(
  items: RawItems | null | undefined,
  shape: BatchShape,
  fields: BatchFields = ITEM_FIELDS,
  itemsField = 'items',
): number {
  if (!items) throw invalidArgument(itemsField, 'is required');
  checkLengths(items.itemCount, items.dense.byteLength, items.sparse.byteLength, shape, fields);
  return items.itemCount;
}

/**
 * Rejects NaN/Inf dense values and ids outside their table, naming the item, the
 * table and the value, so a client can find the bad row. Works on the raw wire bytes
 * (lengths already checked) without copying the payload: a gateway validates every
 * query, and a copy of each (500 KB for a median rmc1 query) cost more than the checks
 * and fed the garbage collector. Payloads at a 4-byte-aligned offset are read in
 * place; others a chunk at a time through a small scratch buffer.
 */
export function checkPayloadValues(schema: ValueSchema, raw: RawItems, fields: BatchFields = ITEM_FIELDS): void {
  const dim = schema.denseDim;
  const dense = raw.dense;
  // FP16: NaN and ±Inf are the values whose exponent bits are all ones. INT8: every value is
  // one (its dequantised value is finite: the scale was checked when the model was declared).
  const dt = schema.denseDatatype ?? 'FP32';
  if (dt === 'FP16') checkHalves(dense, dim, fields);
  for (let from = 0; dt === 'FP32' && from < dense.byteLength; from += CHUNK_BYTES) {
    const v = floats(dense, from, Math.min(dense.byteLength, from + CHUNK_BYTES));
    for (let i = 0; i < v.length; i++) {
      // x - x is NaN exactly for NaN and ±Inf; cheaper than Number.isFinite on a hot loop.
      if (v[i]! - v[i]! !== 0) {
        const at = from / 4 + i;
        throw invalidArgument(
          fields.dense,
          `item ${Math.floor(at / dim)} feature ${at % dim} is ${v[i]} (must be finite)`,
        );
      }
    }
  }
  const rowsAt = rowsByPosition(schema);
  const per = rowsAt.length;
  if (per === 0) return;
  // Whole items per chunk, so a position's table is its index modulo ids per item.
  const itemsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (per * 4)));
  for (let item = 0; item < raw.itemCount; item += itemsPerChunk) {
    const to = Math.min(raw.itemCount, item + itemsPerChunk);
    const ids = uints(raw.sparse, item * per * 4, to * per * 4);
    for (let o = 0; o < ids.length; o += per) {
      for (let p = 0; p < per; p++) {
        // Unsigned: a negative int32 id reads as ≥ 2^31, above any table's rows.
        if (ids[o + p]! >= rowsAt[p]!) throw badId(schema, fields, item + o / per, p, ids[o + p]! | 0);
      }
    }
  }
}

/** Rejects binary16 NaN and ±Inf, naming the item and feature, like the FP32 check. */
function checkHalves(dense: Uint8Array, dim: number, fields: BatchFields): void {
  for (let from = 0; from < dense.byteLength; from += CHUNK_BYTES) {
    const to = Math.min(dense.byteLength, from + CHUNK_BYTES);
    const [buf, off] = aligned(dense, from, to);
    const v = new Uint16Array(buf, off, (to - from) / 2);
    for (let i = 0; i < v.length; i++) {
      if ((v[i]! & 0x7c00) === 0x7c00) {
        const at = from / 2 + i;
        const what = v[i]! & 0x3ff ? 'NaN' : v[i]! & 0x8000 ? '-Infinity' : 'Infinity';
        throw invalidArgument(
          fields.dense,
          `item ${Math.floor(at / dim)} feature ${at % dim} is ${what} (FP16 0x${v[i]!.toString(16)}; must be finite)`,
        );
      }
    }
  }
}

const CHUNK_BYTES = 64 * 1024;
let scratch = new ArrayBuffer(CHUNK_BYTES);

function aligned(bytes: Uint8Array, from: number, to: number): [ArrayBuffer, number] {
  if ((bytes.byteOffset + from) % 4 === 0) return [bytes.buffer as ArrayBuffer, bytes.byteOffset + from];
  if (scratch.byteLength < to - from) scratch = new ArrayBuffer(to - from);
  new Uint8Array(scratch, 0, to - from).set(bytes.subarray(from, to));
  return [scratch, 0];
}

function floats(bytes: Uint8Array, from: number, to: number): Float32Array {
  const [buf, off] = aligned(bytes, from, to);
  return new Float32Array(buf, off, (to - from) / 4);
}

function uints(bytes: Uint8Array, from: number, to: number): Uint32Array {
  const [buf, off] = aligned(bytes, from, to);
  return new Uint32Array(buf, off, (to - from) / 4);
}

const rowsCache = new WeakMap<ValueSchema, Uint32Array>();

/** Each id position's table size (a position is a table's lookup within an item). */
function rowsByPosition(schema: ValueSchema): Uint32Array {
  let r = rowsCache.get(schema);
  if (!r) {
    r = new Uint32Array(idsPerItem(schema.tables));
    let o = 0;
    for (const t of schema.tables) r.fill(t.rows, o, (o += t.lookups));
    rowsCache.set(schema, r);
  }
  return r;
}

function badId(schema: ValueSchema, fields: BatchFields, item: number, position: number, id: number): Error {
  let o = 0;
  for (const t of schema.tables) {
    if (position < o + t.lookups)
      return invalidArgument(fields.sparse, `item ${item} table ${t.name} id ${id} is out of range [0, ${t.rows})`);
    o += t.lookups;
  }
  return invalidArgument(fields.sparse, `item ${item} position ${position} id ${id} is out of range`);
}

/** Scores as the proto's little-endian float32 bytes, without a copy. */
export function scoresToBytes(scores: Float32Array): Buffer {
  return Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength);
}
