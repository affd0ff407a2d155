/**
 * InferStreamClient against real grpc-js servers on port 0 whose InferStream
 * handler the test scripts: replies matched by tag in any order, deadlines kept
 * by the caller, a stream that ends with requests in flight, and the fallback to
 * unary Infer for a host without InferStream. (The real host's side is in
 * test/src/worker.e2e.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@hera/logger';
import {
  fastClients,
  services,
  type InferStreamRequest__Output,
  type InferStreamResponse,
  type WorkerServiceClient,
} from '@hera/proto';
import { createClient } from '../client';
import { InferStreamClient } from './client';
import { closeServer, startServer, type RunningServer } from '../server';
import { unary } from '../handlers';

type Call = grpc.ServerDuplexStream<InferStreamRequest__Output, InferStreamResponse>;

const log = silentLogger();
/** What the scripted host does with each stream request. */
let onRequest: (call: Call, m: InferStreamRequest__Output) => void;
let streamsOpened = 0;
let withStream: RunningServer;
let unaryOnly: RunningServer;
const clients: WorkerServiceClient[] = [];

const scores = (x: number) => Buffer.from(new Float32Array([x]).buffer);
const request = (model: string) => ({
  model,
  items: { itemCount: 1, dense: Buffer.alloc(4), sparse: Buffer.alloc(4) },
});
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: grpc.ServiceError) => grpc.status[e.code],
  );

function client(server: RunningServer): WorkerServiceClient {
  const c = createClient(fastClients().WorkerService, server.address, { maxAttempts: 1 });
  clients.push(c);
  return c;
}

/** A WorkerService on port 0 with only the given handlers. */
const serve = (implementation: Record<string, grpc.UntypedHandleCall>) =>
  startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [{ name: 'hera.worker.v1.WorkerService', definition: services().worker, implementation }],
  });

before(async () => {
  withStream = await serve({
    InferStream: (call: Call) => {
      streamsOpened++;
      call.on('data', (m: InferStreamRequest__Output) => onRequest(call, m));
      call.on('error', () => {});
    },
  });
  unaryOnly = await serve({
    Infer: unary(log, 'Infer', (req: { model: string }) => ({
      scores: scores(Number(req.model.slice(1))),
      version: '1',
      queueUs: 0,
      computeUs: 1,
    })),
  });
});

after(async () => {
  for (const c of clients) c.close();
  await Promise.all([closeServer(withStream.server, 0), closeServer(unaryOnly.server, 0)]);
});

describe('InferStreamClient', () => {
  it('matches replies to requests by tag, in whatever order they come', async () => {
    const held: InferStreamRequest__Output[] = [];
    onRequest = (call, m) => {
      held.push(m);
      if (held.length < 3) return;
      // Answer in reverse order, each with its own model's number as the score.
      for (const r of held.reverse())
        call.write({
          tag: r.tag,
          code: 0,
          response: { scores: scores(Number(r.request!.model.slice(1))), version: '1' },
        });
      held.length = 0;
    };
    const s = new InferStreamClient(client(withStream));
    const got = await Promise.all([1, 2, 3].map(i => s.infer(request(`m${i}`), Date.now() + 5_000)));
    assert.deepEqual(
      got.map(r => new Float32Array(new Uint8Array(r.scores).buffer)[0]),
      [1, 2, 3],
    );
    assert.equal(s.inFlight, 0);
    s.close();
  });

  it("passes a failed request's status through and keeps the stream for the next", async () => {
    const before = streamsOpened;
    onRequest = (call, m) =>
      m.request!.model === 'bad'
        ? call.write({ tag: m.tag, code: grpc.status.INVALID_ARGUMENT, message: 'items.dense: 3 bytes' })
        : call.write({ tag: m.tag, code: 0, response: { scores: scores(1) } });
    const s = new InferStreamClient(client(withStream));
    await assert.rejects(
      s.infer(request('bad'), Date.now() + 5_000),
      (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && e.details === 'items.dense: 3 bytes',
    );
    assert.equal(await codeOf(s.infer(request('good'), Date.now() + 5_000)), 'OK');
    assert.equal(streamsOpened - before, 1, 'one stream for both');
    s.close();
  });

  it('gives up at the deadline with DEADLINE_EXCEEDED and sends the deadline along', async () => {
    const seen: number[] = [];
    onRequest = (_call, m) => seen.push(m.deadlineMs); // never answers
    const s = new InferStreamClient(client(withStream));
    const deadline = Date.now() + 150;
    const t0 = Date.now();
    assert.equal(await codeOf(s.infer(request('m1'), deadline)), 'DEADLINE_EXCEEDED');
    const waited = Date.now() - t0;
    assert.ok(waited >= 140 && waited < 1_000, `waited ${waited} ms`);
    assert.deepEqual(seen, [deadline]);
    assert.equal(s.inFlight, 0);
    s.close();
  });

  it('fails what is in flight when the host ends the stream, UNAVAILABLE for a cancel, then opens a new one', async () => {
    const before = streamsOpened;
    let pendingCalls: Call[] = [];
    onRequest = call => pendingCalls.push(call);
    const s = new InferStreamClient(client(withStream));
    const inFlight = [s.infer(request('m1'), Date.now() + 5_000), s.infer(request('m2'), Date.now() + 5_000)];
    await new Promise(r => setTimeout(r, 100));
    // grpc-js ends a server stream with the status of an 'error' it emits.
    pendingCalls[0]!.emit(
      'error',
      Object.assign(new Error('host stopping'), { code: grpc.status.CANCELLED, details: 'host stopping' }),
    );
    assert.deepEqual(await Promise.all(inFlight.map(codeOf)), ['UNAVAILABLE', 'UNAVAILABLE']);
    pendingCalls = [];
    onRequest = (call, m) => call.write({ tag: m.tag, code: 0, response: { scores: scores(1) } });
    assert.equal(await codeOf(s.infer(request('m3'), Date.now() + 5_000)), 'OK');
    assert.equal(streamsOpened - before, 2, 'a second stream after the first ended');
    s.close();
  });

  it('fails what is in flight with UNAVAILABLE when the host ends the stream cleanly', async () => {
    onRequest = call => call.end();
    const s = new InferStreamClient(client(withStream));
    assert.equal(await codeOf(s.infer(request('m1'), Date.now() + 5_000)), 'UNAVAILABLE');
    s.close();
  });

  it('falls back to unary Infer for a host without InferStream, the waiting requests included', async () => {
    const s = new InferStreamClient(client(unaryOnly));
    const first = await Promise.all([
      s.infer(request('m4'), Date.now() + 5_000),
      s.infer(request('m5'), Date.now() + 5_000),
    ]);
    assert.deepEqual(
      first.map(r => new Float32Array(new Uint8Array(r.scores).buffer)[0]),
      [4, 5],
    );
    const next = await s.infer(request('m6'), Date.now() + 5_000);
    assert.equal(new Float32Array(new Uint8Array(next.scores).buffer)[0], 6);
    s.close();
  });

  it('refuses requests after close', async () => {
    const s = new InferStreamClient(client(withStream));
    s.close();
    assert.equal(await codeOf(s.infer(request('m1'), Date.now() + 5_000)), 'UNAVAILABLE');
  });
});
