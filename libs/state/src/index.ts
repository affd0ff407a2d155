export { Keyspace } from './keys';
export type { NodeRecord, ServiceRecord, ModelRecord } from './records';
export { ModelStore } from './models';
export { Heartbeat, listLive } from './heartbeat';
export type { HeartbeatOptions } from './heartbeat';
export { connectRedis, createSubscriber } from './connect';
export type { ConnectOptions } from './connect';
export { ProfileStore } from './profiles';
export type { ProfileRecord, ProfilePointRecord, PairProfileRecord, PairSplitRecord } from './profiles';
