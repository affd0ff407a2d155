import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { inMemoryTracing, type InMemoryTracing } from './in-memory';
import { startTelemetry, tracesProtocol } from './start';
import {
  contextFromCarrier,
  isSampledTraceparent,
  traceCarrier,
  unsampledContext,
  unsampledTraceparent,
} from './trace-context';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

describe('trace context helpers, tracing off', () => {
  it('give no carrier and the base context back, without an SDK', () => {
    assert.equal(traceCarrier(), undefined);
    assert.equal(traceCarrier(unsampledContext()), undefined, 'the no-op propagator injects nothing');
    const base = context.active();
    assert.equal(contextFromCarrier({ traceparent: unsampledTraceparent() }, base), base);
  });

  it('startTelemetry does nothing without an endpoint or exporter, or when disabled', async () => {
    for (const env of [
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_TRACES_EXPORTER: 'none' },
    ]) {
      const t = startTelemetry('test', env);
      assert.equal(t.enabled, false, JSON.stringify(env));
      await t.shutdown();
    }
  });
});

describe('tracesProtocol', () => {
  it('defaults to grpc, prefers the traces variable, and refuses what it cannot export', () => {
    assert.equal(tracesProtocol({}), 'grpc');
    assert.equal(tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }), 'http/protobuf');
    assert.equal(
      tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }),
      'grpc',
    );
    assert.throws(() => tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), /http\/json/);
  });
});

describe('trace context helpers, tracing on', () => {
  let tracing: InMemoryTracing;
  const tracer = trace.getTracer('test');
  before(() => {
    tracing = inMemoryTracing();
  });
  after(() => tracing.stop());

  it('carry a sampled span across as the parent of the receiver’s span', () => {
    const parent = tracer.startSpan('parent');
    const carrier = context.with(trace.setSpan(context.active(), parent), () => traceCarrier());
    assert.ok(carrier);
    assert.match(carrier.traceparent, TRACEPARENT);
    const sc = parent.spanContext();
    assert.equal(carrier.traceparent, `00-${sc.traceId}-${sc.spanId}-01`);
    assert.equal(carrier.tracestate, undefined);
    assert.equal(isSampledTraceparent(carrier.traceparent), true);

    const child = tracer.startSpan('child', {}, contextFromCarrier(carrier));
    child.end();
    parent.end();
    const ended = tracing.spans().find(s => s.name === 'child')!;
    assert.equal(ended.spanContext().traceId, sc.traceId);
    assert.equal(ended.parentSpanContext?.spanId, sc.spanId);
    assert.equal(ended.parentSpanContext?.isRemote, true);
  });

  it('keep the tracestate', () => {
    const ctx = contextFromCarrier({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    });
    assert.deepEqual(traceCarrier(ctx), {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    });
  });

  it('pass an unsampled context on as unsampled, and nothing under it is recorded', () => {
    tracing.reset();
    const ctx = unsampledContext();
    const carrier = traceCarrier(ctx)!;
    assert.match(carrier.traceparent, /-00$/);
    assert.equal(isSampledTraceparent(carrier.traceparent), false);
    const remote = contextFromCarrier(carrier);
    assert.equal(trace.getSpanContext(remote)!.traceFlags & TraceFlags.SAMPLED, 0);
    const s = tracer.startSpan('dropped', {}, remote);
    assert.equal(s.isRecording(), false);
    s.end();
    context.with(ctx, () => tracer.startSpan('dropped too').end());
    assert.deepEqual(
      tracing.spans().map(x => x.name),
      [],
    );
  });

  it('make fresh unsampled traceparents, and read flags only from well-formed ones', () => {
    const a = unsampledTraceparent();
    assert.match(a, TRACEPARENT);
    assert.notEqual(a, unsampledTraceparent());
    assert.equal(isSampledTraceparent(a), false);
    assert.equal(isSampledTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), true);
    assert.equal(isSampledTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03'), true);
    assert.equal(isSampledTraceparent('garbage-01'), false);
    assert.equal(isSampledTraceparent(''), false);
  });

  it('give no carrier, nor a broken one, outside any span or for a malformed traceparent', () => {
    assert.equal(traceCarrier(), undefined);
    const base = context.active();
    assert.equal(trace.getSpan(contextFromCarrier({ traceparent: 'nonsense' }, base)), undefined);
    assert.equal(contextFromCarrier({ traceparent: '' }, base), base);
    assert.equal(contextFromCarrier(undefined, base), base);
  });

  it('reads the sampled flag of any flags byte, and nothing from a malformed traceparent', () => {
    const tp = (flags: string) => `00-${'4'.repeat(32)}-${'5'.repeat(16)}-${flags}`;
    for (let v = 0; v < 256; v++) {
      const hex = v.toString(16).padStart(2, '0');
      assert.equal(isSampledTraceparent(tp(hex)), (v & 1) === 1, hex);
      assert.equal(isSampledTraceparent(tp(hex.toUpperCase())), (v & 1) === 1, hex.toUpperCase());
    }
    for (const bad of ['', '00-1-2-01', tp('0g'), tp('0z'), `${tp('01').slice(0, 52)}x01`])
      assert.equal(isSampledTraceparent(bad), false, bad);
  });
});
