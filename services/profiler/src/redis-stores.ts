import type { RedisClient } from '@hera/state';
import { listLive, ModelStore, NodeStore, ProfileStore, type Keyspace, type ServiceRecord } from '@hera/state';
import type { RunnerStores } from './profile-job';

/** The ProfileRunner's stores on Redis: the typed stores of @hera/state, and the cancel flags CancelProfile sets. */
export function redisRunnerStores(redis: RedisClient, keys: Keyspace): RunnerStores {
  return {
    nodes: new NodeStore(redis, keys),
    services: { live: async () => (await listLive<ServiceRecord>(redis, keys.services(), m => keys.service(m))).live },
    models: new ModelStore(redis, keys),
    profiles: new ProfileStore(redis, keys),
    cancels: { cancelled: async jobId => (await redis.exists(keys.profileCancel(jobId))) > 0 },
  };
}
