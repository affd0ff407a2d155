/**
 * The gateway as a real process against a real redis-server that the test stops
 * and restarts on the same port (from its append-only file) and a stand-in tenant
 * host: readiness (grpc.health.v1 "" and the service names, OIP ServerReady) is
 * NOT_SERVING until the plan's models are routed while liveness answers SERVING
 * at once; then queries sent without pause through Redis going down for longer
 * than the node record's TTL, and coming back without it, all succeed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { checkHealth, createClient, unaryCall } from '@hera/grpc';
import { silentLogger } from '@hera/logger';
import { startRedisServer, type RedisServer } from '@hera/procs';
import { loadProtos, type GRPCInferenceServiceClient, type RankingServiceClient } from '@hera/proto';
import { LIVENESS_SERVICE } from '@hera/runtime';
import { Keyspace } from '@hera/state';
import { grpcCode, startService, waitFor, type TestService } from '@hera/testing';
import {
  registerModel,
  startStandInHost,
  tinyItems,
  TINY_MODEL,
  writeNode,
  writePlan,
  type StandInHost,
} from './stand-in';

const keys = new Keyspace('gwr');
const dir = mkdtempSync(join(tmpdir(), 'hera-gw-routing-'));
const NODE_TTL_MS = 900;
let server: RedisServer;
let redis: Redis;
let host: StandInHost;
let gateway: TestService;
let rank: RankingServiceClient;
let oip: GRPCInferenceServiceClient;
/** Writes the node record every 300 ms, as a node agent's heartbeat does, while `beating`. */
let beating = true;
let beat: NodeJS.Timeout | undefined;

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));
function startBeating(): Promise<void> {
  const heartbeat = () =>
    beating
      ? writeNode(redis, keys, 'n1', { [TINY_MODEL.name]: { endpoint: host.endpoint } }, NODE_TTL_MS).catch(() => {})
      : Promise.resolve();
  beat ??= setInterval(() => void heartbeat(), 300);
  return heartbeat();
}
const query = () =>
  grpcCode(unaryCall(rank, 'Rank', { model: TINY_MODEL.name, items: tinyItems(), topK: 1 }, { deadlineMs: 2_000 }));

before(async () => {
  server = await startRedisServer({ dir, persist: true });
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  host = await startStandInHost(silentLogger());
});

after(async () => {
  clearInterval(beat);
  rank?.close();
  oip?.close();
  await gateway?.stop();
  await host?.stop();
  redis?.disconnect();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway routing', () => {
  it("is live at once but ready only once the plan's models are routed", async () => {
    await registerModel(redis, keys);
    await writePlan(redis, keys, 1, Date.now(), { n1: [TINY_MODEL.name] });
    gateway = await startService(
      { name: 'gateway', main: require.resolve('./main') },
      { REDIS_URL: server.url, HERA_REDIS_PREFIX: keys.prefix, ROUTING_REFRESH_MS: '300' },
    );
    rank = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway.address, { maxAttempts: 1 });
    oip = createClient(loadProtos().proto.inference.GRPCInferenceService, gateway.address, { maxAttempts: 1 });

    // Started, models known, plan read, but no node record: nothing routed yet.
    for (const name of ['', 'hera.gateway.v1.RankingService', 'inference.GRPCInferenceService']) {
      assert.equal(await checkHealth(gateway.address, name), 'NOT_SERVING', `health of "${name}" before routing`);
    }
    assert.equal(await checkHealth(gateway.address, LIVENESS_SERVICE), 'SERVING');
    assert.equal((await unaryCall(oip, 'ServerLive', {})).live, true);
    assert.equal((await unaryCall(oip, 'ServerReady', {})).ready, false);
    assert.equal(await query(), 'UNAVAILABLE');

    await startBeating();
    await waitFor(async () => (await checkHealth(gateway.address, '')) === 'SERVING', 5_000, 'the gateway ready');
    assert.equal(await checkHealth(gateway.address, 'hera.gateway.v1.RankingService'), 'SERVING');
    assert.equal((await unaryCall(oip, 'ServerReady', {})).ready, true);
    assert.equal(await query(), 'OK');
  });

  it('answers every query through a Redis restart that lost the node record', async t => {
    await startBeating();
    await waitFor(async () => (await query()) === 'OK', 5_000, 'the model routed');
    const outcomes = new Map<string, number>();
    const health = new Set<string>();
    let sending = true;
    let answeredBefore = 0;
    let answeredAfter = 0;
    const load = (async () => {
      while (sending) {
        const [q, h] = await Promise.all([query(), checkHealth(gateway.address, '', 2_000)]);
        outcomes.set(q, (outcomes.get(q) ?? 0) + 1);
        health.add(h);
        await sleep(20);
      }
    })();
    try {
      await sleep(500);
      // The agent stops beating (it cannot reach Redis, or died) and Redis goes down for
      // longer than the record's TTL: it comes back with the plan and the model, not the node.
      beating = false;
      answeredBefore = host.answered();
      await server.stop();
      await sleep(NODE_TTL_MS + 600);
      server = await startRedisServer({ dir, port: server.port, persist: true });
      await waitFor(async () => (await redis.ping()) === 'PONG', 10_000, 'redis back');
      assert.equal(await redis.exists(keys.node('n1')), 0, 'the node record expired');
      // Several routing refreshes (every 300 ms) against the restarted Redis.
      await sleep(2_500);
      answeredAfter = host.answered();
      // The agent beats again: still routed, by its fresh record.
      beating = true;
      await sleep(1_000);
    } finally {
      sending = false;
      await load;
    }
    t.diagnostic(
      `outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; the host answered ${answeredAfter - answeredBefore} from Redis stopping to 2.5 s after its restart`,
    );
    assert.deepEqual([...outcomes.keys()], ['OK'], `outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.deepEqual([...health], ['SERVING']);
    assert.ok(
      answeredAfter > answeredBefore + 20,
      `the host answered ${answeredAfter - answeredBefore} queries while Redis was down and after it came back`,
    );
  });
});
