/**
 * Hera behind Redis Sentinel: a master, a replica and one sentinel (quorum 1) on free loopback
 * ports; placement started with REDIS_URL=redis+sentinel://…/hera-test serves and keeps its
 * liveness record fresh, and after the master is killed and the sentinel promotes the replica it
 * writes the record to the new master without a restart. Every process this file starts is
 * stopped in `after`, whatever failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { checkHealth } from '@hera/grpc';
import { waitForRedis } from '@hera/procs';
import { connectRedis, Keyspace, listLive, type RedisClient, type ServiceRecord } from '@hera/state';
import { freePort, startChild, startService, waitFor, type Child, type TestService } from '@hera/testing';
import { serviceEntry } from './service-entry';

const missing = ['redis-server', 'redis-cli'].filter(
  c => spawnSync(c, ['--version'], { stdio: 'ignore' }).status !== 0,
);
const skip = missing.length ? `${missing.join(' and ')} not installed (apt-get install -y redis-server)` : false;

const dir = mkdtempSync(join(tmpdir(), 'hera-sentinel-'));
const children: Child[] = [];
let master: Child | undefined;
let replicaPort = 0;
let sentinelPort = 0;
let url = '';
let placement: TestService | undefined;
let redis: RedisClient | undefined;
const keys = new Keyspace('st');

async function server(port: number, ...args: string[]): Promise<Child> {
  const child = startChild('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    // A replica writes the master's snapshot to its directory: keep it out of the worktree.
    '--dir',
    mkdtempSync(join(dir, `redis-${port}-`)),
    ...args,
  ]);
  children.push(child);
  await child.waitForLine(/Ready to accept connections/, 10_000);
  return child;
}

const masterAddr = () =>
  spawnSync('redis-cli', ['-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', 'hera-test'], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n');

before(async () => {
  if (skip) return;
  const masterPort = await freePort();
  master = await server(masterPort);
  replicaPort = await freePort();
  await server(replicaPort, '--replicaof', '127.0.0.1', String(masterPort));
  sentinelPort = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor hera-test 127.0.0.1 ${masterPort} 1`,
      'sentinel down-after-milliseconds hera-test 1000',
      'sentinel failover-timeout hera-test 10000',
      '',
    ].join('\n'),
  );
  const sentinel = startChild('redis-server', [conf, '--sentinel']);
  children.push(sentinel);
  await sentinel.waitForLine(/\+monitor master hera-test/, 10_000);
  // The replica must be known to the sentinel before it can be promoted.
  await sentinel.waitForLine(/\+slave slave 127\.0\.0\.1:\d+/, 20_000);
  url = `redis+sentinel://127.0.0.1:${sentinelPort}/hera-test`;
  redis = await connectRedis(url, { name: 'test', offlineQueue: true });
  placement = await startService(serviceEntry('placement'), {
    REDIS_URL: url,
    HERA_REDIS_PREFIX: 'st',
    HEARTBEAT_MS: '300',
  });
});

after(async () => {
  await placement?.stop();
  redis?.disconnect();
  for (const c of children) await c.stop('SIGTERM', 5_000);
  rmSync(dir, { recursive: true, force: true });
});

describe('Hera behind Redis Sentinel', { skip }, () => {
  it('serves, with its liveness record in the master the sentinel names', async () => {
    assert.ok(redis instanceof Redis);
    await waitForRedis(url, 5_000); // what `hera up` checks a given REDIS_URL with
    assert.equal(await checkHealth(placement!.address, ''), 'SERVING');
    const { live } = await listLive<ServiceRecord>(redis, keys.services(), m => keys.service(m));
    assert.deepEqual(
      live.map(s => s.service),
      ['placement'],
    );
  });

  it('follows a failover: after the master dies it writes to the promoted replica', async () => {
    await master!.stop('SIGKILL');
    await waitFor(() => masterAddr()[1] === String(replicaPort), 30_000, 'the sentinel to promote the replica');
    const promoted = new Redis({ port: replicaPort, host: '127.0.0.1', lazyConnect: true });
    try {
      await promoted.connect();
      const since = Date.now();
      await waitFor(
        async () => {
          const { live } = await listLive<ServiceRecord>(promoted, keys.services(), m => keys.service(m));
          return live.some(s => s.service === 'placement' && s.heartbeatAtMs > since);
        },
        20_000,
        'a fresh liveness record on the new master',
      );
    } finally {
      promoted.disconnect();
    }
    assert.equal(await checkHealth(placement!.address, ''), 'SERVING');
  });
});
