/**
 * What startServer does against abusive clients, on a real grpc-js server on port 0 with real
 * grpc-js clients: a connection that resets stream after stream is closed gracefully (GOAWAY)
 * before Node's own limit ends it under every call; bytes that are not protobuf get
 * INVALID_ARGUMENT on every kind of method; no status message is longer than the bound.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { HeraError } from '@hera/errors';
import { createLogger } from '@hera/logger';
import { loadProtos, services, type PlacementServiceClient } from '@hera/proto';
import { createClient, unaryCall } from './client';
import { unary } from './handlers';
import { MAX_STATUS_DETAILS_CHARS, RESET_BUDGET } from './limits';
import { closeServer, startServer, type RunningServer } from './server';
import { code } from './test-fixtures';

const lines: string[] = [];
const log = createLogger({
  service: 'abuse-test',
  level: 'warn',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  }),
});
let running: RunningServer;
let behaviour: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => void;

before(async () => {
  running = await startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [
      {
        name: 'hera.placement.v1.PlacementService',
        definition: services().placement,
        implementation: {
          GetDemand: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
            behaviour(call, cb),
        },
      },
      {
        name: 'hera.profiler.v1.ProfilerService',
        definition: services().profiler,
        implementation: { WatchJob: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end() },
      },
      {
        name: 'hera.worker.v1.WorkerService',
        definition: services().worker,
        implementation: {
          InferStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
            call.on('data', () => assert.fail('the handler must not see a malformed message'));
            call.on('end', () => call.end());
          },
        },
      },
    ],
  });
  running.setServing('SERVING');
});
after(() => closeServer(running.server, 1_000));

const placement = (): PlacementServiceClient =>
  createClient(loadProtos().proto.hera.placement.v1.PlacementService, running.address, { maxAttempts: 1 });

describe('startServer against abusive clients', () => {
  it('closes a connection whose client cancels 1,200 calls gracefully: no call fails INTERNAL, the calls in flight are answered', async () => {
    // Node's HTTP/2 server ends a connection after ~1,000 stream resets (its "rapid reset"
    // defence), failing every call on it INTERNAL; a grpc-js deadline resets the stream.
    behaviour = (call, cb) =>
      setTimeout(() => cb(null, { demands: [] }), Number(call.metadata.get('x-delay')[0] ?? 100));
    // A client as a third party builds it: grpc-js defaults (transparent retries on, which is
    // what replays the few calls started just as the GOAWAY arrives, refused unprocessed; our
    // createClient turns retries off when maxAttempts is 1, and those fail UNAVAILABLE).
    const c: PlacementServiceClient = new (loadProtos().proto.hera.placement.v1.PlacementService)(
      running.address,
      grpc.credentials.createInsecure(),
    );
    lines.length = 0;
    try {
      // Bystanders: calls that succeed, in flight on the same connection meanwhile.
      const md = new grpc.Metadata();
      md.set('x-delay', '1500');
      const bystanders = Array.from({ length: 10 }, () =>
        code(unaryCall(c, 'GetDemand', {}, { deadlineMs: 8_000, metadata: md })),
      );
      // In waves, so that each call's stream is open on the server when its deadline passes.
      const late: string[] = [];
      for (let wave = 0; wave < 12; wave++) {
        late.push(
          ...(await Promise.all(
            Array.from({ length: 100 }, async () => (await code(unaryCall(c, 'GetDemand', {}, { deadlineMs: 30 })))[0]),
          )),
        );
      }
      const after = await Promise.all(
        Array.from({ length: 10 }, async () => (await code(unaryCall(c, 'GetDemand', {}, { deadlineMs: 3_000 })))[0]),
      );
      const by = (await Promise.all(bystanders)).map(x => x[0]);
      assert.deepEqual([...new Set(late)], ['DEADLINE_EXCEEDED'], 'the cancelled calls');
      assert.deepEqual(by, Array(10).fill('OK'), 'calls in flight on the connection when it was closed');
      assert.deepEqual(after, Array(10).fill('OK'), 'calls after (on a new connection)');
      const closed = lines.filter(l => l.includes('client reset too many streams'));
      assert.ok(closed.length >= 1, 'the server closed the connection itself');
      assert.equal(JSON.parse(closed[0]!).budget.burst, RESET_BUDGET.burst);
    } finally {
      c.close();
    }
  });

  it('bounds every status message, whoever wrote it, and the connection keeps working', async () => {
    const c = placement();
    try {
      const huge = 'x'.repeat(100_000);
      for (const [what, b] of [
        [
          'a handler calling back a 100 KB status itself',
          (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
            cb(Object.assign(new Error('x'), { code: grpc.status.NOT_FOUND, details: huge }), null),
        ],
        [
          'a HeraError with a 100 KB message, through unary()',
          (call: unknown, cb: grpc.sendUnaryData<unknown>) =>
            unary(log, 'GetDemand', () => Promise.reject(new HeraError('NOT_FOUND', huge)))(
              call as grpc.ServerUnaryCall<unknown, unknown>,
              cb,
            ),
        ],
      ] as const) {
        behaviour = b;
        const t0 = Date.now();
        const [status, details] = await code(unaryCall(c, 'GetDemand', {}, { deadlineMs: 3_000 }));
        assert.equal(status, 'NOT_FOUND', what);
        assert.ok(Date.now() - t0 < 1_000, `${what}: answered after ${Date.now() - t0} ms`);
        assert.ok(
          details.length <= MAX_STATUS_DETAILS_CHARS && details.endsWith('… (cut from 100000 chars)'),
          `${what}: ${details.length} chars`,
        );
      }
      behaviour = (_call, cb) => cb(null, { demands: [] });
      assert.deepEqual(await code(unaryCall(c, 'GetDemand', {}, { deadlineMs: 1_000 })), ['OK', '']);
    } finally {
      c.close();
    }
  });

  it('answers bytes that are not protobuf with INVALID_ARGUMENT on unary, server-streaming and bidi methods', async () => {
    const raw = new grpc.Client(running.address, grpc.credentials.createInsecure());
    const id = (b: Buffer) => b;
    const garbage = Buffer.from([0x7f, 0x01]);
    const want = (path: string) =>
      new RegExp(
        `^request: not a valid protobuf message for ${path.replace(/\./g, '\\.')} \\(invalid wire type 7 at offset 1\\)$`,
      );
    const streamStatus = (s: grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>) =>
      new Promise<grpc.StatusObject>(resolve => {
        s.on('data', () => undefined);
        s.on('error', () => undefined);
        s.on('status', resolve);
      });
    try {
      behaviour = () => assert.fail('the handler must not see a malformed request');
      const unaryErr = await new Promise<grpc.ServiceError | null>(resolve =>
        raw.makeUnaryRequest(
          '/hera.placement.v1.PlacementService/GetDemand',
          id,
          id,
          garbage,
          { deadline: Date.now() + 3_000 },
          err => resolve(err),
        ),
      );
      assert.equal(unaryErr?.code, grpc.status.INVALID_ARGUMENT);
      assert.match(unaryErr.details, want('/hera.placement.v1.PlacementService/GetDemand'));

      const watch = streamStatus(
        raw.makeServerStreamRequest('/hera.profiler.v1.ProfilerService/WatchJob', id, id, garbage, {
          deadline: Date.now() + 3_000,
        }),
      );
      const watchStatus = await watch;
      assert.equal(watchStatus.code, grpc.status.INVALID_ARGUMENT);
      assert.match(watchStatus.details, want('/hera.profiler.v1.ProfilerService/WatchJob'));

      const bidi = raw.makeBidiStreamRequest('/hera.worker.v1.WorkerService/InferStream', id, id, {
        deadline: Date.now() + 3_000,
      });
      const bidiDone = streamStatus(bidi);
      bidi.write(garbage);
      const bidiStatus = await bidiDone;
      assert.equal(bidiStatus.code, grpc.status.INVALID_ARGUMENT);
      assert.match(bidiStatus.details, want('/hera.worker.v1.WorkerService/InferStream'));
    } finally {
      raw.close();
    }
  });
});
