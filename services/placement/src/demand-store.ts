import type { Redis } from 'ioredis';
import { invalidArgument, HeraError } from '@hera/errors';
import type { Keyspace, ModelStore } from '@hera/state';

export interface Demand {
  model: string;
  qps: number;
}

/** Target QPS per model ({p}:demand hash). */
export class DemandStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly models: ModelStore,
  ) {}

  async get(): Promise<Demand[]> {
    const all = await this.redis.hgetall(this.keys.demand());
    return Object.entries(all)
      .map(([model, qps]) => ({ model, qps: Number(qps) }))
      .sort((a, b) => a.model.localeCompare(b.model));
  }

  /** Validates every entry first, then writes all of them in one transaction. */
  async set(demands: readonly Demand[], replace: boolean): Promise<Demand[]> {
    const seen = new Set<string>();
    for (const [i, d] of demands.entries()) {
      if (!d.model) throw invalidArgument(`demands[${i}].model`, 'must not be empty');
      if (seen.has(d.model)) throw invalidArgument(`demands[${i}].model`, `${d.model} is listed twice`);
      seen.add(d.model);
      if (!Number.isFinite(d.qps) || d.qps < 0) {
        throw invalidArgument(`demands[${i}].qps`, `must be a finite number ≥ 0 for ${d.model}, got ${d.qps}`);
      }
    }
    const known = new Set((await this.models.list()).map(m => m.name));
    const unknown = demands.filter(d => !known.has(d.model)).map(d => d.model);
    if (unknown.length) {
      throw new HeraError('NOT_FOUND', `models not registered: ${unknown.join(', ')}`);
    }
    const tx = this.redis.multi();
    if (replace) tx.del(this.keys.demand());
    const entries = demands.filter(d => d.qps > 0).flatMap(d => [d.model, String(d.qps)]);
    const zero = demands.filter(d => d.qps === 0).map(d => d.model);
    if (entries.length) tx.hset(this.keys.demand(), ...entries);
    if (zero.length) tx.hdel(this.keys.demand(), ...zero);
    await tx.exec();
    return this.get();
  }
}
