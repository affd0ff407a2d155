import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commonEnv, ConfigError, defineConfig, port, z } from './index';

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
