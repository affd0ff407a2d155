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
    assert.equal(lines[0]!['trace_id'], undefined);
    assert.equal(lines[0]!['span_id'], undefined);
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
      context.with(trace.setSpan(context.active(), span), () => log.info('inside'));
      log.info('after');
      span.end();
      assert.equal(lines[0]!['trace_id'], span.spanContext().traceId);
      assert.equal(lines[0]!['span_id'], span.spanContext().spanId);
      assert.equal(lines[1]!['trace_id'], undefined);
    });
  });
});
