export { childPids, freePort, waitFor, isAlive, startChild, waitForExit, hasRedisServer } from '@hera/procs';
export type { Child } from '@hera/procs';
export { redisPerFile, startRedis } from './redis';
export type { TestRedis } from './redis';
export { HERA_UP_FREE_PORTS, startService } from './services';
export type { ServiceEntry, TestService, ServiceName } from './services';
export { grpcCode, grpcOutcome } from './grpc-outcome';
export { decodeTraces, SPAN_KIND, SPAN_STATUS, startOtlpReceiver } from './otlp-receiver';
export type { AttributeValue, OtlpProtocol, OtlpReceiver, OtlpReceiverOptions, ReceivedSpan } from './otlp-receiver';
