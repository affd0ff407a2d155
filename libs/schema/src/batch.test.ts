import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkLengths,
  checkPayloadValues,
  checkShape,
  idsPerItem,
  ITEM_FIELDS,
  type BatchShape,
  type ValueSchema,
} from './batch';

const schema: ValueSchema = {
  denseDim: 3,
  tables: [
    { name: 'a', rows: 10, lookups: 2 },
    { name: 'b', rows: 1000, lookups: 1 },
  ],
};

/** A batch of `count` valid items, its payload placed at byte offset `offset` of a larger buffer (gRPC hands us such views). */
function batch(count: number, offset: number) {
  const dense = new Float32Array(count * 3).map((_, i) => i / 7 - 3);
  const ids = new Int32Array(count * 3).map((_, i) => (i % 3 === 2 ? 999 - (i % 1000) : i % 10));
  const place = (a: Float32Array | Int32Array) => {
    const buf = new Uint8Array(a.byteLength + offset + 3);
    buf.set(new Uint8Array(a.buffer), offset);
    return buf.subarray(offset, offset + a.byteLength);
  };
  return { itemCount: count, dense: place(dense), sparse: place(ids) };
}

/** `b` with one float or id replaced, written in place into its (possibly misaligned) bytes. */
function poke(bytes: Uint8Array, index: number, v: number, kind: 'f32' | 'i32'): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === 'f32') dv.setFloat32(index * 4, v, true);
  else dv.setInt32(index * 4, v, true);
}

const message = (f: () => void) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return 'OK';
};

describe('payload value checks', () => {
  // Large enough to span several 64 KB chunks, at every alignment.
  for (const offset of [0, 1, 2, 3]) {
    it(`accept a valid batch and name the first bad value, payload at offset ${offset}`, () => {
      const n = 9000;
      const b = batch(n, offset);
      assert.equal(
        message(() => checkPayloadValues(schema, b)),
        'OK',
      );

      for (const [at, v, want] of [
        [5 * 3 + 1, NaN, /items\.dense: item 5 feature 1 is NaN/],
        [8999 * 3 + 2, -Infinity, /items\.dense: item 8999 feature 2 is -Infinity/],
        [6000 * 3, Infinity, /item 6000 feature 0 is Infinity/],
      ] as const) {
        const c = batch(n, offset);
        poke(c.dense, at, v, 'f32');
        assert.match(
          message(() => checkPayloadValues(schema, c)),
          want,
        );
      }
      for (const [at, v, want] of [
        [7 * 3 + 1, 10, /items\.sparse: item 7 table a id 10 is out of range \[0, 10\)/],
        [7 * 3 + 2, 1000, /item 7 table b id 1000 is out of range \[0, 1000\)/],
        [8000 * 3, -1, /item 8000 table a id -1 is out of range/],
        [8999 * 3 + 2, -2147483648, /item 8999 table b id -2147483648/],
      ] as const) {
        const c = batch(n, offset);
        poke(c.sparse, at, v, 'i32');
        assert.match(
          message(() =>
            checkPayloadValues(schema, c, {
              count: 'inputs.item_count',
              dense: 'inputs.dense',
              sparse: 'inputs.sparse',
            }),
          ),
          new RegExp(want.source.replace('items', 'inputs')),
        );
      }
    });
  }

  it('accept the largest ids and finite extremes', () => {
    const b = batch(2, 1);
    poke(b.sparse, 0, 9, 'i32');
    poke(b.sparse, 2, 999, 'i32');
    poke(b.dense, 0, 3.4028234663852886e38, 'f32');
    poke(b.dense, 1, -0, 'f32');
    assert.equal(
      message(() => checkPayloadValues(schema, b)),
      'OK',
    );
  });
});

describe('idsPerItem', () => {
  it("is the sum of the tables' lookups, 0 for none", () => {
    assert.equal(idsPerItem(schema.tables), 3);
    assert.equal(idsPerItem([{ lookups: 80 }, { lookups: 1 }, { lookups: 0 }, { lookups: 39 }]), 120);
    assert.equal(idsPerItem([]), 0);
  });
});

describe('the byte-length rule', () => {
  const shape: BatchShape = { denseDim: 3, idsPerItem: 3, maxItems: 1024 };
  const fields = { count: 'inputs[1].shape[0]', dense: 'inputs[0] (dense)', sparse: 'inputs[1] (sparse)' };
  const lengths = (count: number, dense: number, sparse: number, s = shape) =>
    message(() => checkLengths(count, dense, sparse, s, fields));

  it('accepts exactly count × width × 4 bytes for each column', () => {
    assert.equal(lengths(1, 12, 12), 'OK');
    assert.equal(lengths(1024, 1024 * 12, 1024 * 12), 'OK');
    assert.equal(lengths(2, 0, 0, { denseDim: 0, idsPerItem: 0, maxItems: 2 }), 'OK');
  });

  it("names the caller's field, the bytes expected and the bytes given", () => {
    assert.equal(lengths(2, 20, 24), 'inputs[0] (dense): expected 24 bytes (2 items × 3 float32), got 20');
    assert.equal(lengths(2, 24, 28), 'inputs[1] (sparse): expected 24 bytes (2 items × 3 int32 ids), got 28');
    // Counted in bytes, not values: 6 bytes of a 12-byte item are not 1.5 items.
    assert.equal(lengths(1, 12, 6), 'inputs[1] (sparse): expected 12 bytes (1 items × 3 int32 ids), got 6');
  });

  it('bounds the item count, 1 to maxItems unless told otherwise', () => {
    assert.equal(lengths(0, 0, 0), 'inputs[1].shape[0]: must be ≥ 1, got 0');
    assert.equal(lengths(1.5, 18, 18), 'inputs[1].shape[0]: must be ≥ 1, got 1.5');
    assert.equal(lengths(1025, 1025 * 12, 1025 * 12), 'inputs[1].shape[0]: must be ≤ 1024, got 1025');
    assert.equal(lengths(0, 0, 0, { ...shape, minItems: 0 }), 'OK');
    assert.equal(lengths(-1, 0, 0, { ...shape, minItems: 0 }), 'inputs[1].shape[0]: must be ≥ 0, got -1');
  });

  it("is what checkShape applies to a request's items, with Rank's field names by default", () => {
    const b = batch(2, 1);
    assert.equal(checkShape(b, shape), 2);
    assert.equal(
      message(() => checkShape({ ...b, dense: b.dense.subarray(4) }, shape)),
      'items.dense: expected 24 bytes (2 items × 3 float32), got 20',
    );
    assert.equal(
      message(() => checkShape({ ...b, itemCount: 3 }, shape, ITEM_FIELDS)),
      'items.dense: expected 36 bytes (3 items × 3 float32), got 24',
    );
    assert.equal(
      message(() => checkShape(undefined, shape)),
      'items: is required',
    );
  });
});
