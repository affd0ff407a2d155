import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commonEnv, ConfigError, defineConfig, parseRedisUrl, port, redactRedisUrl, RedisUrlError, z } from './index';

const load = defineConfig('demo', z.object({ ...commonEnv, GRPC_PORT: port(50051) }));

describe('defineConfig', () => {
  it('applies defaults and freezes the result', () => {
    const c = load({ REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(c.GRPC_PORT, 50051);
    assert.equal(c.HERA_REDIS_PREFIX, 'hera');
    assert.equal(c.LOG_LEVEL, 'info');
    assert.ok(Object.isFrozen(c));
  });

  it('names every bad variable, with its value, in one error', () => {
    assert.throws(
      () => load({ REDIS_URL: 'http://x', GRPC_PORT: '70000', LOG_LEVEL: 'loud' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.issues.length, 3);
        assert.match(err.message, /for demo/);
        assert.match(err.message, /REDIS_URL: .*redis:\/\/.*\(got "http:\/\/x"\)/);
        assert.match(err.message, /GRPC_PORT: .*65535.*\(got "70000"\)/);
        assert.match(err.message, /LOG_LEVEL: .*\(got "loud"\)/);
        return true;
      },
    );
  });

  it('reports a missing required variable as not set', () => {
    assert.throws(() => load({}), /REDIS_URL: .*\(not set\)/);
  });
});

describe('REDIS_URL', () => {
  it('accepts a server, a Sentinel group and a Redis Cluster', () => {
    assert.equal(load({ REDIS_URL: 'rediss://u:p@redis:6380/2' }).REDIS_URL, 'rediss://u:p@redis:6380/2');
    assert.ok(load({ REDIS_URL: 'redis+sentinel://s1:26379,s2/mymaster' }));
    assert.ok(load({ REDIS_URL: 'redis+cluster://n1:7000,n2:7001', HERA_REDIS_PREFIX: '{hera}' }));
  });

  it('asks for a hash tag in the prefix on a Redis Cluster', () => {
    assert.throws(
      () => load({ REDIS_URL: 'redis+cluster://n1:7000', HERA_REDIS_PREFIX: 'prod:' }),
      /HERA_REDIS_PREFIX: .*hash tag.*\{prod\}.*\(got "prod:"\)/,
    );
    assert.throws(() => load({ REDIS_URL: 'redis+cluster://n1:7000' }), /HERA_REDIS_PREFIX: .*\{hera\} \(not set\)/);
    assert.throws(() => load({ REDIS_URL: 'redis://r', HERA_REDIS_PREFIX: '{}x' }), /HERA_REDIS_PREFIX/);
    assert.equal(load({ REDIS_URL: 'redis://r', HERA_REDIS_PREFIX: 'a{b}c:' }).HERA_REDIS_PREFIX, 'a{b}c:');
  });

  it('names what is wrong with a Sentinel or Cluster URL', () => {
    assert.throws(() => load({ REDIS_URL: 'redis+sentinel://s1:26379' }), /REDIS_URL: expected the master group name/);
    assert.throws(
      () => load({ REDIS_URL: 'redis+cluster://n1:99999', HERA_REDIS_PREFIX: '{h}' }),
      /REDIS_URL: not a host\[:port\]: "n1:99999"/,
    );
  });
});

describe('parseRedisUrl', () => {
  it('passes a single server URL through unchanged', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6379/1'), { mode: 'server', url: 'redis://127.0.0.1:6379/1' });
  });

  it('reads sentinels, master name, db, credentials and the sentinels’ password', () => {
    assert.deepEqual(parseRedisUrl('rediss+sentinel://app:s%40cret@s1,[::1]:26380/main/3?sentinelPassword=x'), {
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'main',
      db: 3,
      username: 'app',
      password: 's@cret',
      sentinelPassword: 'x',
      tls: true,
    });
  });

  it('reads cluster seed nodes and refuses a database other than 0', () => {
    assert.deepEqual(parseRedisUrl('redis+cluster://:pw@n1:7000,n2'), {
      mode: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 6379 },
      ],
      password: 'pw',
      tls: false,
    });
    assert.throws(() => parseRedisUrl('redis+cluster://n1/2'), RedisUrlError);
    assert.throws(() => parseRedisUrl('redis+cluster://n1,,n2'), /host\[:port\] entries/);
    assert.throws(() => parseRedisUrl('http://x'), /expected a redis:\/\//);
  });

  it('redacts passwords', () => {
    assert.equal(redactRedisUrl('redis+cluster://u:pw@n1:7000,n2'), 'redis+cluster://u:***@n1:7000,n2');
    assert.equal(redactRedisUrl('redis://pw@r:6379'), 'redis://***@r:6379');
    assert.equal(redactRedisUrl('redis://r:6379'), 'redis://r:6379');
  });
});
