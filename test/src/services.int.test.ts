/**
 * Each of the four services as a real process against a real redis-server:
 * health over gRPC, its liveness record in Redis, config errors, and graceful
 * shutdown on SIGTERM (health NOT_SERVING first, exit 0 within the budget).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import { checkHealth } from '@hera/grpc';
import { LIVENESS_SERVICE } from '@hera/runtime';
import { Keyspace, listLive, type ServiceRecord } from '@hera/state';
import { redisPerFile, startChild, startService, type ServiceName } from '@hera/testing';
import { serviceEntry } from './service-entry';

// The gateway is live but not ready here: it routes no model (readiness waits for routes).
const SERVICES: { name: ServiceName; grpcService: string; ready?: 'NOT_SERVING' }[] = [
  { name: 'gateway', grpcService: 'hera.gateway.v1.RankingService', ready: 'NOT_SERVING' },
  { name: 'worker', grpcService: 'hera.worker.v1.WorkerService' },
  { name: 'placement', grpcService: 'hera.placement.v1.PlacementService' },
  { name: 'profiler', grpcService: 'hera.profiler.v1.ProfilerService' },
];

const db = redisPerFile();

describe('services', () => {
  for (const { name, grpcService, ready = 'SERVING' } of SERVICES) {
    it(`${name} serves health, registers in Redis, and deregisters on SIGTERM`, async () => {
      const prefix = `t-${name}`;
      const svc = await startService(serviceEntry(name), { REDIS_URL: db.server.url, HERA_REDIS_PREFIX: prefix });
      try {
        assert.equal(await checkHealth(svc.address, LIVENESS_SERVICE), 'SERVING');
        assert.equal(await checkHealth(svc.address, ''), ready);
        assert.equal(await checkHealth(svc.address, grpcService), ready);
        assert.equal(await checkHealth(svc.address, 'no.such.Service'), 'SERVICE_UNKNOWN');
        const keys = new Keyspace(prefix);
        const { live } = await listLive<ServiceRecord>(db.redis, keys.services(), m => keys.service(m));
        assert.equal(live.length, 1);
        assert.equal(live[0]!.service, name);
        assert.equal(live[0]!.endpoint, svc.address);
        assert.equal(live[0]!.pid, svc.child.pid);
        assert.equal(await svc.stop(), 0);
        assert.deepEqual((await listLive(db.redis, keys.services(), m => keys.service(m))).live, []);
      } finally {
        await svc.stop();
      }
    });
  }

  it('refuses to start with a bad configuration, naming every bad variable', async () => {
    const child = startChild(process.execPath, [serviceEntry('gateway').main], {
      env: { ...process.env, REDIS_URL: 'http://nope', GRPC_PORT: '99999', LOG_LEVEL: 'loud' },
    });
    const code = await child.exited;
    const out = child.lines.join('\n');
    assert.equal(code, 2);
    assert.match(out, /invalid configuration for gateway/);
    assert.match(out, /REDIS_URL: .*\(got "http:\/\/nope"\)/);
    assert.match(out, /GRPC_PORT: .*\(got "99999"\)/);
    assert.match(out, /LOG_LEVEL: .*\(got "loud"\)/);
  });

  it('exits 1 with a clear message when Redis is unreachable', async () => {
    const child = startChild(process.execPath, [serviceEntry('placement').main], {
      env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1', GRPC_PORT: '0' },
    });
    try {
      assert.equal(await child.exited, 1);
      assert.match(child.lines.join('\n'), /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
    } finally {
      await child.stop('SIGKILL');
    }
  });

  it('on SIGTERM turns health NOT_SERVING before draining, then exits 0 within the budget', async () => {
    const budgetMs = 3_000;
    const svc = await startService(serviceEntry('gateway'), {
      REDIS_URL: db.server.url,
      HERA_REDIS_PREFIX: 't-drain',
      SHUTDOWN_GRACE_MS: String(budgetMs),
    });
    try {
      // Liveness: this gateway routes nothing, so its readiness ("") is NOT_SERVING throughout.
      const seen = await watchHealthDuring(svc.address, LIVENESS_SERVICE, async () => {
        const t0 = Date.now();
        svc.child.proc.kill('SIGTERM');
        assert.equal(await svc.child.exited, 0);
        assert.ok(Date.now() - t0 < budgetMs + 1_000, `took ${Date.now() - t0} ms`);
      });
      assert.deepEqual(seen.slice(0, 2), ['SERVING', 'NOT_SERVING']);
      const states = svc.child.lines.map(l => /"state":"(\w+)","msg":"lifecycle"/.exec(l)?.[1]).filter(Boolean);
      assert.deepEqual(states, ['serving', 'draining', 'stopped']);
    } finally {
      await svc.stop();
    }
  });
});

/** Streams grpc.health.v1.Health/Watch(service) while `during` runs; returns the statuses seen. */
async function watchHealthDuring(address: string, service: string, during: () => Promise<void>): Promise<string[]> {
  const def = protoLoader.loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
  const Health = (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as typeof grpc.Client;
  const client = new Health(address, grpc.credentials.createInsecure()) as grpc.Client & {
    watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
  };
  const seen: string[] = [];
  const stream = client.watch({ service });
  const first = new Promise<void>(resolve => stream.once('data', () => resolve()));
  stream.on('data', (m: { status: string }) => seen.push(m.status));
  stream.on('error', () => {}); // the stream ends with UNAVAILABLE/CANCELLED when the server goes away
  await first;
  try {
    await during();
  } finally {
    stream.cancel();
    client.close();
  }
  return seen;
}
