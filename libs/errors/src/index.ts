/**
 * Domain error codes. Code below the service edge throws HeraError with one of
 * these; libs/grpc maps them to gRPC status codes in one table. Pure libraries
 * (engine, algorithms) depend on this package only, not on gRPC.
 */
/** Every domain code, so tables keyed by them (libs/grpc's STATUS_OF) can be checked whole. */
export const HERA_ERROR_CODES = [
  'INVALID_ARGUMENT', // the caller sent something malformed; the message names the field
  'NOT_FOUND', // unknown model, version, node, job or plan
  'ALREADY_EXISTS',
  'PRECONDITION', // valid request the current state cannot satisfy (no profile, no capacity)
  'CONFLICT', // lost an optimistic-concurrency race; retry after re-reading
  'OVERLOADED', // shed: would not finish in time, or a bounded queue is full
  'DEADLINE', // the deadline passed
  'UNAVAILABLE', // a dependency or replica is down; retrying elsewhere may work
  'CANCELLED',
  'INTERNAL', // a bug: logged with details, reported generically
] as const;

export type HeraErrorCode = (typeof HERA_ERROR_CODES)[number];

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

/**
 * Longest client-supplied string (model name, input name, datatype, …) an error message
 * repeats. Statuses travel in an HTTP/2 trailer: an echoed 80 KB model name made the trailer
 * larger than clients accept (64 KiB), and every call on that connection hung until its deadline.
 */
export const MAX_ECHOED_CHARS = 64;

/**
 * A client-supplied string for an error message: JSON-quoted and, when longer than
 * MAX_ECHOED_CHARS, cut with an ellipsis and its length given: `"aaaa…" (80000 chars)`.
 * Use it wherever a message repeats what the caller sent.
 */
export function quoted(s: string, max = MAX_ECHOED_CHARS): string {
  if (s.length <= max) return JSON.stringify(s);
  let cut = s.slice(0, max);
  // Do not leave half of a surrogate pair at the cut.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${JSON.stringify(`${cut}…`)} (${s.length} chars)`;
}

export function isHeraError(err: unknown, code?: HeraErrorCode): err is HeraError {
  return err instanceof HeraError && (code === undefined || err.code === code);
}
