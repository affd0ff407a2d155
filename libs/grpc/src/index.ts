export { STATUS_OF, toStatus, fromServiceError, isServiceError, statusName, boundedDetails } from './errors';
export { unary, serverStream, tracedUnary } from './handlers';
export { startServer, closeServer, CONNECTION_WINDOW_BYTES } from './server';
export { MAX_MESSAGE_BYTES, MAX_STATUS_DETAILS_CHARS, RESET_BUDGET } from './limits';
export type { ServiceBinding, StartServerOptions, RunningServer } from './server';
export { createClient, unaryCall, waitForReady } from './client';
export { untracedMetadata } from './untraced';
export type { ClientOptions, CallOptions, UnaryMethod } from './client';
export { checkHealth, probeHealth } from './health';
export { callArrival, callBy, callDeadline, DEADLINE_METADATA_KEY } from './deadline';
export { InferStreamClient } from './infer-stream/client';
export { InferStreams } from './infer-stream/server';
export type { Serve as InferStreamServe } from './infer-stream/server';
export {
  endServerTrace,
  INFER_SPAN,
  INFER_STREAM_SPAN,
  INFERENCE_SPAN,
  PART_FIELDS,
  QUEUE_SPAN,
  ServerTrace,
  serverSpan,
  startServerTrace,
  wallNow,
} from './infer-stream/trace';
export type { ServerTraceWire } from './infer-stream/trace';
export {
  AUTHORIZATION,
  channelCredentials,
  channelSecurityOptions,
  configureSecurity,
  currentSecurity,
  serverCredentials,
  tokenInterceptor,
} from './security';
export type { Security, TlsSettings } from './security';
export { authorize, decide, loadAuthPolicy, parseIdentities, parseTokens, ROLES, RPC_ACCESS } from './auth';
export type { Access, AuthPolicy, AuthSettings, Decision, Role } from './auth';
