import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { inMemoryTracing, type InMemoryTracing } from './in-memory';
import { recordable, replaySpans, type RemoteSpan } from './span-record';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

describe('span records', () => {
  let tracing: InMemoryTracing;
  before(() => {
    tracing = inMemoryTracing();
  });
  beforeEach(() => tracing.reset());
  after(() => tracing.stop());

  it('records only what the caller sampled', () => {
    assert.equal(recordable(`00-${TRACE}-${PARENT}-01`), true);
    assert.equal(recordable(`00-${TRACE}-${PARENT}-00`), false);
    assert.equal(recordable(''), false);
    assert.equal(recordable(undefined), false);
  });

  it('replays a record as a span under its remote parent, with its children, times and status', () => {
    const t0 = Date.now() - 100;
    const record: RemoteSpan = {
      traceparent: `00-${TRACE}-${PARENT}-01`,
      tracestate: 'k=v',
      span: {
        name: 'host',
        kind: 'server',
        start: t0,
        end: t0 + 10.5,
        attributes: { 'hera.model': 'm', 'hera.items': 3 },
        error: 'boom',
        children: [{ name: 'part', kind: 'internal', start: t0 + 1.25, end: t0 + 9, attributes: { 'hera.thread': 2 } }],
      },
    };
    replaySpans([record], trace.getTracer('test'));
    const spans = tracing.spans();
    assert.equal(spans.length, 2);
    const host = spans.find(s => s.name === 'host')!;
    const part = spans.find(s => s.name === 'part')!;
    assert.equal(host.kind, SpanKind.SERVER);
    assert.equal(part.kind, SpanKind.INTERNAL);
    assert.equal(host.spanContext().traceId, TRACE);
    assert.equal(host.parentSpanContext?.spanId, PARENT);
    assert.equal(host.parentSpanContext?.isRemote, true);
    assert.equal(host.spanContext().traceState?.get('k'), 'v');
    assert.equal(part.parentSpanContext?.spanId, host.spanContext().spanId);
    assert.deepEqual(host.status, { code: SpanStatusCode.ERROR, message: 'boom' });
    assert.equal(part.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(host.attributes, { 'hera.model': 'm', 'hera.items': 3 });
    assert.equal(part.attributes['hera.thread'], 2);
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 0.001, `${a} vs ${b}`);
    near(ms(host.startTime), t0);
    near(ms(host.endTime), t0 + 10.5);
    near(ms(part.startTime), t0 + 1.25);
    near(ms(part.endTime), t0 + 9);
  });

  it('drops a record whose parent does not parse rather than start a trace with it', () => {
    const span = { name: 'x', kind: 'server', start: Date.now(), end: Date.now(), attributes: {} } as const;
    replaySpans([{ traceparent: 'garbage', span }], trace.getTracer('test'));
    assert.deepEqual(tracing.spans(), []);
  });
});
