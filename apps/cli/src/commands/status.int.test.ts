/**
 * `hera status` against a real redis-server and real gRPC servers: a service whose
 * heartbeat stopped (dead, or its event loop stuck) is shown as silent with the
 * reason, not dropped; one replaced by a restart is forgotten.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '@hera/testing';
import { Heartbeat, Keyspace, type ServiceRecord } from '@hera/state';
import { closeServer, startServer, type RunningServer } from '@hera/grpc';
import { createLogger } from '@hera/logger';
import { readStatus, renderStatus, silentServices } from './status';

let server: TestRedis;
let redis: Redis;
let grpcServer: RunningServer | undefined;
before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
after(async () => {
  try {
    if (grpcServer) await closeServer(grpcServer.server, 0);
  } finally {
    redis?.disconnect();
    await server?.stop();
  }
});

const record = (over: Partial<ServiceRecord>): ServiceRecord => ({
  service: 'placement',
  instanceId: 'placement/vm-1-a',
  endpoint: '127.0.0.1:1',
  pid: 1,
  hostname: 'vm',
  version: '0.1.0',
  startedAtMs: 1_000,
  heartbeatAtMs: 2_000,
  state: 'serving',
  ...over,
});

describe('silentServices', () => {
  it('keeps a silent service nothing replaced, forgets one a restart replaced', () => {
    const dead = record({ instanceId: 'placement/vm-1-a' });
    const restartedProfiler = record({
      service: 'profiler',
      instanceId: 'profiler/vm-2-b',
      startedAtMs: 5_000,
      heartbeatAtMs: 6_000,
    });
    const oldProfiler = record({
      service: 'profiler',
      instanceId: 'profiler/vm-1-c',
      endpoint: '127.0.0.1:9',
      heartbeatAtMs: 2_000,
    });
    const worker2 = record({ service: 'worker', instanceId: 'worker/vm-3-d', endpoint: '127.0.0.1:3' });
    const worker1 = record({
      service: 'worker',
      instanceId: 'worker/vm-4-e',
      endpoint: '127.0.0.1:4',
      startedAtMs: 5_000,
    });
    const r = silentServices(
      [restartedProfiler, worker1],
      [dead, restartedProfiler, oldProfiler, worker2, worker1],
      7_000,
    );
    // Another node's worker started later does not replace a silent worker elsewhere.
    assert.deepEqual(
      r.silent.map(s => s.instanceId),
      ['placement/vm-1-a', 'worker/vm-3-d'],
    );
    assert.deepEqual(r.forget, ['profiler/vm-1-c']);
    assert.deepEqual(silentServices([], [dead], 2_000 + 25 * 3600_000).forget, ['placement/vm-1-a']);
  });
});

describe('readStatus', () => {
  it('shows a service that stopped beating as silent, with its last record and why, and exits unhealthy', async () => {
    const keys = new Keyspace('st1');
    grpcServer = await startServer({
      host: '127.0.0.1',
      port: 0,
      log: createLogger({ service: 'test', level: 'error' }),
      services: [],
    });
    grpcServer.setServing('SERVING');
    const live = record({
      service: 'gateway',
      instanceId: 'gateway/vm-5-f',
      endpoint: `127.0.0.1:${grpcServer.port}`,
      startedAtMs: Date.now(),
      heartbeatAtMs: Date.now(),
    });
    const liveBeat = new Heartbeat(redis, {
      key: keys.service(live.instanceId),
      indexKey: keys.services(),
      lastSeenKey: keys.servicesLastSeen(),
      member: live.instanceId,
      intervalMs: 5_000,
      value: () => ({ ...live, heartbeatAtMs: Date.now() }),
    });
    await liveBeat.start();
    // A placement that beat once with a short TTL and then went quiet (as a process with a stuck event loop does).
    const stuck = record({ instanceId: 'placement/vm-6-g', endpoint: '127.0.0.1:1', startedAtMs: Date.now() });
    const stuckBeat = new Heartbeat(redis, {
      key: keys.service(stuck.instanceId),
      indexKey: keys.services(),
      lastSeenKey: keys.servicesLastSeen(),
      member: stuck.instanceId,
      intervalMs: 50,
      value: () => ({ ...stuck, heartbeatAtMs: Date.now() }),
    });
    await stuckBeat.beat();
    await new Promise(r => setTimeout(r, 300)); // past its TTL of 150 ms
    try {
      const s = await readStatus(server.url, 'st1');
      const byName = new Map(s.services.map(x => [x.service, x]));
      assert.equal(byName.get('gateway')?.health, 'SERVING');
      assert.equal(byName.get('gateway')?.reason, '');
      const p = byName.get('placement');
      assert.ok(p, 'the silent placement is listed');
      assert.equal(p.beating, false);
      assert.equal(p.health, 'UNREACHABLE');
      assert.match(
        p.reason,
        /no heartbeat for .* \(dead, or its event loop is stuck\); health check failed: UNAVAILABLE/,
      );
      assert.match(renderStatus(s), /placement .*UNREACHABLE +silent/);
    } finally {
      await liveBeat.stop();
    }
    // A clean stop forgets the record.
    assert.equal(await redis.hexists(keys.servicesLastSeen(), live.instanceId), 0);
  });
});
