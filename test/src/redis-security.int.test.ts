/**
 * Redis that asks who you are: a password (requirepass, as `hera up` sets on its own
 * redis-server) and TLS with a private CA and client certificates (a redis-server started
 * here with --tls-port and certificates made by openssl), through the connections every
 * service opens (connectRedis) and a BullMQ queue over one; no password in any error.
 * The TLS part skips, saying why, where openssl or the redis-server build's TLS is missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configureRedisTls, defineConfig, commonEnv, z } from '@hera/config';
import { openQueue, QUEUES } from '@hera/queues';
import { connectRedis, Keyspace, type RedisClient } from '@hera/state';
import {
  createLocalPki,
  freePort,
  hasOpenssl,
  startChild,
  startRedisServer,
  waitFor,
  type Child,
  type RedisServer,
} from '@hera/procs';

const PASSWORD = 'p4ss-word-for-the-test-0123';
const dir = mkdtempSync(join(tmpdir(), 'hera-redis-sec-'));
let server: RedisServer | undefined;
let tlsServer: Child | undefined;

after(async () => {
  configureRedisTls({});
  await server?.stop();
  await tlsServer?.stop('SIGTERM', 5_000);
  rmSync(dir, { recursive: true, force: true });
});

const connectError = async (url: string) => {
  try {
    const r = await connectRedis(url, { name: 'test', offlineQueue: false }, 2_000);
    r.disconnect();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('Redis with a password', () => {
  before(async () => {
    server = await startRedisServer({ dir: join(dir, 'plain'), password: PASSWORD });
  });

  it('serves the URL that carries the password and refuses one without it, never echoing it', async () => {
    assert.match(server!.url, /^redis:\/\/:[^@]+@127\.0\.0\.1:\d+$/);
    const r = await connectRedis(server!.url, { name: 'test' });
    try {
      await r.set('k', 'v');
      assert.equal(await r.get('k'), 'v');
    } finally {
      r.disconnect();
    }
    const bare = `redis://127.0.0.1:${server!.port}`;
    const noAuth = await connectError(bare);
    assert.ok(noAuth, 'a client without the password is refused');
    const wrong = await connectError(`redis://:wrong-password-xyz@127.0.0.1:${server!.port}`);
    assert.match(wrong!, /cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    assert.ok(!wrong!.includes('wrong-password-xyz'), wrong);
  });

  it('keeps the password out of configuration errors', () => {
    const load = defineConfig('test', z.object({ ...commonEnv }));
    try {
      load({ REDIS_URL: `redis://:${PASSWORD}@`, HERA_TOKEN: 'short' });
      assert.fail('accepted a URL without a host and a short token');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.ok(!err.message.includes(PASSWORD), err.message);
      assert.ok(!err.message.includes('short'), err.message);
      assert.match(err.message, /HERA_TOKEN: .*\(got "\(hidden\)"\)/);
    }
  });
});

describe('Redis over TLS', { skip: hasOpenssl() ? false : 'openssl is missing (apt-get install -y openssl)' }, () => {
  let url = '';
  let pki: ReturnType<typeof createLocalPki>;
  let skipWhy: string | undefined;

  before(async () => {
    pki = createLocalPki(join(dir, 'pki'), ['redis', 'client'], ['127.0.0.1', 'localhost']);
    const port = await freePort();
    const server = pki.files('redis');
    tlsServer = startChild('redis-server', [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      server.certFile,
      '--tls-key-file',
      server.keyFile,
      '--tls-ca-cert-file',
      server.caFile,
      '--save',
      '',
      '--dir',
      dir,
    ]);
    try {
      await waitFor(
        () => {
          if (tlsServer!.proc.exitCode !== null) throw new Error(tlsServer!.lines.join(' | '));
          return tlsServer!.lines.some(l => /Ready to accept connections/.test(l));
        },
        5_000,
        'redis-server with TLS',
      );
    } catch (err) {
      skipWhy = `this redis-server build does not serve TLS: ${(err as Error).message.slice(0, 200)}`;
    }
    url = `rediss://127.0.0.1:${port}`;
  });

  it('connects with the private CA and a client certificate, and refuses without them', async t => {
    if (skipWhy) return t.skip(skipWhy);
    configureRedisTls({});
    assert.ok(await connectError(url), 'the private CA is not trusted by default');
    const files = pki.files('client');
    configureRedisTls({ caFile: files.caFile, certFile: files.certFile, keyFile: files.keyFile });
    let r: RedisClient | undefined;
    try {
      r = await connectRedis(url, { name: 'test' });
      await r.set('tls', 'yes');
      assert.equal(await r.get('tls'), 'yes');
      // BullMQ over the same kind of connection, as placement and the profiler open it.
      const bull = await connectRedis(url, { name: 'bull', maxRetriesPerRequest: null });
      const q = openQueue(QUEUES.replan, new Keyspace('tls'), bull);
      try {
        await q.add('manual', { reason: { kind: 'manual' }, seenVersion: 0 });
        assert.equal((await q.getJobCounts('waiting')).waiting, 1);
      } finally {
        await q.close();
        bull.disconnect();
      }
    } finally {
      r?.disconnect();
    }
    // A client certificate from another CA is refused by Redis (tls-auth-clients yes).
    const other = createLocalPki(join(dir, 'other'), ['client'], ['127.0.0.1']).files('client');
    configureRedisTls({ caFile: files.caFile, certFile: other.certFile, keyFile: other.keyFile });
    assert.ok(await connectError(url), 'a certificate from another CA is refused');
  });

  it('names the variable when a file is missing', () => {
    assert.throws(
      () => configureRedisTls({ caFile: join(dir, 'nope.pem') }),
      (err: Error) =>
        err instanceof ConfigError && /REDIS_TLS_CA: cannot read .*nope\.pem \(ENOENT\)/.test(err.message),
    );
    assert.throws(() => configureRedisTls({ certFile: 'x.pem' }), /set both/);
  });
});
