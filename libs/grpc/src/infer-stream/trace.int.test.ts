/**
 * Trace propagation over a real InferStream (grpc-js client and server on port 0, in one
 * process, spans into memory): each request's CLIENT span is the parent of the host's
 * SERVER span, through the context the message carries; the server records its span as data
 * (as a tenant host does), replayed here into spans as its node agent would; an unsampled
 * caller makes no spans on either side; an untraced one sends no trace context at all.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HeraError } from '@hera/errors';
import { silentLogger } from '@hera/logger';
import { fastClients, services, type InferStreamRequest__Output } from '@hera/proto';
import { ATTR, inMemoryTracing, replaySpans, unsampledContext, type InMemoryTracing } from '@hera/telemetry';
import { createClient } from '../client';
import { closeServer, startServer, type RunningServer } from '../server';
import { InferStreamClient } from './client';
import { InferStreams } from './server';
import { INFER_STREAM_SPAN, serverSpan, type ServerTraceWire } from './trace';

const log = silentLogger();
let tracing: InMemoryTracing;
let server: RunningServer;
let stream: InferStreamClient;
/** What each served request saw: its message's trace fields and the record it was served with. */
let seen: { traceparent: string; recorded: string | undefined }[] = [];
const tracer = trace.getTracer('test');

const request = (model: string) => ({
  model,
  version: '1',
  items: { itemCount: 3, dense: Buffer.alloc(12), sparse: Buffer.alloc(12) },
  requestId: 'req-7',
});

before(async () => {
  tracing = inMemoryTracing();
  // As a host sends its records and its agent replays them: JSON on the control socket.
  const streams = new InferStreams(r =>
    replaySpans([serverSpan(JSON.parse(JSON.stringify(r)) as ServerTraceWire)!], trace.getTracer('host')),
  );
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [
      {
        name: 'hera.worker.v1.WorkerService',
        definition: services().worker,
        implementation: {
          InferStream: (call: grpc.ServerDuplexStream<InferStreamRequest__Output, never>) => {
            // Record the raw message's trace fields before InferStreams serves it.
            call.on('data', (m: InferStreamRequest__Output) =>
              seen.push({ traceparent: m.traceparent, recorded: undefined }),
            );
            streams.open(call as never, log, async (req, _deadline, _cancelled, t) => {
              seen[seen.length - 1]!.recorded = t?.traceparent;
              if (req?.model === 'bad') throw new HeraError('INTERNAL', 'boom');
              return { scores: Buffer.alloc(12), version: '1', queueUs: 5, computeUs: 9 };
            });
          },
        },
      },
    ],
  });
  stream = new InferStreamClient(
    createClient(fastClients().WorkerService, server.address, { maxAttempts: 1 }),
    true,
    server.address,
  );
});

after(async () => {
  stream?.close();
  await closeServer(server.server, 0);
  await tracing.stop();
});

beforeEach(() => {
  tracing.reset();
  seen = [];
});

describe('InferStream tracing', () => {
  it('parents the host span on the request’s client span, under the caller’s span', async () => {
    const parent = tracer.startSpan('query');
    await context.with(trace.setSpan(context.active(), parent), () =>
      Promise.all([stream.infer(request('m'), Infinity), stream.infer(request('m'), Infinity)]),
    );
    parent.end();
    const spans = tracing.spans();
    const clients = spans.filter(s => s.name === INFER_STREAM_SPAN && s.kind === SpanKind.CLIENT);
    const servers = spans.filter(s => s.name === INFER_STREAM_SPAN && s.kind === SpanKind.SERVER);
    assert.equal(clients.length, 2, 'one client span per request, none for the stream');
    assert.equal(servers.length, 2);
    const traceId = parent.spanContext().traceId;
    for (const c of clients) {
      assert.equal(c.spanContext().traceId, traceId);
      assert.equal(c.parentSpanContext?.spanId, parent.spanContext().spanId);
      assert.equal(c.attributes[ATTR.MODEL], 'm');
      assert.equal(c.attributes[ATTR.ITEMS], 3);
      assert.equal(c.attributes[ATTR.REQUEST_ID], 'req-7');
      assert.equal(c.attributes[ATTR.COMPUTE_US], 9);
      assert.equal(c.attributes['rpc.grpc.status_code'], 0);
      assert.equal(c.attributes['server.address'], server.address);
    }
    const clientIds = new Set(clients.map(c => c.spanContext().spanId));
    for (const s of servers) {
      assert.equal(s.spanContext().traceId, traceId);
      assert.ok(clientIds.has(s.parentSpanContext!.spanId), 'the host span is a child of a client span');
      assert.equal(s.parentSpanContext?.isRemote, true);
    }
    // Served with the record of its span, whose parent is what the message carried.
    for (const x of seen) assert.equal(x.recorded, x.traceparent);
    for (const s of servers) {
      assert.equal(s.attributes[ATTR.MODEL], 'm');
      assert.equal(s.attributes[ATTR.REQUEST_ID], 'req-7');
      assert.equal(s.attributes['rpc.grpc.status_code'], 0);
      assert.ok(s.startTime[0] > 0 && s.duration[0] >= 0 && s.duration[1] >= 0, 'recorded times');
    }
    assert.equal(spans.length, 5, 'the query, two client and two host spans: none for the stream');
  });

  it('marks a failed request’s spans as errors', async () => {
    const parent = tracer.startSpan('query');
    const err = await context
      .with(trace.setSpan(context.active(), parent), () => stream.infer(request('bad'), Infinity))
      .catch((e: grpc.ServiceError) => e);
    parent.end();
    assert.equal((err as grpc.ServiceError).code, grpc.status.INTERNAL);
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const s = tracing.spans().find(x => x.name === INFER_STREAM_SPAN && x.kind === kind)!;
      assert.equal(s.status.code, SpanStatusCode.ERROR, SpanKind[kind]);
      assert.equal(s.attributes['rpc.grpc.status_code'], grpc.status.INTERNAL);
    }
  });

  it('sends an unsampled caller’s context on and records nothing on either side', async () => {
    await context.with(unsampledContext(), () => stream.infer(request('m'), Infinity));
    assert.deepEqual(tracing.spans(), []);
    assert.match(seen[0]!.traceparent, /-00$/);
    assert.equal(seen[0]!.recorded, undefined, 'served unrecorded');
  });

  it('sends no trace context for a caller outside any span', async () => {
    await stream.infer(request('m'), Infinity);
    assert.deepEqual(tracing.spans(), []);
    assert.equal(seen[0]!.traceparent, '');
    assert.equal(seen[0]!.recorded, undefined);
  });
});
