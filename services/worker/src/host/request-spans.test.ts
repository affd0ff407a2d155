import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  endServerTrace,
  INFER_STREAM_SPAN,
  INFERENCE_SPAN,
  QUEUE_SPAN,
  serverSpan,
  startServerTrace,
  type ServerTraceWire,
} from '@hera/grpc';
import { ATTR } from '@hera/telemetry';
import { endRequest, partsOf, requestSpans } from './request-spans';

const info = { model: 'ncf', version: '3', items: 5, subBatch: 4, enqueuedAt: 0 };
const sampled = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
const request = { model: 'ncf', version: '', items: { itemCount: 5 }, requestId: 'r-1' } as never;

describe('requestSpans', () => {
  it('costs nothing for a request that is not traced', () => {
    assert.equal(requestSpans(undefined, info), undefined);
    assert.equal(startServerTrace({ traceparent: sampled.replace(/01$/, '00') }), undefined, 'unsampled');
    assert.equal(startServerTrace({ traceparent: '' }), undefined, 'no context');
  });

  it('records each part’s times; the agent turns them into a queue and an inference span per part', () => {
    const t = startServerTrace({ traceparent: sampled, tracestate: 'k=v', request })!;
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
    endServerTrace(t, 0, '');
    assert.equal(partsOf(t), 1);
    // What the agent gets: JSON over the control socket.
    const r = serverSpan(JSON.parse(JSON.stringify(t)) as ServerTraceWire)!;
    assert.equal(r.traceparent, sampled);
    assert.equal(r.tracestate, 'k=v');
    assert.equal(r.span.name, INFER_STREAM_SPAN);
    assert.equal(r.span.kind, 'server');
    assert.deepEqual(r.span.attributes, {
      'rpc.system': 'grpc',
      'rpc.service': 'hera.worker.v1.WorkerService',
      'rpc.method': 'InferStream',
      'rpc.grpc.status_code': 0,
      [ATTR.MODEL]: 'ncf',
      [ATTR.MODEL_VERSION]: '3',
      [ATTR.ITEMS]: 5,
      [ATTR.REQUEST_ID]: 'r-1',
      [ATTR.SUB_BATCH_SIZE]: 4,
      [ATTR.SUB_BATCHES]: 2,
      [ATTR.QUEUE_US]: 2000,
      [ATTR.COMPUTE_US]: 3000,
    });
    const [queue, inference] = r.span.children!;
    assert.equal(r.span.children!.length, 2);
    assert.equal(queue!.name, QUEUE_SPAN);
    assert.equal(inference!.name, INFERENCE_SPAN);
    assert.deepEqual(queue!.attributes, { [ATTR.ITEMS]: 4, [ATTR.THREAD]: 2, [ATTR.QUEUE_US]: 2000 });
    assert.deepEqual(inference!.attributes, { [ATTR.ITEMS]: 4, [ATTR.THREAD]: 2, [ATTR.COMPUTE_US]: 3000 });
    // On one clock: the epoch times of the thread and the host's own performance times.
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 0.01, `${a} vs ${b}`);
    near(queue!.start, epoch + t0);
    near(queue!.end - queue!.start, 2);
    near(inference!.start - queue!.start, 2.5);
    near(inference!.end - inference!.start, 3);
    assert.ok(r.span.start <= r.span.end && r.span.end > 0);
  });

  it('marks a request the host failed as an error, and a caller’s mistake as none', () => {
    const failed = serverSpan(endServerTrace(startServerTrace({ traceparent: sampled })!, 13, 'boom').toJSON())!;
    assert.equal(failed.span.error, 'boom');
    assert.equal(failed.span.attributes['rpc.grpc.status_code'], 13);
    const refused = serverSpan(endServerTrace(startServerTrace({ traceparent: sampled })!, 3, 'bad').toJSON())!;
    assert.equal(refused.span.error, undefined);
    assert.equal(serverSpan(['x'] as unknown as ServerTraceWire), undefined, 'malformed');
  });
});
