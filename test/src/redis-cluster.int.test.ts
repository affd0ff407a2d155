/**
 * Hera on a Redis Cluster (slow-ish): three real redis-server masters with cluster mode on,
 * joined by `redis-cli --cluster create`; placement, a node agent and a gateway started with
 * REDIS_URL=redis+cluster://… and a hash-tagged prefix. A plan is applied, the gateway serves a
 * ranking query, and a second node's join is re-planned through a BullMQ job. Every key Hera wrote
 * sits in the prefix's one slot (so its transactions and BullMQ's scripts are legal there).
 * Every process this file starts is stopped in `after`, whatever failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { createClient, unaryCall } from '@hera/grpc';
import { randomItems, toItemBatch } from '@hera/loadgen';
import { toModelRecord, type ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { portIsFree, waitForRedis } from '@hera/procs';
import { loadProtos, type PlacementServiceClient, type RankingServiceClient } from '@hera/proto';
import { Rng } from '@hera/stats';
import { connectRedis, Keyspace, ModelStore, ProfileStore, type RedisClient } from '@hera/state';
import { freePort, startChild, startService, waitFor, type Child, type TestService } from '@hera/testing';
import { serviceEntry } from './service-entry';

const missing = ['redis-server', 'redis-cli'].filter(
  c => spawnSync(c, ['--version'], { stdio: 'ignore' }).status !== 0,
);
const skip = missing.length ? `${missing.join(' and ')} not installed (apt-get install -y redis-server)` : false;

const dirs: string[] = [];
const tmp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `hera-rc-${name}-`));
  dirs.push(d);
  return d;
};
const servers: Child[] = [];
const services: TestService[] = [];
const prefix = '{rc}';
const keys = new Keyspace(prefix);
let url = '';
let redis: RedisClient | undefined;
let placement: PlacementServiceClient | undefined;
let rank: RankingServiceClient | undefined;
let ncf: ModelConfig;
let env: Record<string, string> = {};

/** A free port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p + 10_000 <= 65_535 && (await portIsFree(p + 10_000, '127.0.0.1'))) return p;
  }
}

function cli(...args: string[]): string {
  const res = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${res.stderr || res.stdout}`);
  return res.stdout;
}

before(async () => {
  if (skip) return;
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await clusterPort();
    const dir = tmp(`node${i}`);
    const child = startChild(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { cwd: dir },
    );
    servers.push(child);
    await child.waitForLine(/Ready to accept connections/, 10_000);
    ports.push(port);
  }
  cli('--cluster', 'create', ...ports.map(p => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes');
  for (const p of ports) {
    await waitFor(() => cli('-p', String(p), 'cluster', 'info').includes('cluster_state:ok'), 20_000, `node ${p} ok`);
  }
  // Two seeds of three: the client discovers the third.
  url = `redis+cluster://${ports
    .slice(0, 2)
    .map(p => `127.0.0.1:${p}`)
    .join(',')}`;

  const repo = tmp('repo');
  ncf = (await buildRepository({ repo, scale: 0.0005, only: ['ncf'] }))[0]!;
  redis = await connectRedis(url, { name: 'test', offlineQueue: true });
  await new ModelStore(redis, keys).put(toModelRecord(ncf));
  env = {
    REDIS_URL: url,
    HERA_REDIS_PREFIX: prefix,
    HERA_MODEL_REPO: repo,
    HEARTBEAT_MS: '300',
    HERA_BACKEND: 'wasm',
    NODE_CORES: '2',
    NODE_CLASS: '2c',
  };
  const pl = await startService(serviceEntry('placement'), { ...env, NODE_SWEEP_MS: '300', REPLAN_DELAY_MS: '100' });
  services.push(pl);
  placement = createClient(loadProtos().proto.hera.placement.v1.PlacementService, pl.address, {
    defaultDeadlineMs: 30_000,
  });
  services.push(await startService(serviceEntry('worker'), { ...env, NODE_ID: 'rc-a' }));
  const gw = await startService(serviceEntry('gateway'), { ...env, ROUTING_REFRESH_MS: '200' });
  services.push(gw);
  rank = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gw.address, { defaultDeadlineMs: 30_000 });
});

after(async () => {
  placement?.close();
  rank?.close();
  for (const s of services.reverse()) await s.stop();
  redis?.disconnect();
  for (const s of servers) await s.stop('SIGTERM', 5_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Hera on a Redis Cluster', { skip }, () => {
  it('connects as a Cluster client', async () => {
    assert.ok(redis instanceof Cluster);
    assert.equal((redis as Cluster).nodes('master').length, 3);
    await waitForRedis(url, 5_000); // what `hera up` checks a given REDIS_URL with
  });

  it('plans, applies and serves a ranking query through the gateway', async () => {
    await unaryCall(placement!, 'SetDemand', { demands: [{ model: 'ncf', qps: 20 }], replace: true });
    const applied = await unaryCall(placement!, 'Apply', {});
    assert.equal(Number(applied.plan?.version), 1);
    assert.deepEqual(
      applied.plan?.nodes.map(n => n.nodeId),
      ['rc-a'],
    );
    assert.equal(Number(await redis!.get(keys.planVersion())), 1);
    const items = randomItems(ncf, 8, new Rng(3));
    const res = await waitFor(
      async () => {
        try {
          return await unaryCall(rank!, 'Rank', { model: 'ncf', items: toItemBatch(items), topK: 3 });
        } catch {
          return undefined;
        }
      },
      60_000,
      'the gateway to rank ncf',
      250,
    );
    assert.equal(res.scores.byteLength, 8 * 4);
    assert.equal(res.topIndices.length, 3);
  });

  it('re-plans as a BullMQ job (under the hash-tagged prefix) when a second node joins', async () => {
    services.push(await startService(serviceEntry('worker'), { ...env, NODE_ID: 'rc-b' }));
    await waitFor(
      async () => (await redis!.zcard(`${keys.bullPrefix()}:replan:completed`)) > 0,
      15_000,
      'a completed re-plan job',
    );
  });

  it('keeps every key Hera and BullMQ wrote in the prefix’s one slot, and lists profiles over every master', async () => {
    const cluster = redis as Cluster;
    const slot = async (key: string) => Number(await cluster.cluster('KEYSLOT', key));
    const want = await slot(prefix);
    const all: string[] = [];
    for (const m of cluster.nodes('master')) all.push(...(await m.keys('*')));
    assert.ok(all.some(k => k === keys.plan()) && all.some(k => k.startsWith(`${keys.bullPrefix()}:replan:`)));
    const elsewhere: string[] = [];
    for (const k of all) if ((await slot(k)) !== want) elsewhere.push(k);
    assert.deepEqual(elsewhere, [], `keys outside slot ${want}`);
    // SCAN through the cluster client finds what one node holds (ProfileStore.list).
    const profiles = new ProfileStore(redis!, keys);
    await redis!.set(keys.profile('zz', 'm'), JSON.stringify({ model: 'm', nodeClass: 'zz', points: [] }));
    assert.deepEqual(
      (await profiles.list('zz')).map(p => p.model),
      ['m'],
    );
    await redis!.del(keys.profile('zz', 'm'));
  });
});
