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

export interface DecodedItems {
  count: number;
  /** Owns its whole ArrayBuffer (transferable to a worker thread). */
  dense: Float32Array;
  ids: Int32Array;
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
 * Checks item_count and byte lengths against the schema and copies the payload
 * into fresh, aligned typed arrays (gRPC hands us views at arbitrary offsets
 * into its receive buffer).
 */
export function decodeItems(items: RawItems | null | undefined, shape: BatchShape, field = 'items'): DecodedItems {
  const count = checkShape(items, shape, field);
  const dense = new Float32Array(count * shape.denseDim);
  new Uint8Array(dense.buffer).set(items!.dense);
  const ids = new Int32Array(count * shape.idsPerItem);
  new Uint8Array(ids.buffer).set(items!.sparse);
  return { count, dense, ids };
}

/**
 * Rejects NaN/Inf dense values and ids outside their table, naming the item,
 * the table and the value, so a client can find the bad row.
 */
export function checkValues(schema: ValueSchema, batch: { count: number; dense: Float32Array; ids: Int32Array }, field = 'items'): void {
  const { dense, ids } = batch;
  for (let i = 0; i < dense.length; i++) {
    const v = dense[i]!;
    // v - v is NaN exactly for NaN and ±Inf; cheaper than Number.isFinite on a hot loop.
    if (v - v !== 0) {
      const item = Math.floor(i / schema.denseDim);
      throw invalidArgument(`${field}.dense`, `item ${item} feature ${i % schema.denseDim} is ${v} (must be finite)`);
    }
  }
  let o = 0;
  for (let item = 0; item < batch.count; item++) {
    for (const t of schema.tables) {
      for (let l = 0; l < t.lookups; l++, o++) {
        const id = ids[o]!;
        if (id < 0 || id >= t.rows) {
          throw invalidArgument(`${field}.sparse`, `item ${item} table ${t.name} id ${id} is out of range [0, ${t.rows})`);
        }
      }
    }
  }
}

/** Scores as the proto's little-endian float32 bytes, without a copy. */
export function scoresToBytes(scores: Float32Array): Buffer {
  return Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength);
}
