import {
  denseEncodingFrom,
  encodeDense,
  idsPerItem,
  type DenseQuantization,
  type TensorSignature,
} from '@hera/model-schema';
import type { Rng } from '@hera/stats';

/** The input schema a generator needs (a subset of a model's config). */
export interface ItemSchema {
  denseDim: number;
  tables: readonly { rows: number; lookups: number }[];
  /**
   * The datatype the model takes dense features in (a ModelConfig's, ModelRecord's or
   * ModelInfo's; absent or "": FP32), and INT8's quantisation in either form.
   */
  denseDatatype?: string | undefined;
  denseQuant?: DenseQuantization | undefined;
  denseScale?: readonly number[] | undefined;
  denseZeroPoint?: readonly number[] | undefined;
  /** A model without the ranking layout (ModelRecord.tensors): queries are its named tensors, rows its items. */
  tensors?: TensorSignature | undefined;
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

/** The dense values as the model takes them on the wire (FP32 as they are; FP16, INT8 encoded). */
export function denseBytes(items: GeneratedItems, schema?: ItemSchema): Buffer {
  const b = schema
    ? encodeDense(items.dense, schema.denseDim, denseEncodingFrom(schema))
    : new Uint8Array(items.dense.buffer, items.dense.byteOffset, items.dense.byteLength);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The proto's ItemBatch (little-endian bytes) for generated items; with the model's schema, the
 * dense values in its datatype (default FP32).
 */
export function toItemBatch(
  items: GeneratedItems,
  schema?: ItemSchema,
): { itemCount: number; dense: Buffer; sparse: Buffer } {
  return {
    itemCount: items.count,
    dense: denseBytes(items, schema),
    sparse: Buffer.from(items.ids.buffer, items.ids.byteOffset, items.ids.byteLength),
  };
}
