/**
 * tracedUnary over a real server on port 0 (spans into memory): the call's SERVER span is a
 * child of the caller's traceparent metadata, named and attributed as the gRPC instrumentation
 * names its own, active while the handler runs, and ended with the reply's code.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HeraError } from '@hera/errors';
import { silentLogger } from '@hera/logger';
import { loadProtos, services, type RankingServiceClient } from '@hera/proto';
import { inMemoryTracing, type InMemoryTracing } from '@hera/telemetry';
import { createClient, unaryCall } from './client';
import { tracedUnary, unary } from './handlers';
import { closeServer, startServer, type RunningServer } from './server';

const log = silentLogger();
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
let tracing: InMemoryTracing;
let server: RunningServer;
let client: RankingServiceClient;
/** The span active in the handler of each call. */
let active: string[] = [];

before(async () => {
  tracing = inMemoryTracing();
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [
      {
        name: 'hera.gateway.v1.RankingService',
        definition: services().ranking,
        implementation: {
          Rank: tracedUnary(log, 'hera.gateway.v1.RankingService', 'Rank', (req: { model: string }) => {
            active.push(trace.getActiveSpan()?.spanContext().spanId ?? '');
            if (req.model === 'bad') throw new HeraError('INVALID_ARGUMENT', 'model: no');
            if (req.model === 'down') throw new HeraError('UNAVAILABLE', 'no replica');
            return { model: req.model };
          }),
          ListModels: unary(log, 'ListModels', () => ({ models: [] })),
        },
      },
    ],
  });
  client = createClient(loadProtos().proto.hera.gateway.v1.RankingService, server.address, { maxAttempts: 1 });
});

after(async () => {
  client?.close();
  await closeServer(server.server, 0);
  await tracing.stop();
});

beforeEach(() => {
  tracing.reset();
  active = [];
});

const withParent = (flags: string) => {
  const md = new grpc.Metadata();
  md.set('traceparent', `00-${TRACE}-00f067aa0ba902b7-${flags}`);
  return md;
};

describe('tracedUnary', () => {
  it('makes the call’s SERVER span under the caller’s context, active in the handler', async () => {
    await unaryCall(client, 'Rank', { model: 'm' }, { metadata: withParent('01') });
    const [s] = tracing.spans();
    assert.equal(tracing.spans().length, 1);
    assert.equal(s!.name, 'grpc.hera.gateway.v1.RankingService/Rank');
    assert.equal(s!.kind, SpanKind.SERVER);
    assert.equal(s!.spanContext().traceId, TRACE);
    assert.equal(s!.parentSpanContext?.spanId, '00f067aa0ba902b7');
    assert.deepEqual(s!.attributes, {
      'rpc.system': 'grpc',
      'rpc.service': 'hera.gateway.v1.RankingService',
      'rpc.method': 'Rank',
      'rpc.grpc.status_code': 0,
    });
    assert.equal(s!.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(active, [s!.spanContext().spanId]);
  });

  it('starts a trace for a caller without one, and records nothing for an unsampled caller', async () => {
    await unaryCall(client, 'Rank', { model: 'm' });
    assert.equal(tracing.spans()[0]!.parentSpanContext, undefined);
    tracing.reset();
    await unaryCall(client, 'Rank', { model: 'm' }, { metadata: withParent('00') });
    assert.deepEqual(tracing.spans(), []);
  });

  it('ends the span with the reply’s code: the caller’s mistakes are no server error', async () => {
    await assert.rejects(unaryCall(client, 'Rank', { model: 'bad' }), { code: grpc.status.INVALID_ARGUMENT });
    await assert.rejects(unaryCall(client, 'Rank', { model: 'down' }), { code: grpc.status.UNAVAILABLE });
    const [bad, down] = tracing.spans();
    assert.equal(bad!.attributes['rpc.grpc.status_code'], grpc.status.INVALID_ARGUMENT);
    assert.equal(bad!.status.code, SpanStatusCode.UNSET);
    assert.equal(down!.attributes['rpc.grpc.status_code'], grpc.status.UNAVAILABLE);
    assert.deepEqual(down!.status, { code: SpanStatusCode.ERROR, message: 'no replica' });
  });
});
