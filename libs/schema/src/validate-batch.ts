import { invalidArgument } from '@hera/errors';
import {
  checkLengths,
  checkPayloadValues,
  idsPerItem,
  ITEM_FIELDS,
  MAX_BATCH,
  type BatchFields,
  type ValueSchema,
} from './batch';

/**
 * One inference call's input in the layout of batch.ts, as typed arrays: `dense` [count,
 * denseDim] and `ids` [count, idsPerItem].
 */
export interface Batch {
  count: number;
  dense: Float32Array;
  ids: Int32Array;
}

declare const validated: unique symbol;

/**
 * A batch `validateBatch` accepted for a model's schema: what the engine scores without checking
 * again (validated once per process, where it arrives). The brand is only a type; it does not
 * say for which model, so validate with the config of the model that will score it.
 */
export type ValidBatch = Batch & { readonly [validated]: true };

/**
 * Checks a batch against a model's input schema: item count (0 to MAX_BATCH), lengths, finite
 * dense values, ids in range, with the same rules and texts as the wire checks (batch.ts).
 * Throws INVALID_ARGUMENT naming the caller's field and the first offending value (item, feature
 * or table and id); never lets garbage through.
 */
export function validateBatch(schema: ValueSchema, batch: Batch, fields: BatchFields = ITEM_FIELDS): ValidBatch {
  const { count, dense, ids } = batch;
  if (!(dense instanceof Float32Array)) throw invalidArgument(fields.dense, 'must be a Float32Array (FP32)');
  if (!(ids instanceof Int32Array)) throw invalidArgument(fields.sparse, 'must be an Int32Array (INT32)');
  checkLengths(
    count,
    dense.byteLength,
    ids.byteLength,
    { denseDim: schema.denseDim, idsPerItem: idsPerItem(schema.tables), maxItems: MAX_BATCH, minItems: 0 },
    fields,
  );
  // Byte views of the same memory: typed arrays are 4-byte aligned, so read in place.
  // The engine's dense input is FP32 whatever the wire carried (a host widens FP16 and INT8 first).
  const fp32 = schema.denseDatatype && schema.denseDatatype !== 'FP32' ? asFp32(schema) : schema;
  checkPayloadValues(fp32, { itemCount: count, dense: bytesOf(dense), sparse: bytesOf(ids) }, fields);
  return batch as ValidBatch;
}

/** The same schema read as FP32, one per schema (the id-range check caches by schema object). */
const fp32Of = new WeakMap<ValueSchema, ValueSchema>();
function asFp32(schema: ValueSchema): ValueSchema {
  let s = fp32Of.get(schema);
  if (!s) fp32Of.set(schema, (s = { denseDim: schema.denseDim, tables: schema.tables }));
  return s;
}

const bytesOf = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
