import { constants as h2, type ServerHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@hera/logger';
import { noteArrival } from './deadline';
import { boundedDetails } from './errors';
import { MAX_STATUS_DETAILS_CHARS, RESET_BUDGET } from './limits';

/**
 * What a request deserializer returns instead of throwing (see tolerantDecoding): grpc-js
 * answers a deserializer's exception with INTERNAL "Error deserializing request", which blames
 * the server for the caller's bytes; guardCalls answers this with INVALID_ARGUMENT instead.
 */
export class MalformedRequest {
  constructor(readonly details: string) {}
}

/**
 * The service definition with each method's request deserializer made total: bytes that are
 * not a valid message (truncated, garbage, wrong wire types) decode to a MalformedRequest.
 */
export function tolerantDecoding(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes) as unknown;
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          return new MalformedRequest(`request: not a valid protobuf message for ${method.path} (${why})`);
        }
      },
    };
  }
  return out;
}

/**
 * The server interceptor every server of ours runs (one, so a call is wrapped once): it notes
 * when the call arrived (noteArrival, for callArrival), a MalformedRequest ends the call with
 * INVALID_ARGUMENT (the handler never sees it; on a stream, the stream ends), and every status
 * message is bounded (boundedDetails), whoever wrote it.
 */
export const guardCalls: grpc.ServerInterceptor = (_method, call) => {
  let rejected = false;
  return new grpc.ServerInterceptingCall(call, {
    start: next =>
      next({
        onReceiveMetadata: (metadata, pass) => {
          noteArrival(metadata);
          pass(metadata);
        },
        onReceiveMessage: (message: unknown, pass) => {
          if (rejected) return;
          if (message instanceof MalformedRequest) {
            rejected = true;
            call.sendStatus({
              code: grpc.status.INVALID_ARGUMENT,
              details: boundedDetails(message.details),
              metadata: null,
            });
            return;
          }
          pass(message);
        },
        onReceiveHalfClose: pass => {
          if (!rejected) pass();
        },
      }),
    sendStatus: (status, pass) =>
      pass(
        status.details.length > MAX_STATUS_DETAILS_CHARS
          ? { ...status, details: boundedDetails(status.details) }
          : status,
      ),
  });
};

/** Longest wait for the client to acknowledge the first GOAWAY (a PING round trip) before the second. */
const GOAWAY_GRACE_MS = 1_000;

/**
 * Counts the stream resets one connection's client sends against RESET_BUDGET (a token bucket)
 * and, when it runs out, closes that connection gracefully, as RFC 9113 §6.8 describes: a
 * GOAWAY (NO_ERROR) that still admits every stream, then, once a PING round trip shows the
 * client has it, a second naming the last stream the server will serve. Calls already on the
 * connection are answered, and none the client started meanwhile is refused (with one GOAWAY
 * they were, and grpc-js clients without retries failed them UNAVAILABLE). See RESET_BUDGET.
 */
export function enforceResetBudget(
  session: ServerHttp2Session,
  log: Logger,
  budget: { burst: number; perSecond: number } = RESET_BUDGET,
): void {
  const bucket = new TokenBucket(budget.burst, budget.perSecond);
  let resets = 0;
  let closing = false;
  session.on('stream', stream => {
    stream.once('close', () => {
      // NO_ERROR: the call ended normally (nghttp2 resets with it when the reply ends before the request).
      if (stream.rstCode === h2.NGHTTP2_NO_ERROR || closing || session.closed || session.destroyed) return;
      resets++;
      if (bucket.take(performance.now())) return;
      closing = true;
      log.warn(
        { peer: `${session.socket?.remoteAddress}:${session.socket?.remotePort}`, resets, budget },
        'client reset too many streams on one connection: closing it gracefully (GOAWAY; calls in flight are answered)',
      );
      const close = () => {
        clearTimeout(timer);
        if (!session.closed && !session.destroyed) session.close();
      };
      const timer = setTimeout(close, GOAWAY_GRACE_MS);
      try {
        session.goaway(h2.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
        if (!session.ping(close)) close();
      } catch {
        close();
      }
    });
  });
}

/** `burst` tokens at first and at most, `perSecond` more each second; take() spends one. */
export class TokenBucket {
  #tokens: number;
  #at: number | undefined;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.#tokens = burst;
  }

  /** Spends a token at `nowMs` (a monotonic clock); false when there was none. */
  take(nowMs: number): boolean {
    if (this.#at !== undefined)
      this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#at) / 1000) * this.perSecond);
    this.#at = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
