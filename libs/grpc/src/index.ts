export { STATUS_OF, toStatus, fromServiceError, isServiceError, statusName } from './errors';
export { unary, serverStream } from './handlers';
export { startServer, closeServer, MAX_MESSAGE_BYTES } from './server';
export type { ServiceBinding, StartServerOptions, RunningServer } from './server';
export { createClient, unaryCall, waitForReady } from './client';
export type { ClientOptions, CallOptions, UnaryMethod } from './client';
export { checkHealth } from './health';
export { callBy, callDeadline, deadlineMetadata, deadlineExceeded, DEADLINE_METADATA_KEY, DEADLINE_GRACE_MS } from './deadline';
