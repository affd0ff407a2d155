import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@hera/logger';
import { readMessages, writeMessage } from './control-socket';
import type { AgentToHost, HelloMessage, HostToAgent } from './protocol';

export interface AgentLinkOptions {
  /** The host's control socket (HERA_HOST_SOCKET). */
  socketPath: string;
  /** Removed right before the host exits: its socket and its descriptor. */
  files: readonly string[];
  /** How long the host serves with no agent connected before it drains and exits. */
  orphanMs: number;
  log: Logger;
  /** The `hello` sent to each agent that connects. */
  hello: () => HelloMessage;
  onMessage: (m: AgentToHost) => void;
  /** No agent for `orphanMs`. */
  onOrphaned: () => void;
}

/**
 * The host's end of the control socket. The host listens and the agent connects,
 * so the host does not depend on the agent's process: when the agent dies (its
 * connection closes) the host keeps serving queries — the agent is not on the query
 * path — and waits for a restarted agent to connect and adopt it. Nobody should run
 * unsupervised for long, so with no agent for `orphanMs` it leaves. One agent at a
 * time: a second connection gets `busy`.
 */
export class AgentLink {
  #server: Server | undefined;
  #agent: Socket | undefined;
  #orphanTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly o: AgentLinkOptions) {}

  get connected(): boolean {
    return this.#agent !== undefined;
  }

  listen(): Promise<void> {
    rmSync(this.o.socketPath, { force: true }); // a leftover socket file fails listen with EADDRINUSE
    return new Promise((resolve, reject) => {
      const server = createServer(s => this.#accept(s));
      server.once('error', reject);
      server.listen(this.o.socketPath, () => {
        server.removeListener('error', reject);
        server.on('error', err => this.o.log.error({ err }, 'control socket error'));
        this.#server = server;
        // Until the agent that started us connects (it connects at once; if it died first, nobody will).
        if (!this.#agent) this.#armOrphanTimer();
        resolve();
      });
    });
  }

  /** Sends to the connected agent; dropped when there is none (statistics resume on the next connection). */
  /** False when no agent is connected (the message is dropped). */
  send(m: HostToAgent): boolean {
    return writeMessage(this.#agent, m);
  }

  /** Draining: no new agent connections, no orphan timeout; a connected agent stays until exit (it sees us go). */
  stopListening(): void {
    this.#closed = true;
    clearTimeout(this.#orphanTimer);
    this.#server?.close();
  }

  /** Removes the socket and descriptor files; call right before exiting. */
  removeFiles(): void {
    for (const f of this.o.files) rmSync(f, { force: true });
  }

  #accept(s: Socket): void {
    s.on('error', err => this.o.log.debug({ err: err.message }, 'control connection error'));
    if (this.#agent) {
      writeMessage(s, {
        type: 'busy',
        message: `another agent is connected to host pid ${process.pid}`,
      } satisfies HostToAgent);
      s.end();
      return;
    }
    this.#agent = s;
    clearTimeout(this.#orphanTimer);
    readMessages(s, m => this.o.onMessage(m as AgentToHost));
    s.on('close', () => {
      if (this.#agent !== s) return;
      this.#agent = undefined;
      if (this.#closed) return;
      this.o.log.warn(
        { orphanMs: this.o.orphanMs },
        'agent connection lost: serving on, waiting for an agent to adopt this host',
      );
      this.#armOrphanTimer();
    });
    writeMessage(s, this.o.hello());
  }

  #armOrphanTimer(): void {
    if (this.#closed) return;
    clearTimeout(this.#orphanTimer);
    this.#orphanTimer = setTimeout(() => {
      this.o.log.warn({ orphanMs: this.o.orphanMs }, 'no agent connected within the orphan timeout: draining');
      this.o.onOrphaned();
    }, this.o.orphanMs);
  }
}
