/**
 * Domain error codes. Code below the service edge throws HeraError with one of
 * these; libs/grpc maps them to gRPC status codes in one table. Pure libraries
 * (engine, algorithms) depend on this package only, not on gRPC.
 */
export type HeraErrorCode =
  | 'INVALID_ARGUMENT' // the caller sent something malformed; the message names the field
  | 'NOT_FOUND' // unknown model, version, node, job or plan
  | 'ALREADY_EXISTS'
  | 'PRECONDITION' // valid request the current state cannot satisfy (no profile, no capacity)
  | 'CONFLICT' // lost an optimistic-concurrency race; retry after re-reading
  | 'OVERLOADED' // shed: would not finish in time, or a bounded queue is full
  | 'DEADLINE' // the deadline passed
  | 'UNAVAILABLE' // a dependency or replica is down; retrying elsewhere may work
  | 'CANCELLED'
  | 'INTERNAL'; // a bug: logged with details, reported generically

export class HeraError extends Error {
  constructor(
    readonly code: HeraErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HeraError';
  }
}

/** INVALID_ARGUMENT naming the field and the reason, in one consistent shape. */
export function invalidArgument(field: string, reason: string): HeraError {
  return new HeraError('INVALID_ARGUMENT', `${field}: ${reason}`);
}

export function isHeraError(err: unknown, code?: HeraErrorCode): err is HeraError {
  return err instanceof HeraError && (code === undefined || err.code === code);
}
