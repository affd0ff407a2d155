import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@hera/logger';
import { Lifecycle } from './index';

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

describe('Lifecycle', () => {
  it('runs steps in order and ends stopped with exit code 0', async () => {
    const order: string[] = [];
    const states: string[] = [];
    let exitCode = -1;
    const lc = new Lifecycle({ log: silentLogger(), budgetMs: 1_000, exit: c => (exitCode = c) });
    lc.onChange(s => states.push(s));
    lc.addSteps(
      ['a', () => void order.push('a')],
      [
        'b',
        async () => {
          await sleep(5);
          order.push('b');
        },
      ],
    );
    lc.serving();
    assert.equal(await lc.shutdown('test'), 0);
    assert.deepEqual(order, ['a', 'b']);
    assert.deepEqual(states, ['serving', 'draining', 'stopped']);
    assert.equal(exitCode, 0);
  });

  it('keeps going past a failing step and exits 1', async () => {
    const order: string[] = [];
    const lc = new Lifecycle({ log: silentLogger(), budgetMs: 1_000, exit: () => {} });
    lc.addSteps(
      [
        'boom',
        () => {
          throw new Error('x');
        },
      ],
      ['after', () => void order.push('after')],
    );
    assert.equal(await lc.shutdown('test'), 1);
    assert.deepEqual(order, ['after']);
    assert.equal(lc.state, 'failed');
  });

  it('abandons a step that outlives the budget and skips the rest', async () => {
    const order: string[] = [];
    const lc = new Lifecycle({ log: silentLogger(), budgetMs: 100, exit: () => {} });
    lc.addSteps(['slow', () => sleep(10_000)], ['late', () => void order.push('late')]);
    const t0 = Date.now();
    assert.equal(await lc.shutdown('test'), 1);
    assert.ok(Date.now() - t0 < 1_000);
    assert.deepEqual(order, []);
  });

  it('runs the steps once however often shutdown is called', async () => {
    let runs = 0;
    const lc = new Lifecycle({ log: silentLogger(), budgetMs: 1_000, exit: () => {} });
    lc.addSteps(['count', () => void runs++]);
    await Promise.all([lc.shutdown('a'), lc.shutdown('b')]);
    await lc.shutdown('c');
    assert.equal(runs, 1);
  });
});
