import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeEventMessage, parseNodeEvent } from './nodes';

describe('node events', () => {
  it('reads back what a publisher writes', () => {
    for (const event of ['joined', 'changed', 'left'] as const)
      assert.deepEqual(parseNodeEvent(nodeEventMessage('n1', event)), { node: 'n1', event });
  });

  it('says why a message is not a node event', () => {
    assert.deepEqual(parseNodeEvent('{'), { error: 'not JSON' });
    assert.deepEqual(parseNodeEvent('{"event":"joined"}'), { error: 'no node id in {"event":"joined"}' });
    assert.deepEqual(parseNodeEvent('{"node":"n1","event":"exploded"}'), {
      error: 'event "exploded" is not one of joined, changed, left',
    });
  });
});
