import { scanKeys, type RedisClient } from './connect';
import type { Keyspace } from './keys';

/** One measured point of a profile (hera.profiler.v1.ProfilePoint, camelCase JSON). */
export interface ProfilePointRecord {
  workers: number;
  qps: number;
  p95Ms: number;
  subBatch: number;
  scalability: number;
  recheckP95Ms: number;
}

/** A measured profile as stored in Redis (hera.profiler.v1.Profile, camelCase JSON). */
export interface ProfileRecord {
  model: string;
  nodeClass: string;
  cores: number;
  points: ProfilePointRecord[];
  knee: number;
  qpsMax: number;
  kind: string;
  bestSubBatch: number;
  memoryPerHostBytes: number;
  memoryPerWorkerBytes: number;
  measuredAtMs: number;
  method: string;
  slaMs: number;
  /** `gateway` when the load went through the gateway; absent: straight to the tenant host. */
  via?: 'gateway';
  /** Bytes per query derived from the model's configuration (absent in records of older profilers). */
  bytesPerQuery?: number;
  bytesPerQueryDetail?: string;
  /**
   * The backend the measured tenant ran (its host's `TenantStatus.backend`): "onnxruntime" for
   * ONNX Runtime, else a TF.js backend ("wasm", "tensorflow", "cpu"). Absent in records of
   * profilers before ONNX Runtime was added: those measured TF.js, then the only engine
   * (`engineOfBackend` in @hera/model-schema reads absent as tfjs).
   */
  backend?: string;
}

/** One measured split of a pair (hera.profiler.v1.PairSplit). */
export interface PairSplitRecord {
  workersA: number;
  workersB: number;
  qpsA: number;
  qpsB: number;
  p95MsA: number;
  p95MsB: number;
  /** The common fraction of both solo rates both met (absent in records of older profilers). */
  fraction?: number;
}

/** A measured co-located pair: QPS_A(nA | B:nB) and QPS_B(nB | A:nA) per split. */
export interface PairProfileRecord {
  nodeClass: string;
  modelA: string;
  modelB: string;
  splits: PairSplitRecord[];
  measuredAtMs: number;
  method: string;
  /** `gateway` when the load went through the gateway; absent: straight to the tenant hosts. */
  via?: 'gateway';
  /** The SLAs the two were judged against (absent in records of older profilers). */
  slaMsA?: number;
  slaMsB?: number;
  /** The backend each tenant ran, as ProfileRecord.backend (absent in older records: TF.js). */
  backendA?: string;
  backendB?: string;
}

/** Profiles in Redis, written by the profiler and read by placement. */
export class ProfileStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async get(nodeClass: string, model: string): Promise<ProfileRecord | undefined> {
    const v = await this.redis.get(this.keys.profile(nodeClass, model));
    return v === null ? undefined : (JSON.parse(v) as ProfileRecord);
  }

  async put(p: ProfileRecord): Promise<void> {
    await this.redis.set(this.keys.profile(p.nodeClass, p.model), JSON.stringify(p));
  }

  async list(nodeClass?: string): Promise<ProfileRecord[]> {
    const out = await this.#scan<ProfileRecord>(this.keys.profilePattern(nodeClass || '*'));
    return out.sort((a, b) => `${a.nodeClass}/${a.model}`.localeCompare(`${b.nodeClass}/${b.model}`));
  }

  async getPair(nodeClass: string, a: string, b: string): Promise<PairProfileRecord | undefined> {
    const v = await this.redis.get(this.keys.pairProfile(nodeClass, a, b));
    return v === null ? undefined : (JSON.parse(v) as PairProfileRecord);
  }

  async putPair(p: PairProfileRecord): Promise<void> {
    await this.redis.set(this.keys.pairProfile(p.nodeClass, p.modelA, p.modelB), JSON.stringify(p));
  }

  /**
   * Stores the splits of a pair measured now beside those measured before (a split measured
   * again replaces its old figures). Splits measured against other SLAs, along another path
   * (`via`) or on other backends are dropped: one pair profile holds one pair of SLAs, one path
   * and one backend per tenant. Returns what was stored.
   */
  async mergePair(p: PairProfileRecord): Promise<PairProfileRecord> {
    const prior = await this.getPair(p.nodeClass, p.modelA, p.modelB); // one key for either order
    const b = (x: string | undefined) => x ?? '';
    const same =
      prior &&
      prior.slaMsA !== undefined &&
      prior.via === p.via &&
      (prior.modelA === p.modelA
        ? prior.slaMsA === p.slaMsA &&
          prior.slaMsB === p.slaMsB &&
          b(prior.backendA) === b(p.backendA) &&
          b(prior.backendB) === b(p.backendB)
        : prior.slaMsA === p.slaMsB &&
          prior.slaMsB === p.slaMsA &&
          b(prior.backendA) === b(p.backendB) &&
          b(prior.backendB) === b(p.backendA));
    const kept =
      !prior || !same
        ? []
        : prior.splits
            .map(s =>
              prior.modelA === p.modelA
                ? s
                : {
                    ...s,
                    workersA: s.workersB,
                    workersB: s.workersA,
                    qpsA: s.qpsB,
                    qpsB: s.qpsA,
                    p95MsA: s.p95MsB,
                    p95MsB: s.p95MsA,
                  },
            )
            .filter(s => !p.splits.some(n => n.workersA === s.workersA && n.workersB === s.workersB));
    const merged = {
      ...p,
      splits: [...kept, ...p.splits].sort((x, y) => x.workersA - y.workersA || x.workersB - y.workersB),
    };
    await this.putPair(merged);
    return merged;
  }

  async listPairs(nodeClass: string): Promise<PairProfileRecord[]> {
    return this.#scan<PairProfileRecord>(this.keys.pairPattern(nodeClass));
  }

  async #scan<T>(pattern: string): Promise<T[]> {
    const out: T[] = [];
    const keys = await scanKeys(this.redis, pattern);
    for (let i = 0; i < keys.length; i += 500) {
      for (const v of await this.redis.mget(keys.slice(i, i + 500))) if (v !== null) out.push(JSON.parse(v) as T);
    }
    return out;
  }
}
