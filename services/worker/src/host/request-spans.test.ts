import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServerTrace } from '@hera/grpc';
import { ATTR } from '@hera/telemetry';
import { endRequest, INFERENCE_SPAN, QUEUE_SPAN, requestSpans } from './request-spans';

const info = { model: 'ncf', version: '3', items: 5, subBatch: 4, enqueuedAt: 0 };
const sampled = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;

describe('requestSpans', () => {
  it('costs nothing for a request that is not traced', () => {
    assert.equal(requestSpans(undefined, info), undefined);
    assert.equal(startServerTrace({ traceparent: sampled.replace(/01$/, '00') }), undefined, 'unsampled');
    assert.equal(startServerTrace({ traceparent: '' }), undefined, 'no context');
  });

  it('records a queue and an inference span per part under the request, at the reported times', () => {
    const t = startServerTrace({ traceparent: sampled })!;
    const t0 = performance.now() - 10; // all in the past, as when a thread has replied
    const onPart = requestSpans(t, { ...info, enqueuedAt: t0 })!;
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
    endRequest(t, { queueUs: 2000, computeUs: 3000 });
    const [queue, inference] = t.span.children;
    assert.equal(t.span.children.length, 2);
    assert.equal(queue!.name, QUEUE_SPAN);
    assert.equal(inference!.name, INFERENCE_SPAN);
    for (const s of [queue!, inference!]) {
      assert.equal(s.kind, 'internal');
      assert.equal(s.attributes[ATTR.ITEMS], 4);
      assert.equal(s.attributes[ATTR.THREAD], 2);
      assert.equal(s.attributes[ATTR.MODEL], undefined, 'the request span has the model, version and sub-batch');
    }
    assert.equal(queue!.attributes[ATTR.QUEUE_US], 2000);
    assert.equal(inference!.attributes[ATTR.COMPUTE_US], 3000);
    // On one clock: the epoch times of the thread and the host's own performance times.
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 0.01, `${a} vs ${b}`);
    near(queue!.start, epoch + t0);
    near(queue!.end - queue!.start, 2);
    near(inference!.start - queue!.start, 2.5);
    near(inference!.end - inference!.start, 3);
    assert.equal(t.span.attributes[ATTR.SUB_BATCHES], 2);
    assert.equal(t.span.attributes[ATTR.COMPUTE_US], 3000);
    assert.equal(t.span.attributes[ATTR.ITEMS], 5);
    assert.equal(t.span.attributes[ATTR.MODEL], 'ncf');
    assert.equal(t.span.attributes[ATTR.MODEL_VERSION], '3');
    assert.equal(t.span.attributes[ATTR.SUB_BATCH_SIZE], 4);
  });
});
