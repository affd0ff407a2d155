import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { inMemoryTracing, type InMemoryTracing } from '@hera/telemetry';
import { createLogger } from './index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: createLogger({ service: 'test', destination }) };
}

describe('createLogger', () => {
  it('adds no trace fields with tracing off', () => {
    const { lines, log } = capture();
    log.info('outside');
    log.info({ n: 1 }, 'with fields'); // pino merges these into what the mixin returns
    log.info({ n: 2 }, 'again');
    assert.equal(lines[0]!['trace_id'], undefined);
    assert.equal(lines[0]!['span_id'], undefined);
    assert.equal(lines[1]!['n'], 1);
    assert.equal(lines[2]!['n'], 2);
    assert.equal(lines[0]!['n'], undefined);
  });

  describe('with tracing on', () => {
    let tracing: InMemoryTracing;
    before(() => {
      tracing = inMemoryTracing();
    });
    after(() => tracing.stop());

    it('puts trace_id and span_id of the active span on lines logged inside it, and only there', () => {
      const { lines, log } = capture();
      const span = trace.getTracer('test').startSpan('work');
      context.with(trace.setSpan(context.active(), span), () => log.info({ n: 1 }, 'inside'));
      log.info({ n: 2 }, 'after');
      span.end();
      assert.equal(lines[0]!['trace_id'], span.spanContext().traceId);
      assert.equal(lines[0]!['span_id'], span.spanContext().spanId);
      assert.equal(lines[1]!['trace_id'], undefined);
    });
  });
});
