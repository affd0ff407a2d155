import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { ATTR, inMemoryTracing, unsampledContext, type InMemoryTracing } from '@hera/telemetry';
import { endRequest, INFERENCE_SPAN, QUEUE_SPAN, requestSpans } from './request-spans';

const info = { model: 'ncf', version: '3', items: 5, subBatch: 4, enqueuedAt: 0 };
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

describe('requestSpans', () => {
  let tracing: InMemoryTracing;
  before(() => {
    tracing = inMemoryTracing();
  });
  after(() => tracing.stop());

  it('costs nothing outside a recording span', () => {
    assert.equal(requestSpans(info), undefined);
    assert.equal(
      context.with(unsampledContext(), () => requestSpans(info)),
      undefined,
    );
  });

  it('hangs a queue and an inference span per part under the request span, at the reported times', () => {
    const host = trace.getTracer('test').startSpan('host');
    const t0 = performance.now() - 10; // all in the past, as when a thread has replied
    context.with(trace.setSpan(context.active(), host), () => {
      const onPart = requestSpans({ ...info, enqueuedAt: t0 })!;
      const epoch = performance.timeOrigin;
      onPart(
        {
          scores: Buffer.alloc(16),
          queueUs: 2000,
          computeUs: 3000,
          thread: 2,
          dequeuedAt: t0 + 2,
          computeStartMs: epoch + t0 + 2.5,
          computeEndMs: epoch + t0 + 5.5,
        },
        4,
      );
      onPart({ scores: Buffer.alloc(4), queueUs: 1, computeUs: 1 }, 1); // a fake's result: no times, no spans
      endRequest({ queueUs: 2000, computeUs: 3000 });
    });
    host.end();
    const spans = tracing.spans();
    const queue = spans.find(s => s.name === QUEUE_SPAN)!;
    const inference = spans.find(s => s.name === INFERENCE_SPAN)!;
    assert.equal(spans.length, 3);
    for (const s of [queue, inference]) {
      assert.equal(s.parentSpanContext?.spanId, host.spanContext().spanId);
      assert.equal(s.attributes[ATTR.MODEL], 'ncf');
      assert.equal(s.attributes[ATTR.MODEL_VERSION], '3');
      assert.equal(s.attributes[ATTR.ITEMS], 4);
      assert.equal(s.attributes[ATTR.SUB_BATCH_SIZE], 4);
      assert.equal(s.attributes[ATTR.THREAD], 2);
    }
    assert.equal(queue.attributes[ATTR.QUEUE_US], 2000);
    assert.equal(inference.attributes[ATTR.COMPUTE_US], 3000);
    // Relative to each other as reported (the SDK shifts them all alike onto the wall clock).
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 0.01, `${a} vs ${b}`);
    near(ms(queue.endTime) - ms(queue.startTime), 2);
    near(ms(inference.startTime) - ms(queue.startTime), 2.5);
    near(ms(inference.endTime) - ms(inference.startTime), 3);
    assert.ok(Math.abs(ms(queue.startTime) - (performance.timeOrigin + t0)) < 50, 'at about the time queued');
    const h = spans.find(s => s.name === 'host')!;
    assert.equal(h.attributes[ATTR.SUB_BATCHES], 2);
    assert.equal(h.attributes[ATTR.COMPUTE_US], 3000);
  });
});
