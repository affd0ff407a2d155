/**
 * PlanWatcher (the node agent's view of its plan) against a real redis-server
 * that the test stops and restarts empty on the same port: the node's plan
 * tenants stay when the plan key is gone or holds an earlier plan (an older
 * snapshot); a later plan is followed even under a version number already seen
 * (the counter restarted with Redis), and one whose message was missed is picked
 * up by the re-sync.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { silentLogger } from '@hera/logger';
import { startRedisServer, type RedisServer } from '@hera/procs';
import { connectRedis, Keyspace, type RedisClient } from '@hera/state';
import { waitFor } from '@hera/testing';
import { PlanWatcher } from './plan-watcher';

const RESYNC_MS = 200;
const keys = new Keyspace('pw');
const dirs: string[] = [];
let server: RedisServer;
/** The agent's connection, opened as runService opens it (fails fast while Redis is down). */
let redis: RedisClient;
/** The test's, standing in for placement. */
let writer: Redis;
let watcher: PlanWatcher;
const applied: { version: number; models: string[] }[] = [];

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hera-planwatch-'));
  dirs.push(d);
  return d;
};
/** A plan placing `models` on this node (n1) and something else on n2, as placement writes it. */
async function writePlan(version: number, createdAtMs: number, models: string[], announce = true): Promise<void> {
  const plan = {
    version,
    createdAtMs,
    nodes: [
      { nodeId: 'n1', config: models.join('+'), tenants: models.map(model => ({ model, workers: 1 })) },
      { nodeId: 'n2', config: 'wnd:1', tenants: [{ model: 'wnd', workers: 1 }] },
    ],
  };
  await writer.set(keys.plan(), JSON.stringify(plan));
  if (announce) await writer.publish(keys.planChannel(), String(version));
}
const last = () => applied.at(-1);

before(async () => {
  server = await startRedisServer({ dir: newDir() });
  redis = await connectRedis(server.url, { name: 'worker', offlineQueue: false });
  redis.on('error', () => {});
  writer = new Redis(server.url, { maxRetriesPerRequest: 1 });
  writer.on('error', () => {});
  watcher = new PlanWatcher(
    redis,
    keys,
    'n1',
    async (tenants, version) => void applied.push({ version, models: tenants.map(t => t.model ?? '') }),
    silentLogger(),
    RESYNC_MS,
  );
});

after(async () => {
  await watcher?.stop();
  redis?.disconnect();
  writer?.disconnect();
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('PlanWatcher', () => {
  it("applies this node's tenants of the applied plan", async () => {
    await writePlan(2, 2_000, ['ncf']);
    await watcher.start();
    assert.deepEqual(applied, [{ version: 2, models: ['ncf'] }]);
  });

  it('keeps them while Redis is down and after it restarts without the plan', async () => {
    await server.stop();
    await sleep(3 * RESYNC_MS);
    server = await startRedisServer({ dir: newDir(), port: server.port });
    await waitFor(async () => redis.status === 'ready' && (await writer.ping()) === 'PONG', 10_000, 'reconnected');
    await sleep(3 * RESYNC_MS);
    assert.equal(await writer.exists(keys.plan()), 0);
    assert.deepEqual(applied, [{ version: 2, models: ['ncf'] }], 'no apply: nothing to remove the tenants for');
  });

  it('follows a later plan that carries a version already seen (the counter restarted)', async () => {
    await writePlan(2, 3_000, ['din']);
    await waitFor(async () => last()?.models.join() === 'din', 3_000, 'the new plan applied');
    assert.equal(applied.length, 2);
  });

  it('does not go back to an earlier plan read back (an older snapshot restored)', async () => {
    await writePlan(1, 1_000, []);
    await sleep(3 * RESYNC_MS);
    assert.deepEqual(last(), { version: 2, models: ['din'] }, 'the tenants stay');
    assert.equal(applied.length, 2);
  });

  it('picks up a later plan whose message it missed', async () => {
    await writePlan(3, 4_000, ['wnd', 'ncf'], false);
    await waitFor(async () => last()?.version === 3, 3_000, 'the missed plan applied');
    assert.deepEqual(last(), { version: 3, models: ['wnd', 'ncf'] });
  });
});
