export { freePort, waitFor, isAlive, startChild, waitForExit, hasRedisServer } from '@hera/procs';
export type { Child } from '@hera/procs';
export { startRedis } from './redis';
export type { TestRedis } from './redis';
export { startService, serviceMain } from './services';
export type { TestService, ServiceName } from './services';
export { grpcCode, grpcOutcome } from './grpc-outcome';
