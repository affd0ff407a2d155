import type { RedisClient } from './connect';
import type { Keyspace } from './keys';
import { malformedRecord, shown } from './malformed';

/** One model's target load. */
export interface Demand {
  model: string;
  qps: number;
}

/** Target QPS per model ({p}:demand hash: model name → QPS), set through placement's SetDemand. */
export class DemandStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  /** Every model's target, by name; a value that is not a QPS ≥ 0 fails, naming the key and model. */
  async get(): Promise<Demand[]> {
    const key = this.keys.demand();
    const all = await this.redis.hgetall(key);
    return Object.entries(all)
      .map(([model, v]) => {
        const qps = Number(v);
        if (v.trim() === '' || !Number.isFinite(qps) || qps < 0)
          throw malformedRecord(key, `${model} holds ${shown(v)}, not a QPS ≥ 0`);
        return { model, qps };
      })
      .sort((a, b) => a.model.localeCompare(b.model));
  }

  /**
   * Writes `demands` in one transaction, over the stored ones or (`replace`) instead of them;
   * a QPS of 0 removes the model. Callers validate demand against the cluster (placement's
   * Planner.validateDemands); this refuses only what the record cannot hold, writing nothing.
   * Returns the stored demand after the write.
   */
  async set(demands: readonly Demand[], replace: boolean): Promise<Demand[]> {
    const key = this.keys.demand();
    for (const d of demands) {
      if (!d.model || !Number.isFinite(d.qps) || d.qps < 0)
        throw malformedRecord(key, `refusing to store ${shown(d)}: needs a model and a QPS ≥ 0`);
    }
    const tx = this.redis.multi();
    if (replace) tx.del(key);
    const entries = demands.filter(d => d.qps > 0).flatMap(d => [d.model, String(d.qps)]);
    const zero = demands.filter(d => d.qps === 0).map(d => d.model);
    if (entries.length) tx.hset(key, ...entries);
    if (zero.length) tx.hdel(key, ...zero);
    await tx.exec();
    return this.get();
  }
}
