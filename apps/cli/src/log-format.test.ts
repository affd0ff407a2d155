import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLine } from './log-format';

describe('formatLogLine', () => {
  it('renders a JSON log line as time, level, message and extra fields', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-11-28T20:55:19.406Z',
      service: 'gateway',
      pid: 1,
      msg: 'slow',
      ms: 12,
      node: 'n1',
    });
    assert.equal(formatLogLine('gateway', line, false), 'gateway   | 20:55:19 WARN  slow ms=12 node=n1');
  });

  it('passes other lines through with the prefix', () => {
    assert.equal(formatLogLine('worker', 'plain text', false), 'worker    | plain text');
  });
});
