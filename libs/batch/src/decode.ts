import { endianness } from 'node:os';
import { invalidArgument } from '@hera/errors';

/**
 * Column-packed item batches on the wire (hera.common.v1.ItemBatch) and their
 * checks, shared by the gateway and the tenant hosts. No TF.js here: the gateway
 * validates without loading an engine.
 */

/** Largest item_count one inference call accepts (a whole query of DESIGN §4.1 at most). */
export const MAX_ITEMS = 1024;

/** The raw bytes of a batch as the proto carries them. */
export interface RawItems {
  itemCount: number;
  dense: Uint8Array;
  sparse: Uint8Array;
}

export interface BatchShape {
  denseDim: number;
  idsPerItem: number;
  /** Largest item_count accepted. */
  maxItems: number;
}

/** Row counts of the tables, in input order, for id range checks. */
export interface ValueSchema {
  denseDim: number;
  tables: readonly { name: string; rows: number; lookups: number }[];
}

// Payloads are little-endian on the wire and typed arrays use the host's order.
if (endianness() !== 'LE') throw new Error('Hera mesh needs a little-endian host');

/**
 * Checks item_count and byte lengths against the schema, without copying; returns
 * the item count. For callers that copy the bytes somewhere of their own.
 */
export function checkShape(items: RawItems | null | undefined, shape: BatchShape, field = 'items'): number {
  if (!items) throw invalidArgument(field, 'is required');
  const count = items.itemCount;
  if (!Number.isInteger(count) || count < 1) throw invalidArgument(`${field}.item_count`, `must be ≥ 1, got ${count}`);
  if (count > shape.maxItems) throw invalidArgument(`${field}.item_count`, `must be ≤ ${shape.maxItems}, got ${count}`);
  const denseBytes = count * shape.denseDim * 4;
  if (items.dense.byteLength !== denseBytes) {
    throw invalidArgument(`${field}.dense`, `expected ${denseBytes} bytes (${count} items × ${shape.denseDim} float32), got ${items.dense.byteLength}`);
  }
  const idBytes = count * shape.idsPerItem * 4;
  if (items.sparse.byteLength !== idBytes) {
    throw invalidArgument(`${field}.sparse`, `expected ${idBytes} bytes (${count} items × ${shape.idsPerItem} int32 ids), got ${items.sparse.byteLength}`);
  }
  return count;
}

/**
 * Rejects NaN/Inf dense values and ids outside their table, naming the item, the
 * table and the value, so a client can find the bad row. Works on the raw wire bytes
 * (lengths already checked) without copying the payload: a gateway validates every
 * query, and a copy of each (500 KB for a median rmc1 query) cost more than the checks
 * and fed the garbage collector. Payloads at a 4-byte-aligned offset are read in
 * place; others a chunk at a time through a small scratch buffer.
 */
export function checkPayloadValues(schema: ValueSchema, raw: RawItems, field = 'items'): void {
  const dim = schema.denseDim;
  const dense = raw.dense;
  for (let from = 0; from < dense.byteLength; from += CHUNK_BYTES) {
    const v = floats(dense, from, Math.min(dense.byteLength, from + CHUNK_BYTES));
    for (let i = 0; i < v.length; i++) {
      // x - x is NaN exactly for NaN and ±Inf; cheaper than Number.isFinite on a hot loop.
      if (v[i]! - v[i]! !== 0) {
        const at = from / 4 + i;
        throw invalidArgument(`${field}.dense`, `item ${Math.floor(at / dim)} feature ${at % dim} is ${v[i]} (must be finite)`);
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
        if (ids[o + p]! >= rowsAt[p]!) throw badId(schema, field, item + o / per, p, ids[o + p]! | 0);
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
    r = new Uint32Array(schema.tables.reduce((s, t) => s + t.lookups, 0));
    let o = 0;
    for (const t of schema.tables) r.fill(t.rows, o, (o += t.lookups));
    rowsCache.set(schema, r);
  }
  return r;
}

function badId(schema: ValueSchema, field: string, item: number, position: number, id: number): Error {
  let o = 0;
  for (const t of schema.tables) {
    if (position < o + t.lookups) return invalidArgument(`${field}.sparse`, `item ${item} table ${t.name} id ${id} is out of range [0, ${t.rows})`);
    o += t.lookups;
  }
  return invalidArgument(`${field}.sparse`, `item ${item} position ${position} id ${id} is out of range`);
}

/** Scores as the proto's little-endian float32 bytes, without a copy. */
export function scoresToBytes(scores: Float32Array): Buffer {
  return Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength);
}
