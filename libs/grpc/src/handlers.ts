import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '@hera/logger';
import { toStatus } from './errors';

/**
 * Adapts an async function to a grpc-js unary handler: the resolved value is the
 * reply, a rejection becomes a status through the one error table.
 */
export function unary<Req, Res>(
  log: Logger,
  method: string,
  fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let result: Promise<Res>;
    try {
      result = Promise.resolve(fn(call.request, call));
    } catch (err) {
      callback(toStatus(err, log, { method }));
      return;
    }
    result.then(
      res => callback(null, res),
      err => callback(toStatus(err, log, { method })),
    );
  };
}

/** Adapts an async function that writes to a server stream; errors end the stream with a status. */
export function serverStream<Req, Res>(
  log: Logger,
  method: string,
  fn: (req: Req, call: grpc.ServerWritableStream<Req, Res>) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return call => {
    fn(call.request, call).then(
      () => call.end(),
      // grpc-js sends a status for an 'error' event; destroy() sent none, and the caller waited
      // for its deadline (WatchJob of an unknown job did).
      err => call.emit('error', toStatus(err, log, { method })),
    );
  };
}
