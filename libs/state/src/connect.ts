import { Redis } from 'ioredis';

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

/**
 * Opens an ioredis connection and waits until it is ready, so a service that
 * cannot reach Redis fails at start with a clear message, not on first use.
 */
export async function connectRedis(url: string, opts: ConnectOptions, timeoutMs = 5_000): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: opts.name,
    enableOfflineQueue: opts.offlineQueue ?? true,
    maxRetriesPerRequest: opts.maxRetriesPerRequest === undefined ? 3 : opts.maxRetriesPerRequest,
    lazyConnect: true,
    retryStrategy: times => Math.min(50 * 2 ** times, 2_000),
  });
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
    const where = url.replace(/\/\/[^@]*@/, '//***@');
    throw new Error(`cannot connect to Redis at ${where}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/**
 * A second connection for pub/sub (a subscribed connection can run nothing else).
 * It queues commands while connecting, and resubscribes after reconnects (ioredis
 * does that itself when autoResubscribe is on, the default).
 */
export function createSubscriber(redis: Redis, onError?: (err: Error) => void): Redis {
  // No ready check: its INFO would be refused once the connection is in subscriber mode.
  const sub = redis.duplicate({
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
  });
  sub.on('error', err => onError?.(err));
  return sub;
}
