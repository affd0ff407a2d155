import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingWindow } from './sliding-window';

describe('SlidingWindow', () => {
  it('reports nearest-rank percentiles of the window, zeros when it is empty', () => {
    const w = new SlidingWindow(1000, 4); // a small ring, so adding also grows it
    assert.deepEqual(w.summary(0), { p50: 0, p95: 0, p99: 0, count: 0, perSecond: 0, itemsPerSecond: 0 });
    for (let v = 20; v >= 1; v--) w.add(500, v, 2);
    const s = w.summary(1000);
    assert.deepEqual([s.p50, s.p95, s.p99, s.count], [10, 19, 20, 20]);
    assert.equal(s.itemsPerSecond, 2 * s.perSecond);
    assert.equal(w.summary(1501).count, 0); // every value older than the window
  });
});
