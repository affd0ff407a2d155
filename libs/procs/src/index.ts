export { freePort, portIsFree, waitFor, isAlive } from './ports';
export { childPids, startChild, waitForExit } from './processes';
export type { Child } from './processes';
export { startRedisServer, hasRedisServer, waitForRedis, REDIS_INSTALL_HINT } from './redis-server';
export type { RedisServer, RedisServerOptions } from './redis-server';
export {
  INITIAL_OLD_SPACE_MIB,
  MALLOC_TUNING,
  withMallocTuning,
  PAYLOAD_NODE_FLAGS,
  GATEWAY_INITIAL_OLD_SPACE_MIB,
  payloadNodeFlags,
  TENANT_QUEUE_BYTES,
} from './payload-tuning';
export { DEFAULT_RESTART_POLICY, RestartPolicy } from './restart-policy';
export type { RestartDecision, RestartPolicyOptions } from './restart-policy';
export { createLocalPki, hasOpenssl, OPENSSL_HINT } from './local-pki';
export type { LocalPki, PkiFiles } from './local-pki';
