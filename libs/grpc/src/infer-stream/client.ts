import * as grpc from '@grpc/grpc-js';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  fastClients,
  type InferRequest,
  type InferResponse__Output,
  type InferStreamRequest,
  type InferStreamResponse__Output,
  type WorkerServiceClient,
} from '@hera/proto';
import { createClient } from '../client';
import { callBy } from '../deadline';
import { replyError, serviceError, streamEndedError } from './errors';
import { endClientTrace, requestContext, startClientTrace, type RequestTrace } from './trace';

interface Pending {
  request: InferRequest;
  deadline: number;
  resolve(res: InferResponse__Output): void;
  reject(err: grpc.ServiceError): void;
  timer: NodeJS.Timeout | undefined;
  /** Its CLIENT span and trace context; undefined when not traced. */
  trace: RequestTrace | undefined;
}

/**
 * Sub-batches to one tenant host over one long-lived WorkerService/InferStream:
 * the query-path alternative to a unary Infer per sub-batch, whose per-call
 * HTTP/2 and grpc-js work lands on the core the host shares with its inference
 * threads (see the proto). `infer` has the unary call's contract: it resolves
 * with the response or rejects with a ServiceError carrying the status Infer
 * would have given.
 *
 * The stream opens on first use and again after it ends. When it ends with
 * requests in flight (the host died, stopped or the connection broke), they fail
 * with the stream's status, UNAVAILABLE when it had none, so the caller retries
 * them on another replica. A request whose deadline passes fails at once with
 * DEADLINE_EXCEEDED; the host skips it if still queued, and a late reply is
 * dropped. Nothing is cancelled on the wire (no stream resets).
 *
 * A host that does not serve InferStream (an older version, during a rolling
 * upgrade) answers UNIMPLEMENTED: from then on this client sends unary Infer
 * calls, the requests that were waiting on the stream included.
 *
 * Tracing: each request called inside a span gets a CLIENT span of its own, whose
 * W3C context the message carries to the host (trace.ts); the stream is no span.
 */
export class InferStreamClient {
  #stream: grpc.ClientDuplexStream<InferStreamRequest, InferStreamResponse__Output> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextTag = 0;
  #closed = false;
  #unaryOnly = false;

  /** Over `client`'s channel, which stays the caller's to close. */
  constructor(
    private readonly client: WorkerServiceClient,
    private readonly ownsClient = false,
    /** The host's address, for spans (server.address). */
    private readonly peer?: string,
  ) {}

  /**
   * A client with a channel of its own to `endpoint`, closed with it. The channel
   * does not retry: a caller retries elsewhere (another replica).
   */
  static connect(endpoint: string): InferStreamClient {
    return new InferStreamClient(
      createClient(fastClients().WorkerService, endpoint, { maxAttempts: 1 }),
      true,
      endpoint,
    );
  }

  /** Requests sent and not yet answered (or given up on). */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** `deadline`: absolute ms since the epoch, Infinity for none. */
  infer(request: InferRequest, deadline: number): Promise<InferResponse__Output> {
    if (this.#closed) return Promise.reject(serviceError(grpc.status.UNAVAILABLE, 'client closed'));
    if (this.#unaryOnly) return this.#unary(request, deadline);
    return new Promise((resolve, reject) => {
      const tag = this.#tag();
      const trace = startClientTrace(request, this.peer);
      const p: Pending = { request, deadline, resolve, reject, timer: undefined, trace };
      if (Number.isFinite(deadline)) {
        const t0 = Date.now();
        p.timer = setTimeout(
          () => {
            if (this.#pending.delete(tag)) {
              this.#settle(
                p,
                serviceError(
                  grpc.status.DEADLINE_EXCEEDED,
                  `Deadline exceeded after ${((Date.now() - t0) / 1000).toFixed(3)}s (reported by the caller)`,
                ),
              );
            }
          },
          Math.max(0, deadline - t0),
        );
      }
      this.#pending.set(tag, p);
      const deadlineMs = Number.isFinite(deadline) ? Math.round(deadline) : 0;
      // Untraced, the message is what it always was: no trace fields to encode.
      this.#open().write(
        trace
          ? { tag, request, deadlineMs, traceparent: trace.traceparent, tracestate: trace.tracestate }
          : { tag, request, deadlineMs },
      );
    });
  }

  /** Ends the stream (and an owned channel); requests in flight fail with UNAVAILABLE. Idempotent. */
  close(): void {
    this.#closed = true;
    const s = this.#stream;
    this.#stream = undefined;
    s?.cancel();
    this.#failAll(serviceError(grpc.status.UNAVAILABLE, 'client closed with the request in flight'));
    if (this.ownsClient) this.client.close();
  }

  #tag(): number {
    do this.#nextTag = (this.#nextTag + 1) >>> 0;
    while (this.#pending.has(this.#nextTag));
    return this.#nextTag;
  }

  #open(): grpc.ClientDuplexStream<InferStreamRequest, InferStreamResponse__Output> {
    if (this.#stream) return this.#stream;
    // No deadline for the stream itself (each request carries its own): a client's
    // default deadline would otherwise end it, and bound every request on it.
    // Opened outside any query's context: the stream outlives the query that happened to open
    // it, and its events belong to no trace.
    const s = context.with(ROOT_CONTEXT, () => this.client.inferStream({ deadline: Infinity }));
    this.#stream = s;
    s.on('data', (m: InferStreamResponse__Output) => {
      const p = this.#pending.get(m.tag);
      if (!p) return; // given up on (deadline) before the reply came
      this.#pending.delete(m.tag);
      clearTimeout(p.timer);
      if (m.code === grpc.status.OK && m.response) {
        endClientTrace(p.trace, grpc.status.OK, '', m.response);
        p.resolve(m.response);
      } else this.#settle(p, replyError(m.code, m.message));
    });
    const ended = (err?: grpc.ServiceError) => {
      if (this.#stream !== s) return;
      this.#stream = undefined;
      if (err?.code === grpc.status.UNIMPLEMENTED) {
        this.#unaryOnly = true;
        this.#resendUnary();
        return;
      }
      this.#failAll(streamEndedError(err));
    };
    s.on('error', (err: grpc.ServiceError) => ended(err));
    s.on('end', () => ended());
    return s;
  }

  #unary(request: InferRequest, deadline: number): Promise<InferResponse__Output> {
    return callBy<InferResponse__Output>(deadline, (md, options, cb) => this.client.infer(request, md, options, cb));
  }

  /**
   * The host never took these (it has no InferStream): send each as a unary Infer, under
   * its request's span (the gRPC instrumentation traces the unary call itself).
   */
  #resendUnary(): void {
    for (const p of this.#takeAll()) {
      context
        .with(requestContext(p.trace), () => this.#unary(p.request, p.deadline))
        .then(
          res => {
            endClientTrace(p.trace, grpc.status.OK, '', res);
            p.resolve(res);
          },
          (err: grpc.ServiceError) => this.#settle(p, err),
        );
    }
  }

  #failAll(err: grpc.ServiceError): void {
    for (const p of this.#takeAll()) this.#settle(p, err);
  }

  /** Fails one request (no longer pending) and ends its span. */
  #settle(p: Pending, err: grpc.ServiceError): void {
    endClientTrace(p.trace, err.code, err.details);
    p.reject(err);
  }

  /** Every pending request, no longer pending, its timer stopped. */
  #takeAll(): Pending[] {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) clearTimeout(p.timer);
    return all;
  }
}
