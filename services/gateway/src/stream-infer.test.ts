/**
 * ModelStreamInfer's stream handling on a real gRPC server (port 0, loopback), with the query
 * itself replaced by a controllable function: answers carry their request's id, an error answers
 * one request and the stream goes on, at most STREAM_MAX_IN_FLIGHT queries run at once however
 * fast the client writes, and a cancelled stream leaves the server serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { HeraError } from '@hera/errors';
import { closeServer, createClient, startServer, type RunningServer } from '@hera/grpc';
import { silentLogger } from '@hera/logger';
import {
  loadProtos,
  services,
  type GRPCInferenceServiceClient,
  type ModelInferRequest__Output,
  type ModelInferResponse,
  type ModelStreamInferResponse__Output,
} from '@hera/proto';
import type { GatewayDeps, InferContext } from './server';
import { modelStreamInfer } from './stream-infer';

const MAX = 3;
const log = silentLogger();
let running: RunningServer;
let client: GRPCInferenceServiceClient;
let now = 0;
let peak = 0;
const contexts: InferContext[] = [];

/** A query that takes 15 ms; "bad…" ids fail as a validation error would. */
async function fakeInfer(
  _: GatewayDeps,
  req: ModelInferRequest__Output,
  ctx: InferContext,
): Promise<ModelInferResponse> {
  contexts.push(ctx);
  now++;
  peak = Math.max(peak, now);
  try {
    await new Promise(r => setTimeout(r, 15));
    if (req.id.startsWith('bad')) throw new HeraError('INVALID_ARGUMENT', `inputs[0].name: unknown input "x"`);
    return { modelName: req.modelName, id: req.id, outputs: [{ name: 'score', datatype: 'FP32', shape: [1, 1] }] };
  } finally {
    now--;
  }
}

before(async () => {
  const deps = { log, streamMaxInFlight: MAX } as GatewayDeps;
  running = await startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [
      {
        name: 'inference.GRPCInferenceService',
        definition: services().inference,
        implementation: { ModelStreamInfer: modelStreamInfer(deps, fakeInfer) },
      },
    ],
  });
  client = createClient(loadProtos().proto.inference.GRPCInferenceService, running.address, { maxAttempts: 1 });
});

after(async () => {
  client?.close();
  if (running) await closeServer(running.server, 1_000);
});

/** Writes every request at once, half-closes, and collects the answers and the final status. */
function exchange(
  ids: string[],
  deadline?: number,
): Promise<{ answers: ModelStreamInferResponse__Output[]; status: grpc.StatusObject }> {
  return new Promise(resolve => {
    const answers: ModelStreamInferResponse__Output[] = [];
    const call = client.ModelStreamInfer(deadline ? { deadline } : {});
    let status: grpc.StatusObject | undefined;
    let ended = false;
    const done = () => status && ended && resolve({ answers, status });
    call.on('data', (r: ModelStreamInferResponse__Output) => answers.push(r));
    call.on('status', s => {
      status = s;
      done();
    });
    call.on('error', () => undefined);
    call.on('end', () => {
      ended = true;
      done();
    });
    for (const id of ids) call.write({ modelName: 'm', id });
    call.end();
  });
}

describe('ModelStreamInfer', () => {
  it('answers every request with its id; a failed one gets error_message and the stream goes on', async () => {
    peak = 0;
    const ids = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'bad7' : `r${i}`));
    const { answers, status } = await exchange(ids);
    assert.equal(status.code, 0, status.details);
    assert.equal(answers.length, 20);
    const byId = new Map(answers.filter(a => !a.errorMessage).map(a => [a.inferResponse!.id, a]));
    for (const id of ids.filter(i => i !== 'bad7')) assert.ok(byId.has(id), `answer for ${id}`);
    const errors = answers.filter(a => a.errorMessage);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.errorMessage, 'INVALID_ARGUMENT: inputs[0].name: unknown input "x"');
    assert.deepEqual(
      [errors[0]!.inferResponse?.id, errors[0]!.inferResponse?.outputs],
      ['bad7', []],
      "the failed request's id, no outputs",
    );
  });

  it(`runs at most ${MAX} of a stream's queries at once, however fast the client writes`, async () => {
    peak = 0;
    const { answers } = await exchange(Array.from({ length: 30 }, (_, i) => `q${i}`));
    assert.equal(answers.length, 30);
    assert.equal(peak, MAX, `peak concurrency ${peak}`);
  });

  it("gives each query the call's deadline and its own arrival time", async () => {
    contexts.length = 0;
    const deadline = Date.now() + 10_000;
    await exchange(['d0', 'd1'], deadline);
    assert.equal(contexts.length, 2);
    for (const c of contexts) {
      assert.equal(c.method, 'ModelStreamInfer');
      // Sent as a relative grpc-timeout, so the server's absolute deadline is a few ms later.
      assert.ok(Math.abs(c.clientDeadline - deadline) <= 100, `deadline ${c.clientDeadline} vs ${deadline}`);
      assert.ok(c.arrivedAt !== undefined && Math.abs(c.arrivedAt - Date.now()) < 5_000);
    }
  });

  it('survives a client that cancels mid-stream, and serves the next stream', async () => {
    const call = client.ModelStreamInfer();
    call.on('error', () => undefined);
    for (let i = 0; i < 10; i++) call.write({ modelName: 'm', id: `c${i}` });
    await new Promise(r => setTimeout(r, 5));
    call.cancel();
    await new Promise(r => setTimeout(r, 100));
    assert.equal(now, 0, 'the queries in flight finished');
    const { answers, status } = await exchange(['after']);
    assert.equal(status.code, 0);
    assert.equal(answers[0]!.inferResponse!.id, 'after');
  });
});
