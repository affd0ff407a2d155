import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planParts } from './plan-parts';

const replica = (name: string, outstandingItems = 0) => ({ name, outstandingItems });
/** Least outstanding items first (what power of two choices does with two replicas). */
const leastLoaded = (rs: ReturnType<typeof replica>[]) => () =>
  rs.reduce((a, b) => (b.outstandingItems < a.outstandingItems ? b : a));
const spans = (plan: { replica: { name: string }; start: number; end: number }[]) =>
  plan.map(p => `${p.replica.name}:${p.start}-${p.end}`);

describe('planParts', () => {
  it('sends a query for one replica as one request, whatever its sub-batch count', () => {
    const a = replica('a');
    assert.deepEqual(spans(planParts('m', 330, 128, 1024, () => a)), ['a:0-330']);
    assert.deepEqual(spans(planParts('m', 5, 128, 1024, () => a)), ['a:0-5']);
  });

  it('keeps each request within what a host takes at once', () => {
    const a = replica('a');
    assert.deepEqual(spans(planParts('m', 2500, 128, 1024, () => a)), ['a:0-1024', 'a:1024-2048', 'a:2048-2500']);
    assert.deepEqual(spans(planParts('m', 1100, 300, 1024, () => a)), ['a:0-900', 'a:900-1100']);
  });

  it('spreads sub-batches over replicas by the load this query adds, one request per run', () => {
    const a = replica('a');
    const b = replica('b');
    assert.deepEqual(spans(planParts('m', 330, 128, 1024, leastLoaded([a, b]))), ['a:0-128', 'b:128-256', 'a:256-330']);
    // b already busy: the first two go to a together, then b takes the third.
    const c = replica('c');
    const d = replica('d', 200);
    assert.deepEqual(spans(planParts('m', 330, 128, 1024, leastLoaded([c, d]))), ['c:0-256', 'd:256-330']);
  });

  it('leaves outstanding counts as it found them (the caller counts from the send)', () => {
    const a = replica('a', 7);
    const b = replica('b', 3);
    planParts('m', 1000, 64, 1024, leastLoaded([a, b]));
    assert.equal(a.outstandingItems, 7);
    assert.equal(b.outstandingItems, 3);
  });

  it('answers UNAVAILABLE when no replica is up, and restores what it counted', () => {
    const a = replica('a');
    let calls = 0;
    assert.throws(
      () => planParts('m', 300, 100, 1024, () => (calls++ < 2 ? a : undefined)),
      /UNAVAILABLE|no replica of model m is up/,
    );
    assert.equal(a.outstandingItems, 0);
  });
});
