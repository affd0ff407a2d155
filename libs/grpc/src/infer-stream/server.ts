import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@hera/logger';
import type { InferRequest__Output, InferResponse, InferStreamRequest__Output, InferStreamResponse } from '@hera/proto';
import { callDeadline } from '../deadline';
import { toStatus } from '../errors';
import { endServerTrace, startServerTrace, type ServerTrace } from './trace';

/**
 * Serves one request as the unary Infer would; `deadline` is absolute ms, Infinity for none.
 * `trace`: the record of the host's SERVER span for it, when the request is traced; what the
 * host records about the request (its attributes, its parts' spans) goes into it.
 */
export type Serve = (
  req: InferRequest__Output | null,
  deadline: number,
  cancelled: () => boolean,
  trace: ServerTrace | undefined,
) => Promise<InferResponse>;

type Call = grpc.ServerDuplexStream<InferStreamRequest__Output, InferStreamResponse>;

/**
 * The host's open InferStreams. Each request on a stream is served like a unary
 * Infer and answered, with its tag, when it finishes; a failure is that reply's
 * code and message, and the stream goes on. A stream ends (status OK) once the
 * caller has half-closed, or the host is stopping, and every request it carried
 * is answered; while stopping, new requests are answered UNAVAILABLE at once so
 * the caller tries another replica.
 *
 * Each request the caller traces is recorded as a SERVER span, a child of the context its
 * message carries (trace.ts), and handed to `spans` when answered; the stream is no span.
 * Without `spans` nothing is recorded.
 */
export class InferStreams {
  readonly #open = new Set<{ endWhenIdle(): void }>();
  #stopping = false;

  constructor(private readonly spans?: (t: ServerTrace) => void) {}

  open(call: Call, log: Logger, serve: Serve): void {
    const streamDeadline = callDeadline(call);
    let inFlight = 0;
    let ending = false;
    const state = {
      endWhenIdle: () => {
        ending = true;
        if (inFlight === 0 && this.#open.delete(state)) call.end();
      },
    };
    this.#open.add(state);
    const reply = (m: InferStreamResponse) => {
      if (!call.cancelled) call.write(m);
    };
    call.on('data', (m: InferStreamRequest__Output) => {
      if (this.#stopping) {
        reply({
          tag: m.tag,
          code: grpc.status.UNAVAILABLE,
          message: 'tenant host is stopping; another replica may serve this request',
        });
        return;
      }
      inFlight++;
      const deadline = Math.min(m.deadlineMs > 0 ? m.deadlineMs : Infinity, streamDeadline);
      const t = this.spans ? startServerTrace(m) : undefined;
      serve(m.request, deadline, () => call.cancelled, t)
        .then(
          response => {
            reply({ tag: m.tag, response, code: grpc.status.OK });
            if (t) this.spans!(endServerTrace(t, grpc.status.OK, ''));
          },
          err => {
            const s = toStatus(err, log, { method: 'InferStream' });
            const code = s.code ?? grpc.status.INTERNAL;
            reply({ tag: m.tag, code, message: s.details ?? '' });
            if (t) this.spans!(endServerTrace(t, code, s.details ?? ''));
          },
        )
        .finally(() => {
          inFlight--;
          if (ending) state.endWhenIdle();
        });
    });
    call.on('end', () => state.endWhenIdle());
    // A caller that cancels or drops the stream: its queued requests see call.cancelled
    // and are skipped; there is nobody left to answer.
    call.on('error', err => log.debug({ err }, 'InferStream ended by the caller'));
    call.on('cancelled', () => this.#open.delete(state));
  }

  /** Host stopping: streams end once their requests in flight are answered; new ones get UNAVAILABLE. */
  closeAll(): void {
    this.#stopping = true;
    for (const s of [...this.#open]) s.endWhenIdle();
  }
}
