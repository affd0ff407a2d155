import type { ServerTrace, ServerTraceWire } from '@hera/grpc';

/** How often recorded spans go to the agent, and how many at most wait. */
const FLUSH_MS = 250;
const FLUSH_AT = 256;
const MAX_PENDING = 4_096;

/**
 * The spans a tenant host records (as data: it runs no tracing SDK, see @hera/grpc
 * infer-stream/trace.ts), sent to its node agent in batches over the control socket, compact
 * (ServerTraceWire); the agent turns them into spans and exports them. Best effort, like any span export: with no agent connected, or more
 * than MAX_PENDING waiting, records are dropped and counted.
 */
export class SpanBatch {
  #pending: ServerTrace[] = [];
  #timer: NodeJS.Timeout | undefined;
  dropped = 0;

  constructor(private readonly send: (spans: ServerTraceWire[]) => boolean) {}

  add(s: ServerTrace): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.#pending.push(s);
    if (this.#pending.length >= FLUSH_AT) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const spans = this.#pending;
    this.#pending = [];
    if (!this.send(spans.map(t => t.toJSON()))) this.dropped += spans.length;
  }
}
