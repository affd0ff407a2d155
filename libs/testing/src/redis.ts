import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer } from '@hera/procs';

export interface TestRedis {
  url: string;
  port: number;
  pid: number;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a private `redis-server` on a free loopback port (no persistence, its own
 * temp dir) for one test file, so files run in parallel without sharing state.
 * Call `stop()` in `after()`.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'hera-redis-'));
  try {
    const server = await startRedisServer({ dir });
    let stopped: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      pid: server.child.pid,
      stop: () => (stopped ??= server.stop().finally(() => rmSync(dir, { recursive: true, force: true }))),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * This test file's own redis-server and one ioredis client on it: started in a `before` hook and
 * both stopped in an `after` hook (which runs when tests fail too). Read the fields inside tests.
 */
export function redisPerFile(): { readonly server: TestRedis; readonly redis: Redis } {
  const ctx = {} as { server: TestRedis; redis: Redis };
  before(async () => {
    ctx.server = await startRedis();
    ctx.redis = new Redis(ctx.server.url);
  });
  after(async () => {
    ctx.redis?.disconnect();
    await ctx.server?.stop();
  });
  return ctx;
}
