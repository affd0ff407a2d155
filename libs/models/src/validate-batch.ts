import { invalidArgument } from '@hera/errors';
import { outOfRange } from './embedding-bag';
import type { ModelConfig } from './model-config';

/**
 * One inference call's input, columnar: `dense` row-major [count, denseDim] and `ids` row-major
 * [count, idsPerItem], an item's ids laid out table by table in config order (lookups of table 0,
 * then table 1, …). The same layout as the Open Inference Protocol's raw little-endian tensors.
 */
export interface Batch {
  count: number;
  dense: Float32Array;
  ids: Int32Array;
}

/** The most items one call may carry (a query has at most 1024; sub-batches are smaller). */
export const MAX_BATCH = 65_536;

/**
 * Checks a batch against a model's input schema: item count, lengths, finite dense values, ids in
 * range. Throws INVALID_ARGUMENT naming the field ("items", "items.dense", "items.sparse") and
 * the first offending value (item, feature or table and id), never lets garbage through.
 */
export function validateBatch(config: ModelConfig, batch: Batch): void {
  const { count, dense, ids } = batch;
  if (!Number.isInteger(count) || count < 0 || count > MAX_BATCH) {
    throw invalidArgument('items', `item count must be an integer in [0, ${MAX_BATCH}], got ${count}`);
  }
  if (!(dense instanceof Float32Array)) throw invalidArgument('items.dense', 'must be a Float32Array (FP32)');
  if (!(ids instanceof Int32Array)) throw invalidArgument('items.sparse', 'must be an Int32Array (INT32)');
  const d = config.denseDim;
  if (dense.length !== count * d) {
    throw invalidArgument('items.dense', `expected ${count} items × ${d} features = ${count * d} values, got ${dense.length}`);
  }
  const per = config.tables.reduce((s, t) => s + t.lookups, 0);
  if (ids.length !== count * per) {
    throw invalidArgument('items.sparse', `expected ${count} items × ${per} ids = ${count * per} ids, got ${ids.length}`);
  }
  for (let i = 0; i < dense.length; i++) {
    const x = dense[i]!;
    // x - x is NaN exactly for NaN and ±Infinity: one test per value.
    if (x - x !== 0) throw invalidArgument('items.dense', `value ${x} at item ${Math.floor(i / d)}, feature ${i % d} is not finite`);
  }
  let off = 0;
  for (const t of config.tables) {
    const rows = t.rows;
    for (let b = 0; b < count; b++) {
      const base = b * per + off;
      for (let l = 0; l < t.lookups; l++) {
        const id = ids[base + l]!;
        if (id < 0 || id >= rows) throw outOfRange(t, id, b);
      }
    }
    off += t.lookups;
  }
}
