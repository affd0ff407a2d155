import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import { ATTR, inMemoryTracing, type InMemoryTracing } from '@hera/telemetry';
import { tracedProcessor, withTraceContext, type TracedJobData } from './trace';

const job = (data: TracedJobData & { n: number }) => ({ id: 'j-1', name: 'profile', data, attemptsMade: 1 }) as Job;

describe('job trace context', () => {
  let tracing: InMemoryTracing;
  const tracer = trace.getTracer('test');
  before(() => {
    tracing = inMemoryTracing();
  });
  after(() => tracing.stop());
  beforeEach(() => tracing.reset());

  it('leaves the data as it is outside any span', () => {
    const data = { n: 1 };
    assert.equal(withTraceContext(data), data);
  });

  it('processes a job under a CONSUMER span whose parent is the span that enqueued it', async () => {
    const rpc = tracer.startSpan('StartProfile');
    const data = context.with(trace.setSpan(context.active(), rpc), () => withTraceContext({ n: 2 }));
    rpc.end();
    assert.equal(data.n, 2);
    assert.match(
      data.trace!.traceparent,
      new RegExp(`^00-${rpc.spanContext().traceId}-${rpc.spanContext().spanId}-01$`),
    );

    let inside: string | undefined;
    const result = await tracedProcessor('profile', async () => {
      inside = trace.getActiveSpan()?.spanContext().spanId;
      return 42;
    })(job(data));
    assert.equal(result, 42);
    const span = tracing.spans().find(s => s.name === 'profile process')!;
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(span.spanContext().traceId, rpc.spanContext().traceId);
    assert.equal(span.parentSpanContext?.spanId, rpc.spanContext().spanId);
    assert.equal(span.attributes[ATTR.JOB_ID], 'j-1');
    assert.equal(span.attributes[ATTR.JOB_ATTEMPT], 2);
    assert.equal(span.attributes['messaging.destination.name'], 'profile');
    assert.equal(inside, span.spanContext().spanId, 'the job runs inside its span');
  });

  it('records a failure on the span and rethrows it', async () => {
    await assert.rejects(
      tracedProcessor('replan', async () => {
        throw new Error('no plan');
      })(job({ n: 3 })),
      /no plan/,
    );
    const span = tracing.spans().find(s => s.name === 'replan process')!;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.parentSpanContext, undefined, 'a job queued outside any trace starts one');
  });
});
