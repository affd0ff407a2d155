/**
 * The gRPC helpers against a real grpc-js server on port 0: error mapping at the
 * edge, default deadlines, and UNAVAILABLE-only retries.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { HeraError } from '@hera/errors';
import { silentLogger } from '@hera/logger';
import { loadProtos, services, type GetDemandResponse, type PlacementServiceClient } from '@hera/proto';
import { createClient, unaryCall } from './client';
import { checkHealth } from './health';
import { callBy, callDeadline, DEADLINE_GRACE_MS } from './deadline';
import { closeServer, CONNECTION_WINDOW_BYTES, startServer, STREAM_WINDOW_BYTES, type RunningServer } from './server';
import { unary } from './handlers';
import { code } from './test-fixtures';

const log = silentLogger();
let running: RunningServer;
let behaviour: (call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<GetDemandResponse>;
let calls = 0;

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
          GetDemand: unary(log, 'GetDemand', (_req, call) => {
            calls++;
            return behaviour(call as grpc.ServerUnaryCall<unknown, unknown>);
          }),
        },
      },
    ],
  });
  running.setServing('SERVING');
});
after(() => closeServer(running.server, 1_000));

const Placement = () => loadProtos().proto.hera.placement.v1.PlacementService;
function client(opts: Parameters<typeof createClient>[2] = {}): PlacementServiceClient {
  return createClient(Placement(), running.address, opts);
}

describe('grpc helpers', () => {
  it('serves health for the server and each service', async () => {
    assert.equal(await checkHealth(running.address, ''), 'SERVING');
    assert.equal(await checkHealth(running.address, 'hera.placement.v1.PlacementService'), 'SERVING');
  });

  it('maps HeraError codes to gRPC status with the message', async () => {
    const c = client({ maxAttempts: 1 });
    behaviour = async () => {
      throw new HeraError('OVERLOADED', 'queue full');
    };
    assert.deepEqual(await code(unaryCall(c, 'GetDemand', {})), ['RESOURCE_EXHAUSTED', 'queue full']);
    behaviour = async () => {
      throw new HeraError('INVALID_ARGUMENT', 'demands[0].qps: must be ≥ 0');
    };
    assert.deepEqual(await code(unaryCall(c, 'GetDemand', {})), ['INVALID_ARGUMENT', 'demands[0].qps: must be ≥ 0']);
    c.close();
  });

  it('hides unexpected errors behind INTERNAL', async () => {
    const c = client({ maxAttempts: 1 });
    behaviour = async () => {
      throw new TypeError('secret stack detail');
    };
    assert.deepEqual(await code(unaryCall(c, 'GetDemand', {})), ['INTERNAL', 'internal error']);
    c.close();
  });

  it('retries UNAVAILABLE and succeeds when a later attempt does', async () => {
    const c = client({ maxAttempts: 3 });
    calls = 0;
    behaviour = async () => {
      if (calls < 3) throw new HeraError('UNAVAILABLE', 'replica down');
      return { demands: [{ model: 'ncf', qps: 5 }] };
    };
    const res = await unaryCall(c, 'GetDemand', {});
    assert.deepEqual(
      res.demands.map(d => [d.model, d.qps]),
      [['ncf', 5]],
    );
    assert.equal(calls, 3);
    c.close();
  });

  it('does not retry other codes, and not at all when retries are off', async () => {
    calls = 0;
    behaviour = async () => {
      throw new HeraError('OVERLOADED', 'busy');
    };
    const c = client({ maxAttempts: 3 });
    assert.equal((await code(unaryCall(c, 'GetDemand', {})))[0], 'RESOURCE_EXHAUSTED');
    assert.equal(calls, 1);
    c.close();
    calls = 0;
    behaviour = async () => {
      throw new HeraError('UNAVAILABLE', 'down');
    };
    const c1 = client({ maxAttempts: 1 });
    assert.equal((await code(unaryCall(c1, 'GetDemand', {})))[0], 'UNAVAILABLE');
    assert.equal(calls, 1);
    c1.close();
  });

  it('applies the default deadline to calls that set none', async () => {
    const c = client({ maxAttempts: 1, defaultDeadlineMs: 100 });
    behaviour = () => new Promise(r => setTimeout(() => r({ demands: [] }), 1_000));
    const t0 = Date.now();
    assert.equal((await code(unaryCall(c, 'GetDemand', {})))[0], 'DEADLINE_EXCEEDED');
    assert.ok(Date.now() - t0 < 800);
    c.close();
  });

  it('grants clients wide HTTP/2 receive windows (large requests need not wait for WINDOW_UPDATEs)', async () => {
    const session = connect(`http://${running.address}`);
    try {
      // The stream window arrives in the server's SETTINGS; the connection window as a WINDOW_UPDATE.
      const granted = () =>
        session.remoteSettings.initialWindowSize === STREAM_WINDOW_BYTES &&
        session.state.remoteWindowSize! >= CONNECTION_WINDOW_BYTES;
      await new Promise<void>((resolve, reject) => {
        session.once('error', reject);
        const end = Date.now() + 2_000;
        const check = () => (granted() || Date.now() > end ? resolve() : setTimeout(check, 10));
        check();
      });
      assert.equal(session.remoteSettings.initialWindowSize, STREAM_WINDOW_BYTES);
      assert.ok(session.state.remoteWindowSize! >= CONNECTION_WINDOW_BYTES);
    } finally {
      session.destroy();
    }
  });

  it("callBy: the server sees the caller's deadline, the caller gets DEADLINE_EXCEEDED on time, the stream is not reset", async () => {
    const c = client({ maxAttempts: 1 });
    let seen: { deadline: number; cancelled: boolean } | undefined;
    behaviour = call =>
      new Promise(r =>
        setTimeout(() => {
          seen = { deadline: callDeadline(call), cancelled: call.cancelled };
          r({ demands: [] });
        }, 300),
      );
    const deadline = Date.now() + 100;
    const t0 = Date.now();
    const err = await callBy(deadline, (md, options, cb) => c.getDemand({}, md, options, cb)).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    assert.equal(err?.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - t0 >= 95 && Date.now() - t0 < 250, `reported after ${Date.now() - t0} ms`);
    await new Promise(r => setTimeout(r, 300));
    assert.equal(seen?.deadline, deadline, 'the server reads the deadline from the metadata');
    assert.equal(seen?.cancelled, false, 'the call was left to finish');
    assert.ok(DEADLINE_GRACE_MS > 300);
    c.close();
  });

  it('callBy: 1,200 calls past their deadline reset no stream, so the connection is never closed under them', async () => {
    // A plain grpc-js deadline resets the stream; Node's HTTP/2 server ends a connection after
    // ~1,000 resets, and our servers close one gracefully after RESET_BUDGET (abuse.int.test.ts).
    // callBy leaves the call to end on its own: no reset at all.
    behaviour = call =>
      new Promise(r => setTimeout(() => r({ demands: [] }), Number(call.metadata.get('x-delay')[0] ?? 100)));
    const outcome = async (plain: boolean) => {
      const c = client({ maxAttempts: 1 });
      // Bystanders: calls that would succeed, in flight on the same connection meanwhile.
      const md = new grpc.Metadata();
      md.set('x-delay', '1500');
      const bystanders = Array.from({ length: 10 }, () =>
        code(unaryCall(c, 'GetDemand', {}, { deadlineMs: 5_000, metadata: md })),
      );
      // In waves, so that each call's stream is open on the server when its deadline passes.
      const late: string[] = [];
      for (let wave = 0; wave < 12; wave++) {
        const codes = await Promise.all(
          Array.from({ length: 100 }, async () => {
            const p = plain
              ? unaryCall(c, 'GetDemand', {}, { deadlineMs: 30 })
              : callBy(Date.now() + 30, (md, options, cb) => c.getDemand({}, md, options, cb));
            return (await code(p))[0];
          }),
        );
        late.push(...codes);
      }
      const codes = [...late, ...(await Promise.all(bystanders)).map(x => x[0])];
      c.close();
      return {
        internal: codes.filter(x => x === 'INTERNAL').length,
        bystandersOk: codes.slice(1_200).filter(x => x === 'OK').length,
      };
    };
    const soft = await outcome(false);
    assert.deepEqual(soft, { internal: 0, bystandersOk: 10 });
    const plain = await outcome(true);
    assert.deepEqual(
      plain,
      { internal: 0, bystandersOk: 10 },
      'plain deadlines: the reset budget closes the connection gracefully, failing nothing',
    );
  });
});
