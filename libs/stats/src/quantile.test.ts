import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quantile, quantileSorted } from './quantile';

describe('nearest-rank quantiles', () => {
  it('are NaN for no values', () => {
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.ok(Number.isNaN(quantileSorted(new Float64Array(0), 0.99)));
  });

  it('are the value itself for one value, at every q', () => {
    for (const q of [0, 0.01, 0.5, 0.95, 1]) assert.equal(quantile([7], q), 7);
  });

  it('pick rank ⌈q·n⌉ exactly', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1); // 1 … 20: the value is its rank
    assert.equal(quantileSorted(xs, 0), 1);
    assert.equal(quantileSorted(xs, 0.05), 1);
    assert.equal(quantileSorted(xs, 0.06), 2);
    assert.equal(quantileSorted(xs, 0.5), 10); // the lower median, not floor(q·n)'s 11th
    assert.equal(quantileSorted(xs, 0.95), 19);
    assert.equal(quantileSorted(xs, 0.99), 20);
    assert.equal(quantileSorted(xs, 1), 20);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(quantileSorted(hundred, 0.95), 95);
    assert.equal(quantileSorted(hundred, 0.99), 99);
  });

  it('sort numerically a copy of unsorted input, leaving it as it was', () => {
    const xs = [10, 9, 100, 1, 2];
    assert.equal(quantile(xs, 0.5), 9);
    assert.equal(quantile(xs, 1), 100);
    assert.deepEqual(xs, [10, 9, 100, 1, 2]);
  });
});
