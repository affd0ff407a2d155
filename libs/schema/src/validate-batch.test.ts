import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPayloadValues, MAX_BATCH, type ValueSchema } from './batch';
import { randomBatch } from './random-batch';
import { validateBatch, type Batch } from './validate-batch';

const schema: ValueSchema = {
  denseDim: 2,
  tables: [
    { name: 'a', rows: 10, lookups: 2 },
    { name: 'b', rows: 5, lookups: 1 },
  ],
};

const message = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return 'OK';
};

describe('validateBatch', () => {
  it('returns the batch itself once it passes, from 0 items up to MAX_BATCH', () => {
    const b = randomBatch(schema, 7, 3);
    assert.equal(validateBatch(schema, b), b);
    const empty: Batch = { count: 0, dense: new Float32Array(0), ids: new Int32Array(0) };
    assert.equal(validateBatch(schema, empty), empty);
    assert.match(
      message(() =>
        validateBatch(schema, { count: MAX_BATCH + 1, dense: new Float32Array(0), ids: new Int32Array(0) }),
      ),
      /^items\.item_count: must be ≤ 65536/,
    );
  });

  it("applies the wire's length rule to typed arrays, in bytes", () => {
    const b = randomBatch(schema, 3, 1);
    assert.equal(
      message(() => validateBatch(schema, { ...b, ids: b.ids.subarray(1) })),
      'items.sparse: expected 36 bytes (3 items × 3 int32 ids), got 32',
    );
    assert.equal(
      message(() => validateBatch(schema, { ...b, count: 2 })),
      'items.dense: expected 16 bytes (2 items × 2 float32), got 24',
    );
    assert.match(
      message(() => validateBatch(schema, { ...b, dense: new Float64Array(6) as unknown as Float32Array })),
      /^items\.dense: must be a Float32Array/,
    );
  });

  it('finds the same bad value, with the same text, as the check on wire bytes', () => {
    const b = randomBatch(schema, 4, 2);
    const dense = b.dense.slice();
    dense[2 * 2 + 1] = Number.NaN;
    const ids = b.ids.slice();
    ids[3 * 3 + 2] = 5; // item 3, table b (rows 0..4)
    const fields = { count: 'inputs[1].shape[0]', dense: 'inputs[0] (dense)', sparse: 'inputs[1] (sparse)' };
    for (const [bad, want] of [
      [{ ...b, dense }, 'inputs[0] (dense): item 2 feature 1 is NaN (must be finite)'],
      [{ ...b, ids }, 'inputs[1] (sparse): item 3 table b id 5 is out of range [0, 5)'],
    ] as const) {
      assert.equal(
        message(() => validateBatch(schema, bad, fields)),
        want,
      );
      const wire = {
        itemCount: bad.count,
        dense: new Uint8Array(bad.dense.buffer),
        sparse: new Uint8Array(bad.ids.buffer),
      };
      assert.equal(
        message(() => checkPayloadValues(schema, wire, fields)),
        want,
      );
    }
  });
});
