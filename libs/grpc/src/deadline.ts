import * as grpc from '@grpc/grpc-js';

/**
 * Deadlines on our own query hops (load generator → gateway → tenant host) that
 * never make the caller reset the HTTP/2 stream.
 *
 * Why: a grpc-js client whose deadline passes cancels the call with RST_STREAM, and
 * Node's HTTP/2 server (nghttp2) treats more than 1,000 incoming resets, then more
 * than 33 a second, as the "rapid reset" attack and closes the whole connection with
 * GOAWAY(INTERNAL_ERROR): every call on it fails INTERNAL. Node 20 cannot raise that
 * limit. Under overload, timeouts and cancelled sibling sub-batches easily pass
 * 33 a second, so one overloaded tenant took down every request in flight to it.
 *
 * So the caller sends its deadline as an absolute time in metadata, gives the
 * transport a deadline `DEADLINE_GRACE_MS` later, and reports DEADLINE_EXCEEDED
 * itself when the real deadline passes, leaving the call to end by itself: the
 * server knows the deadline and answers quickly (it skips expired work). The
 * transport deadline only fires when the server is gone.
 */
export const DEADLINE_METADATA_KEY = 'hera-deadline-ms';
export const DEADLINE_GRACE_MS = 2_000;

/**
 * A server call's deadline (ms since the epoch, Infinity for none): the earlier of
 * the transport's and the one our clients send in metadata.
 */
export function callDeadline(call: { getDeadline(): grpc.Deadline; metadata: grpc.Metadata }): number {
  const d = call.getDeadline();
  const transport = d instanceof Date ? d.getTime() : Number.isFinite(d) ? Number(d) : Infinity;
  const sent = Number(call.metadata.get(DEADLINE_METADATA_KEY)[0]);
  return Number.isFinite(sent) && sent > 0 ? Math.min(transport, sent) : transport;
}

/** When each call's headers arrived, by its metadata (see noteArrival). */
const arrivals = new WeakMap<grpc.Metadata, number>();

/**
 * Notes that a call's headers arrived now (guardCalls, the interceptor every server of ours
 * runs, calls it): for a large request among many on one connection that can be seconds before
 * its last byte and its handler. Kept beside the call's metadata object, not in it, so a client
 * cannot set it.
 */
export function noteArrival(metadata: grpc.Metadata): void {
  arrivals.set(metadata, Date.now());
}

/** When the call reached the server (Date.now clock; see noteArrival); undefined when not noted. */
export function callArrival(call: { metadata: grpc.Metadata }): number | undefined {
  return arrivals.get(call.metadata);
}

/** The error a call gets when its deadline passes: what grpc-js would have given. */
function deadlineExceeded(waitedMs: number): grpc.ServiceError {
  const details = `Deadline exceeded after ${(waitedMs / 1000).toFixed(3)}s (reported by the caller; the call was left to finish)`;
  return Object.assign(new Error(`${grpc.status.DEADLINE_EXCEEDED} DEADLINE_EXCEEDED: ${details}`), {
    code: grpc.status.DEADLINE_EXCEEDED,
    details,
    metadata: new grpc.Metadata(),
  });
}

/**
 * Starts a unary call with `deadline` as above and settles when it answers or the
 * deadline passes, whichever is first. `start` receives the metadata and call
 * options to use. A call without a deadline is started as it is.
 */
export function callBy<Res>(
  deadline: number,
  start: (
    md: grpc.Metadata,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Res) => void,
  ) => grpc.ClientUnaryCall,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    if (!Number.isFinite(deadline)) {
      start(new grpc.Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res!)));
      return;
    }
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined = setTimeout(
      () => {
        timer = undefined;
        reject(deadlineExceeded(Date.now() - t0));
      },
      Math.max(0, deadline - t0),
    );
    const md = new grpc.Metadata();
    md.set(DEADLINE_METADATA_KEY, String(Math.round(deadline)));
    start(md, { deadline: deadline + DEADLINE_GRACE_MS }, (err, res) => {
      if (timer === undefined) return; // already reported
      clearTimeout(timer);
      timer = undefined;
      if (err) reject(err);
      else resolve(res!);
    });
  });
}
