import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { parseRedisUrl, redactRedisUrl, redisTlsOptions } from '@hera/config';
import { freePort, waitFor } from './ports';
import { startChild, type Child } from './processes';

export interface RedisServer {
  url: string;
  port: number;
  child: Child;
  /** SIGTERM (Redis saves if persistence is on), SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Working directory (dump/AOF files). */
  dir: string;
  /** 0 or unset picks a free port. */
  port?: number;
  /** Append-only persistence, so a local cluster keeps its state across restarts. */
  persist?: boolean;
  /**
   * Own process group, so a terminal's Ctrl-C reaches only the supervisor, which
   * then stops Redis last, after the services that use it.
   */
  detached?: boolean;
  /** Clients must AUTH with this (requirepass); the URL carries it. Given in a 0600 config file, never in argv (ps shows argv). */
  password?: string;
}

export const REDIS_INSTALL_HINT =
  'redis-server is not installed. Install it with:\n' +
  '  Debian/Ubuntu: sudo apt-get install -y redis-server\n' +
  '  macOS:         brew install redis\n' +
  '  or run the whole cluster in containers: docker compose up';

/** True when `redis-server` is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Pings until Redis answers; throws after `timeoutMs`. */
export async function waitForRedis(url: string, timeoutMs: number, exited?: () => string | undefined): Promise<void> {
  await waitFor(
    async () => {
      const why = exited?.();
      if (why !== undefined) throw new Error(why);
      const r = probeClient(url);
      r.on('error', () => {});
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    },
    timeoutMs,
    `redis at ${redactRedisUrl(url)}`,
  );
}

/**
 * Starts a `redis-server` we own on loopback and waits until it answers PING.
 * A free port can be taken by someone else before Redis binds it, so a failed
 * start on a picked port is retried on another.
 */
export async function startRedisServer(opts: RedisServerOptions): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(REDIS_INSTALL_HINT);
  let lastErr: unknown;
  for (let attempt = 0; attempt < (opts.port ? 1 : 3); attempt++) {
    const port = opts.port || (await freePort());
    const child = startChild(
      'redis-server',
      [
        ...(opts.password ? [passwordFile(opts.dir, opts.password)] : []),
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        opts.dir,
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
        '--save',
        '',
        '--appendonly',
        opts.persist ? 'yes' : 'no',
      ],
      { detached: opts.detached ?? false },
    );
    const url = `redis://${opts.password ? `:${encodeURIComponent(opts.password)}@` : ''}127.0.0.1:${port}`;
    const stop = async () => void (await child.stop('SIGTERM', 5_000));
    try {
      await waitForRedis(url, 5_000, () =>
        child.proc.exitCode !== null
          ? `redis-server exited (${child.proc.exitCode}): ${child.lines.slice(-5).join(' | ')}`
          : undefined,
      );
      return { url, port, child, stop };
    } catch (err) {
      lastErr = err;
      await stop();
    }
  }
  throw lastErr;
}

/** A redis.conf holding only the password, readable by its owner alone. */
function passwordFile(dir: string, password: string): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error('the Redis password must be printable ASCII without spaces');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'hera-auth.conf');
  writeFileSync(file, `requirepass ${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** A client for one connection attempt, to whatever REDIS_URL names: a server, a Sentinel group or a Cluster. */
function probeClient(url: string): Redis | Cluster {
  const once = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null };
  const target = parseRedisUrl(url);
  const auth = target.mode === 'server' ? {} : { username: target.username, password: target.password };
  const tls = target.mode !== 'server' && target.tls ? { tls: redisTlsOptions() } : {};
  switch (target.mode) {
    case 'server':
      return new Redis(url, {
        ...once,
        ...(url.toLowerCase().startsWith('rediss:') ? { tls: redisTlsOptions() } : {}),
      });
    case 'sentinel':
      return new Redis({
        ...once,
        ...auth,
        ...tls,
        sentinels: target.sentinels,
        name: target.name,
        sentinelPassword: target.sentinelPassword,
        sentinelRetryStrategy: () => null,
      });
    case 'cluster':
      return new Cluster(target.nodes, {
        lazyConnect: true,
        clusterRetryStrategy: () => null,
        redisOptions: { ...auth, ...tls, maxRetriesPerRequest: 0 },
      });
  }
}
