/**
 * The gRPC helpers against a real grpc-js server on port 0: error mapping at the
 * edge, default deadlines, and UNAVAILABLE-only retries.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { HeraError } from '@hera/errors';
import { silentLogger } from '@hera/logger';
import { loadProtos, services, type GetDemandResponse, type PlacementServiceClient } from '@hera/proto';
import { createClient, unaryCall } from './client';
import { checkHealth } from './health';
import { closeServer, startServer, type RunningServer } from './server';
import { unary } from './handlers';

const log = silentLogger();
let running: RunningServer;
let behaviour: () => Promise<GetDemandResponse>;
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
          GetDemand: unary(log, 'GetDemand', () => {
            calls++;
            return behaviour();
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
async function code(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
    return ['OK', ''];
  } catch (err) {
    const e = err as grpc.ServiceError;
    return [grpc.status[e.code]!, e.details];
  }
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
    assert.deepEqual(res.demands.map(d => [d.model, d.qps]), [['ncf', 5]]);
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
});
