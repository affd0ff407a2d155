export { STATUS_OF, toStatus, fromServiceError, isServiceError, statusName } from './errors';
export { unary, serverStream } from './handlers';
export { startServer, closeServer } from './server';
export { MAX_MESSAGE_BYTES } from './limits';
export type { ServiceBinding, StartServerOptions, RunningServer } from './server';
export { createClient, unaryCall, waitForReady } from './client';
export type { ClientOptions, CallOptions, UnaryMethod } from './client';
export { checkHealth } from './health';
export { callBy, callDeadline, DEADLINE_METADATA_KEY } from './deadline';
