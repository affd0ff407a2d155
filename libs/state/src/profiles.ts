import type { Redis } from 'ioredis';
import type { Profile } from '@hera/proto';
import type { Keyspace } from '@hera/state';

/** Profiles in Redis ({p}:profile:{class}:{model}), stored as the proto's JSON shape. */
export class ProfileStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {}

  async get(nodeClass: string, model: string): Promise<Profile | undefined> {
    const v = await this.redis.get(this.keys.profile(nodeClass, model));
    return v === null ? undefined : (JSON.parse(v) as Profile);
  }

  async list(nodeClass?: string): Promise<Profile[]> {
    const out: Profile[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', this.keys.profilePattern(nodeClass || '*'), 'COUNT', 500);
      cursor = next;
      if (batch.length) {
        for (const v of await this.redis.mget(batch)) if (v !== null) out.push(JSON.parse(v) as Profile);
      }
    } while (cursor !== '0');
    return out.sort((a, b) => `${a.nodeClass}/${a.model}`.localeCompare(`${b.nodeClass}/${b.model}`));
  }
}
