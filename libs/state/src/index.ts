export { Keyspace } from './keys';
export type { NodeRecord, ServiceRecord, ModelRecord } from './records';
export { ModelStore } from './models';
export { Heartbeat, listLive } from './heartbeat';
export type { HeartbeatOptions } from './heartbeat';
export { connectRedis } from './connect';
export type { ConnectOptions } from './connect';
