import type { RedisClient } from './connect';
import type { Keyspace } from './keys';
import type { ModelRecord } from './records';

/** The cluster's model registry in Redis ({p}:models), written when models are registered. */
export class ModelStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async list(): Promise<ModelRecord[]> {
    const all = await this.redis.hgetall(this.keys.models());
    return Object.values(all)
      .map(v => JSON.parse(v) as ModelRecord)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<ModelRecord | undefined> {
    const v = await this.redis.hget(this.keys.models(), name);
    return v === null ? undefined : (JSON.parse(v) as ModelRecord);
  }

  /**
   * Adds a model unless one of its name is registered, and tells subscribers when it did:
   * a node agent registering what it serves must not overwrite the registry's record (its
   * version policy, served versions, unload, measured class).
   */
  async add(model: ModelRecord): Promise<boolean> {
    const added = await this.redis.hsetnx(this.keys.models(), model.name, JSON.stringify(model));
    if (added === 1) await this.redis.publish(this.keys.modelChannel(), model.name);
    return added === 1;
  }

  /** Adds or replaces models and tells subscribers (gateways) which changed. */
  async put(...models: ModelRecord[]): Promise<void> {
    if (models.length === 0) return;
    const m = this.redis.multi().hset(this.keys.models(), ...models.flatMap(r => [r.name, JSON.stringify(r)]));
    for (const r of models) m.publish(this.keys.modelChannel(), r.name);
    await m.exec();
  }
}
