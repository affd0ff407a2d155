import * as grpc from '@grpc/grpc-js';
import { HeraError, type HeraErrorCode } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { MAX_STATUS_DETAILS_CHARS } from './limits';

/** The one table from domain error codes to gRPC status codes. */
export const STATUS_OF: Readonly<Record<HeraErrorCode, grpc.status>> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  PRECONDITION: grpc.status.FAILED_PRECONDITION,
  CONFLICT: grpc.status.ABORTED,
  OVERLOADED: grpc.status.RESOURCE_EXHAUSTED,
  DEADLINE: grpc.status.DEADLINE_EXCEEDED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  CANCELLED: grpc.status.CANCELLED,
  INTERNAL: grpc.status.INTERNAL,
};

const CODE_OF = new Map<grpc.status, HeraErrorCode>(Object.entries(STATUS_OF).map(([k, v]) => [v, k as HeraErrorCode]));

/** True for an error that carries a gRPC status (from a client call or toStatus). */
export function isServiceError(err: unknown): err is grpc.ServiceError {
  return (
    typeof err === 'object' && err !== null && typeof (err as grpc.ServiceError).code === 'number' && 'details' in err
  );
}

/**
 * Converts anything thrown by a handler into a gRPC status. HeraErrors keep
 * their message; a status error from a downstream call passes through; anything
 * else is a bug: logged in full, reported as INTERNAL without internals.
 */
export function toStatus(err: unknown, log: Logger, context?: Record<string, unknown>): Partial<grpc.StatusObject> {
  if (err instanceof HeraError) {
    if (err.code === 'INTERNAL') log.error({ err, ...context }, 'internal error');
    return { code: STATUS_OF[err.code], details: boundedDetails(err.message) };
  }
  if (isServiceError(err)) return { code: err.code, details: boundedDetails(err.details) };
  log.error({ err, ...context }, 'unhandled error in handler');
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

/**
 * A status message cut to MAX_STATUS_DETAILS_CHARS (with an ellipsis and its full length), so
 * that no message, whatever it repeats, makes a trailer the client refuses.
 */
export function boundedDetails(details: string): string {
  if (details.length <= MAX_STATUS_DETAILS_CHARS) return details;
  const note = `… (cut from ${details.length} chars)`;
  return details.slice(0, MAX_STATUS_DETAILS_CHARS - note.length).replace(/[\uD800-\uDBFF]$/, '') + note;
}

/** A HeraError for a failed client call, so callers branch on one code type. */
export function fromServiceError(err: grpc.ServiceError): HeraError {
  return new HeraError(CODE_OF.get(err.code) ?? 'INTERNAL', err.details || err.message, { cause: err });
}

/**
 * The gRPC status name, e.g. "RESOURCE_EXHAUSTED", for logs and per-status counters; the
 * names come from grpc-js's own enum, so no copy of them is kept here or elsewhere.
 */
export function statusName(code: grpc.status): string {
  return grpc.status[code] ?? `STATUS_${code}`;
}
