import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkLengths, checkPayloadValues, type ValueSchema } from './batch';
import {
  checkDenseEncoding,
  dequantize,
  DenseWidener,
  encodeFp16,
  encodeInt8,
  floatToHalf,
  halfToFloat,
  widenDense,
} from './dense-datatype';
import { validateBatch } from './validate-batch';

const message = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

/** Every binary16 bit pattern that is a finite value. */
const finiteHalves = () => {
  const out: number[] = [];
  for (let h = 0; h < 65536; h++) if ((h & 0x7c00) !== 0x7c00) out.push(h);
  return out;
};

describe('FP16', () => {
  it('halfToFloat reads zeros, subnormals, normals and the extremes exactly', () => {
    assert.ok(Object.is(halfToFloat(0x0000), 0));
    assert.ok(Object.is(halfToFloat(0x8000), -0));
    assert.equal(halfToFloat(0x0001), 2 ** -24, 'smallest subnormal');
    assert.equal(halfToFloat(0x03ff), 1023 * 2 ** -24, 'largest subnormal');
    assert.equal(halfToFloat(0x0400), 2 ** -14, 'smallest normal');
    assert.equal(halfToFloat(0x3c00), 1);
    assert.equal(halfToFloat(0xc000), -2);
    assert.equal(halfToFloat(0x3555), 0.333251953125);
    assert.equal(halfToFloat(0x7bff), 65504, 'largest finite');
    assert.equal(halfToFloat(0x7c00), Infinity);
    assert.equal(halfToFloat(0xfc00), -Infinity);
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  });

  it('floatToHalf ∘ halfToFloat is the identity on every finite half, ±0 included', () => {
    for (const h of finiteHalves()) assert.equal(floatToHalf(halfToFloat(h)), h, `0x${h.toString(16)}`);
  });

  it('floatToHalf rounds to nearest even, overflows to Inf and keeps NaN', () => {
    assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00, 'tie between 1 and its successor goes to even 1');
    assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02, 'tie goes to even 0x3c02');
    assert.equal(floatToHalf(2 ** -25), 0x0000, 'half the smallest subnormal ties to 0');
    assert.equal(floatToHalf(3 * 2 ** -25), 0x0002, 'subnormal tie to even');
    assert.equal(floatToHalf(65520), 0x7c00, 'beyond 65504 + half a step: Inf');
    assert.equal(floatToHalf(-1e6), 0xfc00);
    assert.equal(floatToHalf(NaN) & 0x7c00, 0x7c00);
  });

  it('widens every finite half to the same FP32 value, in place', () => {
    const halves = finiteHalves();
    const bytes = new Uint8Array(new Uint16Array(halves).buffer);
    const got = widenDense(bytes, { denseDatatype: 'FP16' }, 1, new Float32Array(halves.length));
    for (let i = 0; i < halves.length; i++)
      assert.ok(Object.is(got[i], halfToFloat(halves[i]!)), `0x${halves[i]!.toString(16)}: ${got[i]}`);
  });

  it('is refused at NaN and ±Inf, naming the item and feature', () => {
    const schema: ValueSchema = { denseDim: 3, denseDatatype: 'FP16', tables: [] };
    const dense = encodeFp16([1, 2, 3, 4, 5, 6]);
    const raw = { itemCount: 2, dense, sparse: new Uint8Array(0) };
    assert.doesNotThrow(() => checkPayloadValues(schema, raw));
    for (const [bits, what] of [
      [0x7c00, 'Infinity'],
      [0xfc00, '-Infinity'],
      [0x7e01, 'NaN'],
    ] as const) {
      const bad = new Uint16Array(dense.slice().buffer);
      bad[4] = bits;
      assert.equal(
        message(() => checkPayloadValues(schema, { ...raw, dense: new Uint8Array(bad.buffer) })),
        `items.dense: item 1 feature 1 is ${what} (FP16 0x${bits.toString(16)}; must be finite)`,
      );
    }
  });

  it('checks the byte length as 2 per value', () => {
    const shape = { denseDim: 3, denseDatatype: 'FP16' as const, idsPerItem: 0, maxItems: 10 };
    assert.doesNotThrow(() => checkLengths(2, 12, 0, shape));
    assert.equal(
      message(() => checkLengths(2, 24, 0, shape)),
      'items.dense: expected 12 bytes (2 items × 3 float16), got 24',
    );
  });
});

describe('INT8', () => {
  const perTensor = { scale: [0.5], zeroPoint: [-3] };
  const perFeature = { scale: [0.25, 2, 0.125], zeroPoint: [0, 10, -128] };

  it('dequantises as fround(scale × (q − zero point)), per tensor and per feature', () => {
    const q = new Int8Array([-128, -3, 0, 127, 5, -1]);
    const bytes = new Uint8Array(q.buffer);
    const a = widenDense(bytes, { denseDatatype: 'INT8', denseQuant: perTensor }, 3, new Float32Array(6));
    assert.deepEqual([...a], [-62.5, 0, 1.5, 65, 4, 1]);
    const b = widenDense(bytes, { denseDatatype: 'INT8', denseQuant: perFeature }, 3, new Float32Array(6));
    assert.deepEqual([...b], [-32, -26, 16, 31.75, -10, 15.875]);
    for (let i = 0; i < 6; i++) assert.equal(b[i], dequantize(q[i]!, i % 3, perFeature));
  });

  it('encodeInt8 rounds and clamps, and widening gives back what it represents', () => {
    const values = [0.26, -100, 3.9, 0.1, 1000, -0.3];
    const q = new Int8Array(encodeInt8(values, 3, perFeature).buffer);
    assert.deepEqual([...q], [1, -40, -97, 0, 127, -128]);
    const back = widenDense(
      new Uint8Array(q.buffer),
      { denseDatatype: 'INT8', denseQuant: perFeature },
      3,
      new Float32Array(6),
    );
    for (let i = 0; i < 6; i++) assert.equal(back[i], dequantize(q[i]!, i % 3, perFeature));
  });

  it('every value is valid (no NaN check), lengths are 1 byte a value', () => {
    const schema: ValueSchema = { denseDim: 2, denseDatatype: 'INT8', tables: [] };
    const dense = new Uint8Array([0x80, 0xff, 0x7f, 0x00]);
    assert.doesNotThrow(() => checkPayloadValues(schema, { itemCount: 2, dense, sparse: new Uint8Array(0) }));
    assert.equal(
      message(() => checkLengths(2, 8, 0, { denseDim: 2, denseDatatype: 'INT8', idsPerItem: 0, maxItems: 4 })),
      'items.dense: expected 4 bytes (2 items × 2 int8), got 8',
    );
  });
});

describe('DenseWidener', () => {
  it('widens a prefix of a larger slot and leaves the rest alone (the inference slot)', () => {
    const dim = 3;
    const values = [0.5, -0, 1024, 2 ** -20, -65504, 7.25];
    const slot = new SharedArrayBuffer(4 * dim * 4 + 8);
    const tail = new Uint8Array(slot, 4 * dim * 4, 8).fill(0xab);
    new Uint8Array(slot).set(encodeFp16(values));
    new DenseWidener({ denseDatatype: 'FP16' }, dim).widen(slot, 0, 2);
    const got = new Float32Array(slot, 0, 6);
    for (let i = 0; i < 6; i++) assert.ok(Object.is(got[i], halfToFloat(floatToHalf(values[i]!))), `value ${i}`);
    assert.ok(tail.every(b => b === 0xab));
  });

  it('FP32 is left as it is', () => {
    const buf = new Float32Array([1, 2, 3]);
    new DenseWidener({}, 3).widen(buf.buffer, 0, 1);
    assert.deepEqual([...buf], [1, 2, 3]);
  });

  it('its output passes the engine check as FP32 (validateBatch ignores the wire datatype)', () => {
    const schema: ValueSchema = { denseDim: 2, denseDatatype: 'FP16', tables: [] };
    const dense = new Float32Array([1, 2]);
    assert.doesNotThrow(() => validateBatch(schema, { count: 1, dense, ids: new Int32Array(0) }));
  });
});

describe('checkDenseEncoding', () => {
  it('normalises FP32 to nothing and keeps FP16', () => {
    assert.deepEqual(checkDenseEncoding({ denseDatatype: 'FP32' }, 4, 'f'), {});
    assert.deepEqual(checkDenseEncoding({ denseDatatype: 'FP16' }, 4, 'f'), { denseDatatype: 'FP16' });
  });

  it('refuses what would not dequantise to a finite FP32, naming the field', () => {
    const int8 = (scale: number[], zeroPoint: number[]) => () =>
      checkDenseEncoding({ denseDatatype: 'INT8', denseQuant: { scale, zeroPoint } }, 3, 'sig');
    assert.doesNotThrow(int8([0.1], [0]));
    assert.doesNotThrow(int8([0.1, 0.2, 0.3], [0]));
    assert.match(message(int8([0.1, 0.2], [0])), /^sig\.scale: must be one number \(per tensor\) or 3/);
    assert.match(message(int8([0], [0])), /^sig\.scale\[0\]: must be a positive float32/);
    assert.match(message(int8([1e38], [0])), /^sig\.scale\[0\]: must be a positive float32/);
    assert.match(message(int8([1], [128])), /^sig\.zeroPoint\[0\]: must be an integer in \[-128, 127\]/);
    assert.match(message(int8([1], [0.5])), /^sig\.zeroPoint\[0\]/);
    assert.match(
      message(() => checkDenseEncoding({ denseDatatype: 'INT8' }, 3, 'sig')),
      /^sig: INT8 needs its scale/,
    );
    assert.match(
      message(() => checkDenseEncoding({ denseDatatype: 'FP16', denseQuant: { scale: [1], zeroPoint: [0] } }, 3, 'x')),
      /^x: scale and zero point belong to INT8 only/,
    );
  });
});
