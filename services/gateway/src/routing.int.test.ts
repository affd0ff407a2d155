/**
 * The routing table against a real redis-server that the test stops and restarts
 * (on the same port, from its append-only file or empty) and real stand-in tenant
 * hosts: routes and the catalog survive Redis being down and coming back without
 * the node's heartbeat record or without any data, and queries through the Ranker
 * keep working; a replica goes only on evidence about it (its host stops
 * answering, its node's record says so, a later plan drops it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeraError } from '@hera/errors';
import { silentLogger } from '@hera/logger';
import { startRedisServer, type RedisServer } from '@hera/procs';
import { connectRedis, Keyspace, NodeStore, PlanStore, type RedisClient } from '@hera/state';
import { waitFor } from '@hera/testing';
import { ModelCatalog } from './catalog';
import { Ranker } from './ranker';
import { gatewayReadiness } from './readiness';
import { RoutingTable } from './routing';
import {
  registerModel,
  startStandInHost,
  tinyItems,
  TINY_MODEL,
  writeNode,
  writePlan,
  type StandInHost,
} from './stand-in';

const log = silentLogger();
const keys = new Keyspace('rt');
const model = TINY_MODEL.name;
const dirs: string[] = [];
const hosts: StandInHost[] = [];
let server: RedisServer;
/** The gateway's own connection, opened as runService opens it (fails fast while Redis is down). */
let redis: RedisClient;
let catalog: ModelCatalog;
let routing: RoutingTable;
let ranker: Ranker;

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hera-routing-'));
  dirs.push(d);
  return d;
};
/** Restarts redis-server on the same port, from `dir` (its append-only file) or a fresh one. */
async function restartRedis(dir: string): Promise<void> {
  await server.stop();
  server = await startRedisServer({ dir, port: server.port, persist: true });
  await waitFor(
    async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
    10_000,
    'the gateway reconnected',
  );
}
const refresh = () => Promise.all([catalog.refresh(), routing.refresh()]);
const query = () =>
  ranker.rank({
    model,
    version: '',
    ...tinyItems(),
    clientDeadline: Date.now() + 2_000,
    timeoutMs: 0,
    field: { dense: 'items.dense', sparse: 'items.sparse', count: 'items.item_count' },
  });
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof HeraError ? e.code : String(e)),
  );
const endpoints = () => routing.replicas(model).map(r => r.endpoint);

before(async () => {
  const dir = newDir();
  server = await startRedisServer({ dir, persist: true });
  redis = await connectRedis(server.url, { name: 'gateway', offlineQueue: false });
  redis.on('error', () => {}); // reconnects on its own
  catalog = new ModelCatalog(redis, keys, log);
  routing = new RoutingTable({ plans: new PlanStore(redis, keys), nodes: new NodeStore(redis, keys) }, log);
  ranker = new Ranker(catalog, routing, {
    maxItems: 1024,
    deadlineSlaMultiple: 2,
    admissionControl: true,
    validateValues: true,
  });
});

after(async () => {
  routing?.close();
  redis?.disconnect();
  for (const h of hosts) await h.stop();
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function host(): Promise<StandInHost> {
  const h = await startStandInHost(log);
  hosts.push(h);
  return h;
}

describe('RoutingTable through Redis restarts', () => {
  let a: StandInHost;

  it("keeps routing while Redis is down and after it restarts without the node's expired record", async () => {
    a = await host();
    await registerModel(redis, keys);
    await writePlan(redis, keys, 1, 1_000, { n1: [model] });
    await writeNode(redis, keys, 'n1', { [model]: { endpoint: a.endpoint } }, 1_000);
    await refresh();
    assert.deepEqual(endpoints(), [a.endpoint]);
    assert.equal(await code(query()), 'OK');
    assert.equal(gatewayReadiness(routing, catalog).ready, true);

    // Down for longer than the heartbeat record's TTL: it comes back from its
    // append-only file with the plan and the model, and without the node record.
    await server.stop();
    await refresh();
    assert.equal(await code(query()), 'OK', 'while Redis is down');
    await sleep(1_200);
    server = await startRedisServer({ dir: dirs[0]!, port: server.port, persist: true });
    await waitFor(
      async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
      10_000,
      'the gateway reconnected',
    );
    assert.equal(await redis.exists(keys.node('n1')), 0, 'the node record expired');
    assert.ok(await redis.exists(keys.plan()), 'the plan survived');
    await refresh();
    assert.deepEqual(endpoints(), [a.endpoint], 'routes after the restart');
    assert.equal(await code(query()), 'OK', 'after the restart');
    assert.equal(gatewayReadiness(routing, catalog).ready, true);
  });

  it('keeps the catalog, the plan and the routes when Redis comes back with no data at all', async () => {
    await restartRedis(newDir());
    assert.equal(await redis.dbsize(), 0);
    await refresh();
    assert.ok(catalog.get(model), 'the model is still known');
    assert.equal(routing.planVersion, 1);
    assert.deepEqual(endpoints(), [a.endpoint]);
    assert.equal(await code(query()), 'OK');
  });

  it('drops a replica no record vouches for only once its host fails health checks twice', async () => {
    await a.stop();
    await refresh();
    assert.deepEqual(endpoints(), [a.endpoint], 'one failed check is no proof');
    await refresh();
    assert.deepEqual(endpoints(), [], 'two are');
    assert.equal(await code(query()), 'UNAVAILABLE');
    assert.deepEqual(gatewayReadiness(routing, catalog), {
      ready: false,
      reason: `plan v1: no route yet for ${model}`,
    });
  });

  it('re-syncs from a node record when one appears, and drops a replica at once when its record says so', async () => {
    const b = await host();
    await writeNode(redis, keys, 'n1', { [model]: { endpoint: b.endpoint } }, 60_000);
    await refresh();
    assert.deepEqual(endpoints(), [b.endpoint]);
    assert.equal(await code(query()), 'OK');
    // The node's own word: the tenant is restarting (its host may still answer health checks).
    await writeNode(redis, keys, 'n1', { [model]: { endpoint: b.endpoint, state: 'starting' } }, 60_000);
    await refresh();
    assert.deepEqual(endpoints(), []);
  });

  it('drops a replica that a later plan no longer places, and does not go back to an earlier plan read back', async () => {
    const c = await host();
    await writeNode(redis, keys, 'n1', { [model]: { endpoint: c.endpoint } }, 60_000);
    await writeNode(redis, keys, 'n2', { other: { endpoint: c.endpoint } }, 60_000);
    await refresh();
    assert.deepEqual(endpoints(), [c.endpoint]);
    // n1's record disappears (it would be routed on, its host being healthy), then a
    // later plan — the version counter restarted with Redis — moves the model to n2.
    await redis.del(keys.node('n1'));
    await refresh();
    assert.deepEqual(endpoints(), [c.endpoint], 'kept while only the record is missing');
    await writePlan(redis, keys, 1, 2_000, { n2: [model] });
    await refresh();
    assert.deepEqual(endpoints(), [], 'the later plan does not place it on n1');
    assert.equal(routing.plannedModels()?.models.join(), model);
    // An earlier plan read back (an older snapshot restored) changes nothing.
    await writePlan(redis, keys, 1, 1_000, { n1: [model] });
    await refresh();
    assert.deepEqual(endpoints(), []);
  });
});
