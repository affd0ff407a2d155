import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from './restart-policy';

describe('RestartPolicy', () => {
  const opts = { minBackoffMs: 100, maxBackoffMs: 800, budget: 3, windowMs: 10_000, stableMs: 5_000 };

  it('doubles the backoff up to its maximum while the process keeps dying young', () => {
    const p = new RestartPolicy({ ...opts, budget: 10 });
    const delays: number[] = [];
    let t = 0;
    for (let i = 0; i < 5; i++) {
      const d = p.onExit(t, t + 10);
      assert.equal(d.restart, true);
      if (d.restart) delays.push(d.delayMs);
      t += 20;
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 800]);
  });

  it('resets the backoff after a stable run', () => {
    const p = new RestartPolicy(opts);
    p.onExit(0, 10);
    p.onExit(20, 30);
    const d = p.onExit(40, 40 + opts.stableMs);
    assert.deepEqual(d, { restart: true, delayMs: 100, inWindow: 3 });
  });

  it('gives up past the budget within the window, and counts only the window', () => {
    const p = new RestartPolicy(opts);
    for (let i = 0; i < 3; i++) assert.equal(p.onExit(i, i + 1).restart, true);
    const over = p.onExit(4, 5);
    assert.equal(over.restart, false);
    if (!over.restart) assert.match(over.reason, /3 restarts within 10 s/);
    // Once the first restarts leave the window, restarting is allowed again.
    assert.equal(p.recent(10_003), 0);
    assert.equal(p.onExit(10_000, 10_003).restart, true);
  });

  it('refuses a nonsensical policy', () => {
    assert.throws(() => new RestartPolicy({ budget: -1 }), /budget must be a non-negative number/);
    assert.throws(() => new RestartPolicy({ minBackoffMs: 10, maxBackoffMs: 5 }), /must not exceed/);
  });
});
