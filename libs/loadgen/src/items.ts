import { idsPerItem } from '@hera/model-schema';
import type { Rng } from '@hera/stats';

/** The input schema a generator needs (a subset of a model's config). */
export interface ItemSchema {
  denseDim: number;
  tables: readonly { rows: number; lookups: number }[];
}

export interface GeneratedItems {
  count: number;
  /** float32 row-major [count, denseDim], uniform in [-1, 1). */
  dense: Float32Array;
  /** int32 row-major [count, Σ lookups], each id uniform over its table's rows. */
  ids: Int32Array;
}

/** Random candidate items for one query or sub-batch. */
export function randomItems(schema: ItemSchema, count: number, rng: Rng): GeneratedItems {
  const dense = new Float32Array(count * schema.denseDim);
  for (let i = 0; i < dense.length; i++) dense[i] = rng.next() * 2 - 1;
  const perItem = idsPerItem(schema.tables);
  const ids = new Int32Array(count * perItem);
  let o = 0;
  for (let i = 0; i < count; i++) {
    for (const t of schema.tables) for (let l = 0; l < t.lookups; l++) ids[o++] = rng.int(t.rows);
  }
  return { count, dense, ids };
}

/** The proto's ItemBatch (little-endian bytes) for generated items. */
export function toItemBatch(items: GeneratedItems): { itemCount: number; dense: Buffer; sparse: Buffer } {
  return {
    itemCount: items.count,
    dense: Buffer.from(items.dense.buffer, items.dense.byteOffset, items.dense.byteLength),
    sparse: Buffer.from(items.ids.buffer, items.ids.byteOffset, items.ids.byteLength),
  };
}
