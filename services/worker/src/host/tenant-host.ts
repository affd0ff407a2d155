import type * as grpc from '@grpc/grpc-js';
import { closeServer, InferStreams } from '@hera/grpc';
import { Lifecycle } from '@hera/lifecycle';
import type { Logger } from '@hera/logger';
import type { MetricsJson } from '@hera/metrics';
import { AgentLink } from './agent-link';
import { SpanBatch } from './span-batch';
import type { AgentToHost, HostToAgent, ReadyMessage, StartMessage } from './protocol';
import type { WorkerPool } from './worker-pool';

/**
 * No overall budget of its own (the largest timer delay Node takes): the agent's drain grace
 * bounds the serving step, and an agent kills a host that overstays it.
 */
const UNBOUNDED_MS = 2 ** 31 - 1;

export interface TenantHostOptions {
  /** The control socket (HERA_HOST_SOCKET) and the files removed right before exit. */
  socketPath: string;
  files: readonly string[];
  /** How long the host serves with no agent before it drains and exits (HERA_HOST_ORPHAN_MS). */
  orphanMs: number;
  /** HERA_HOST_ID, told to every agent that connects. */
  id: string;
  log: Logger;
  /** Record the spans of traced requests and send them to the agent (SpanBatch), which exports them. */
  tracing: boolean;
  /** Loads the model and serves it (once, on the agent's `start`); sets pool and server. */
  start: (m: StartMessage) => Promise<void>;
  /** Defaults to process.exit. */
  exit?: (code: number) => void;
}

/**
 * A tenant host's process state: its control link to the agent, its worker pool, gRPC
 * server and open InferStreams, and its shutdown under a Lifecycle. Shutdown (a `drain`
 * from the agent, SIGTERM, or no agent for `orphanMs`) runs once, in this order: stop
 * listening for agents; stop taking calls while queued and running ones finish (up to
 * the grace) and open InferStreams end once what is in flight on them is answered;
 * send the last recorded spans; remove the socket and descriptor files; exit.
 */
export class TenantHost {
  pool: WorkerPool | undefined;
  /** Largest job an inference thread gets: bigger requests are split (bounds the threads' memory). */
  subBatch = 1;
  server: grpc.Server | undefined;
  /** Spans of traced requests, on their way to the agent; undefined when not tracing. */
  readonly spans: SpanBatch | undefined;
  readonly streams: InferStreams;
  /** What `hello` tells an agent that connects (one adopting us needs it). */
  started = false;
  workersWanted = 0;
  readyMessage: ReadyMessage | undefined;
  /** The host's metrics registry as JSON; set once `start` knows the model. */
  metrics: (() => Promise<MetricsJson>) | undefined;
  readonly #link: AgentLink;
  readonly #lifecycle: Lifecycle;
  #graceMs = 5_000;

  constructor(private readonly o: TenantHostOptions) {
    const spans = o.tracing ? new SpanBatch(s => this.#link.send({ type: 'spans', spans: s })) : undefined;
    this.spans = spans;
    this.streams = new InferStreams(spans ? s => spans.add(s) : undefined);
    this.#link = new AgentLink({
      socketPath: o.socketPath,
      files: o.files,
      orphanMs: o.orphanMs,
      log: o.log,
      hello: () => ({
        type: 'hello',
        pid: process.pid,
        id: o.id,
        started: this.started,
        draining: this.draining,
        ...(this.readyMessage ? { ready: this.readyMessage } : {}),
        workers: this.workersWanted,
        subBatchSize: this.subBatch,
      }),
      onMessage: m => this.#onAgentMessage(m),
      // Nobody supervises us any more (no restart, no limits changes): leave rather than run on unwatched.
      onOrphaned: () => void this.shutdown(0, `no agent for ${o.orphanMs} ms`),
    });
    this.#lifecycle = new Lifecycle({
      log: o.log,
      budgetMs: UNBOUNDED_MS,
      ...(o.exit ? { exit: o.exit } : {}),
    }).addSteps(
      ['control-socket', () => this.#link.stopListening()],
      [
        'serving',
        async () => {
          const closing = this.server ? closeServer(this.server, this.#graceMs) : Promise.resolve();
          this.streams.closeAll();
          await this.pool?.drain(this.#graceMs);
          await closing;
        },
      ],
      ['spans', () => this.spans?.flush()],
      ['files', () => this.#link.removeFiles()],
    );
  }

  /** From the first shutdown on. */
  get draining(): boolean {
    return this.#lifecycle.state !== 'starting' && this.#lifecycle.state !== 'serving';
  }

  /** Listens on the control socket; an agent that lost our control connection (or an operator) drains us with SIGTERM. */
  async listen(): Promise<void> {
    process.on('SIGTERM', () => void this.shutdown(0, 'SIGTERM'));
    await this.#link.listen();
  }

  send(m: HostToAgent): boolean {
    return this.#link.send(m);
  }

  /** Drains and exits with `code`; once (later calls do nothing). */
  async shutdown(code: number, reason: string, graceMs = 5_000): Promise<void> {
    if (this.draining) return;
    this.#graceMs = graceMs;
    this.o.log.info({ reason }, 'tenant host stopping');
    await this.#lifecycle.shutdown(reason, code);
  }

  #onAgentMessage(m: AgentToHost): void {
    switch (m.type) {
      case 'start':
        if (this.started) break; // once per host
        this.started = true;
        this.workersWanted = m.workers;
        this.o.start(m).catch(err => {
          this.send({ type: 'fatal', message: (err as Error).message });
          this.o.log.fatal({ err }, 'tenant host failed to start');
          setTimeout(() => (this.o.exit ?? process.exit)(1), 50);
        });
        break;
      case 'set-workers':
        this.workersWanted = m.workers;
        this.pool?.resize(m.workers);
        break;
      case 'set-sub-batch':
        this.subBatch = Math.max(1, m.subBatchSize);
        break;
      case 'drain':
        void this.shutdown(0, 'drain', m.graceMs);
        break;
      case 'metrics': {
        const id = m.id;
        (this.metrics?.() ?? Promise.resolve([])).then(
          metrics => this.send({ type: 'metrics', id, metrics }),
          err => {
            this.o.log.warn({ err }, 'cannot collect metrics');
            this.send({ type: 'metrics', id, metrics: [] });
          },
        );
        break;
      }
    }
  }
}
