import type { RedisClient } from './connect';

export interface HeartbeatOptions<T> {
  /** Key holding the record (with a TTL). */
  key: string;
  /** Set that indexes records of this kind, and this record's member in it. */
  indexKey: string;
  member: string;
  intervalMs: number;
  /**
   * Hash that also keeps the last record under `member`, without a TTL, so a process
   * that stopped beating (dead, or its event loop stuck) is still known and shown as
   * silent rather than vanishing. A clean `stop()` removes it.
   */
  lastSeenKey?: string;
  /** The record to write at each beat (read fresh each time). */
  value: () => T;
  onError?: (err: unknown) => void;
}

/**
 * Keeps a record alive in Redis: written at start and every interval with a TTL
 * of three intervals, so a process that dies (even by SIGKILL) disappears within
 * ~3 intervals; `stop()` deletes it at once. Errors (Redis down) are reported and
 * the next beat tries again.
 */
export class Heartbeat<T> {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly opts: HeartbeatOptions<T>,
  ) {}

  get ttlMs(): number {
    return this.opts.intervalMs * 3;
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => {
      this.beat().catch(err => this.opts.onError?.(err));
    }, this.opts.intervalMs);
    this.#timer.unref();
  }

  /** Writes the record now (also used to publish a change without waiting for the next beat). */
  async beat(): Promise<void> {
    if (this.#stopped) return;
    const value = JSON.stringify(this.opts.value());
    const m = this.redis.multi().set(this.opts.key, value, 'PX', this.ttlMs).sadd(this.opts.indexKey, this.opts.member);
    if (this.opts.lastSeenKey) m.hset(this.opts.lastSeenKey, this.opts.member, value);
    await m.exec();
  }

  /** Stops beating and removes the record. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    const m = this.redis.multi().del(this.opts.key).srem(this.opts.indexKey, this.opts.member);
    if (this.opts.lastSeenKey) m.hdel(this.opts.lastSeenKey, this.opts.member);
    await m.exec();
  }
}

/**
 * Reads every live record indexed by `indexKey`; members whose record expired are
 * returned as `expired` and removed from the index.
 */
export async function listLive<T>(
  redis: RedisClient,
  indexKey: string,
  keyOf: (member: string) => string,
): Promise<{ live: T[]; expired: string[] }> {
  const members = (await redis.smembers(indexKey)).sort();
  if (members.length === 0) return { live: [], expired: [] };
  const values = await redis.mget(members.map(keyOf));
  const live: T[] = [];
  const expired: string[] = [];
  values.forEach((v, i) => {
    if (v === null) expired.push(members[i]!);
    else live.push(JSON.parse(v) as T);
  });
  if (expired.length) await redis.srem(indexKey, ...expired);
  return { live, expired };
}
