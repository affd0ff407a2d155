import * as grpc from '@grpc/grpc-js';

/** A grpc-js-shaped error, so callers branch on `code` as for a unary call. */
export function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), {
    code,
    details,
    metadata: new grpc.Metadata(),
  });
}

/**
 * What the requests in flight on a stream fail with when it ends: the stream's
 * status, except that a cancelled stream or one that ended OK with work in flight
 * is UNAVAILABLE — the host went away, and another replica may serve the request.
 */
export function streamEndedError(err?: grpc.ServiceError): grpc.ServiceError {
  if (!err || err.code === grpc.status.OK)
    return serviceError(grpc.status.UNAVAILABLE, 'the host ended the stream with the request in flight');
  return serviceError(
    err.code === grpc.status.CANCELLED ? grpc.status.UNAVAILABLE : err.code,
    err.details || err.message,
  );
}

/** A reply's failure as the unary Infer would have given it. */
export function replyError(code: number, message: string): grpc.ServiceError {
  return serviceError(code || grpc.status.INTERNAL, message || 'reply without a response');
}
