import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, redactRedisUrl, redisTlsOptions } from '@hera/config';

/**
 * A connection to Hera's Redis: one server or a Sentinel group's master (a Redis), or a
 * Redis Cluster. Both take the same commands; on a Cluster the keys of one command,
 * transaction or script must share a slot, which the hash tag in HERA_REDIS_PREFIX
 * guarantees for every key Hera and BullMQ use (see Keyspace).
 */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** Connection name shown by CLIENT LIST, e.g. "gateway". */
  name: string;
  /**
   * Fail commands at once while disconnected instead of queueing them (producers
   * and request paths); BullMQ workers need queueing and pass true.
   */
  offlineQueue?: boolean;
  /** BullMQ workers require null (block forever); others fail a command after 3 retries. */
  maxRetriesPerRequest?: number | null;
  onError?: (err: Error) => void;
}

const retryStrategy = (times: number) => Math.min(50 * 2 ** times, 2_000);

/**
 * Opens a connection to the Redis REDIS_URL names (a server, a Sentinel group or a
 * Cluster: parseRedisUrl in @hera/config) and waits until it is ready, so a service
 * that cannot reach Redis fails at start with a clear message, not on first use.
 */
export async function connectRedis(url: string, opts: ConnectOptions, timeoutMs = 5_000): Promise<RedisClient> {
  const redis = createRedis(url, opts);
  redis.on('error', err => opts.onError?.(err));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at ${redactRedisUrl(url)}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/** The (not yet connected) client for REDIS_URL. */
function createRedis(url: string, opts: ConnectOptions): RedisClient {
  const common: RedisOptions = {
    connectionName: opts.name,
    enableOfflineQueue: opts.offlineQueue ?? true,
    maxRetriesPerRequest: opts.maxRetriesPerRequest === undefined ? 3 : opts.maxRetriesPerRequest,
    lazyConnect: true,
  };
  const target = parseRedisUrl(url);
  switch (target.mode) {
    case 'server':
      // rediss://: ioredis turns TLS on from the URL; the CA and client certificate are ours.
      return new Redis(url, {
        ...common,
        retryStrategy,
        ...(url.toLowerCase().startsWith('rediss:') ? { tls: redisTlsOptions() } : {}),
      });
    case 'sentinel':
      return new Redis({
        ...common,
        retryStrategy,
        sentinels: target.sentinels,
        name: target.name,
        db: target.db,
        ...(target.username ? { username: target.username } : {}),
        ...(target.password ? { password: target.password } : {}),
        ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
        ...(target.tls ? { tls: redisTlsOptions() } : {}),
        sentinelRetryStrategy: retryStrategy,
      });
    case 'cluster':
      return new Cluster(target.nodes, {
        lazyConnect: true,
        enableOfflineQueue: common.enableOfflineQueue,
        clusterRetryStrategy: retryStrategy,
        // Reads go to masters: Hera reads what it just wrote (plan, then its version).
        scaleReads: 'master',
        redisOptions: {
          connectionName: opts.name,
          maxRetriesPerRequest: common.maxRetriesPerRequest,
          ...(target.username ? { username: target.username } : {}),
          ...(target.password ? { password: target.password } : {}),
          ...(target.tls ? { tls: redisTlsOptions() } : {}),
        },
      });
  }
}

/**
 * A second connection for pub/sub (a subscribed connection can run nothing else).
 * It queues commands while connecting, and resubscribes after reconnects (ioredis
 * does that itself when autoResubscribe is on, the default; on a Cluster it
 * subscribes through one node, which hears every node's messages).
 */
export function createSubscriber(redis: RedisClient, onError?: (err: Error) => void): RedisClient {
  // No ready check: its INFO would be refused once the connection is in subscriber mode.
  const sub =
    redis instanceof Cluster
      ? redis.duplicate(undefined, {
          lazyConnect: false,
          enableOfflineQueue: true,
          enableReadyCheck: false,
          redisOptions: { ...redis.options.redisOptions, maxRetriesPerRequest: null },
        })
      : redis.duplicate({
          lazyConnect: false,
          enableOfflineQueue: true,
          maxRetriesPerRequest: null,
          enableReadyCheck: false,
        });
  sub.on('error', err => onError?.(err));
  return sub;
}

/**
 * Every key matching `pattern`: SCAN over the server, or over each master of a Cluster
 * (a Cluster client sends SCAN to one node, which knows only its own keys).
 */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const out = new Set<string>();
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const k of batch) out.add(k);
    } while (cursor !== '0');
  }
  return [...out];
}
