import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { serverSpan } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import type { MetricsJson } from '@hera/metrics';
import type { RemoteSpan } from '@hera/telemetry';
import { connectOnce, readMessages, writeMessage } from './host/control-socket';
import type { AgentToHost, HelloMessage, HostToAgent } from './host/protocol';
import { isSameProcess, procStat, type HostDescriptor } from './state-dir';
import { hostSpans } from './instrument';

export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** False for an adopted host: it is not our child, so its exit status is not ours to read. */
  known: boolean;
}

/** How long a new host has to open its control socket before it counts as hung (it loads nothing before). */
const CONNECT_TIMEOUT_MS = 30_000;
const CONNECT_RETRY_MS = 25;
/** While the control connection is down: how often an adopted host's pid is checked. */
const WATCH_MS = 100;
/** …and how often we try to connect again, should the host still be there. */
const RECONNECT_MS = 1_000;

export interface SpawnHostOptions {
  id: string;
  socketPath: string;
  /** The host's entry point and Node flags. */
  main: string;
  execArgv: readonly string[];
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/**
 * One tenant host process as the agent sees it: started by this agent (a child) or
 * adopted from a previous agent (not a child). Either way it is driven over its
 * control socket. A child's end is its 'exit' event; an adopted host's end is its
 * control connection closing and its pid going (a non-child gives no exit status).
 */
export class HostProcess {
  /** Resolves once, when the process is gone. */
  readonly exited: Promise<HostExit>;
  /** The host's latest `hello` (sent on every connection). */
  hello: HelloMessage | undefined;
  #resolveExit!: (e: HostExit) => void;
  #done = false;
  #socket: Socket | undefined;
  #onMessage: (m: HostToAgent) => void = () => {};
  #watch: NodeJS.Timeout | undefined;
  #helloWaiters: { resolve: (h: HelloMessage) => void; reject: (e: Error) => void }[] = [];
  readonly #metricsWaiters = new Map<number, (m: MetricsJson | undefined) => void>();
  #metricsId = 0;

  private constructor(
    readonly pid: number,
    readonly startTime: string,
    readonly id: string,
    readonly socketPath: string,
    private readonly log: Logger,
    private readonly child?: ChildProcess,
  ) {
    this.exited = new Promise(resolve => (this.#resolveExit = resolve));
  }

  /**
   * Starts a host in its own session and process group (detached), so that a
   * signal to the agent's group (a terminal's Ctrl-C, a supervisor's group kill)
   * does not reach it: only the agent's explicit `drain` or SIGTERM stops it.
   */
  static spawn(o: SpawnHostOptions): HostProcess {
    const child = spawn(process.execPath, [...o.execArgv, o.main], {
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: o.env,
    });
    const pid = child.pid ?? -1;
    const h = new HostProcess(pid, procStat(pid)?.startTime ?? '', o.id, o.socketPath, o.log, child);
    child.once('exit', (code, signal) => h.#finish({ code, signal, known: true }));
    child.once('error', err => {
      o.log.error({ err }, 'cannot start the tenant host');
      if (pid < 0) h.#finish({ code: null, signal: null, known: true });
    });
    if (pid > 0) void h.#connectNew();
    return h;
  }

  /**
   * Connects to a host another agent started and waits for its `hello`. Rejects
   * when it is not the recorded process any more, does not answer within
   * `timeoutMs`, or another agent holds it (`busy`).
   */
  static async adopt(d: HostDescriptor, log: Logger, timeoutMs: number): Promise<HostProcess> {
    if (!isSameProcess(d.pid, d.startTime)) throw new Error(`pid ${d.pid} is not the recorded host any more`);
    const h = new HostProcess(d.pid, d.startTime, d.id, d.socket, log);
    const socket = await connectOnce(d.socket, timeoutMs);
    const hello = h.#nextHello(timeoutMs);
    h.#attach(socket);
    try {
      const m = await hello;
      if (m.pid !== d.pid || m.id !== d.id)
        throw new Error(`the socket answers as host ${m.id} pid ${m.pid}, not ${d.id} pid ${d.pid}`);
    } catch (err) {
      h.#socket = undefined;
      socket.destroy();
      throw err;
    }
    return h;
  }

  /** Where this host's messages go (the tenant that owns it). */
  onMessage(fn: (m: HostToAgent) => void): void {
    this.#onMessage = fn;
  }

  get alive(): boolean {
    return !this.#done;
  }

  get adopted(): boolean {
    return this.child === undefined;
  }

  /** Sends a message; false when the control connection is down (the message is dropped). */
  send(m: AgentToHost): boolean {
    return writeMessage(this.#socket, m);
  }

  /**
   * The host's metrics registry as JSON (for the node's /metrics); undefined when the
   * control connection is down or the host does not answer within `timeoutMs`.
   */
  metrics(timeoutMs: number): Promise<MetricsJson | undefined> {
    const id = ++this.#metricsId;
    if (!this.send({ type: 'metrics', id })) return Promise.resolve(undefined);
    return new Promise(resolve => {
      const t = setTimeout(() => {
        this.#metricsWaiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.#metricsWaiters.set(id, m => {
        clearTimeout(t);
        this.#metricsWaiters.delete(id);
        resolve(m);
      });
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.#done) return;
    if (this.child) {
      this.child.kill(signal);
    } else if (isSameProcess(this.pid, this.startTime)) {
      try {
        process.kill(this.pid, signal);
      } catch {
        /* gone meanwhile */
      }
    }
  }

  /** Lets go of the host without stopping it (it counts as orphaned from now on). */
  release(): void {
    this.#finish({ code: null, signal: null, known: false }, false);
  }

  #nextHello(timeoutMs: number): Promise<HelloMessage> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no hello from host ${this.id} within ${timeoutMs} ms`)), timeoutMs);
      this.#helloWaiters.push({
        resolve: h => (clearTimeout(t), resolve(h)),
        reject: e => (clearTimeout(t), reject(e)),
      });
    });
  }

  async #connectNew(): Promise<void> {
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    while (!this.#done) {
      try {
        this.#attach(await connectOnce(this.socketPath, 1_000));
        return;
      } catch {
        if (Date.now() > deadline) {
          this.log.error(
            { pid: this.pid, socket: this.socketPath },
            `tenant host did not open its control socket within ${CONNECT_TIMEOUT_MS} ms; killing it`,
          );
          this.kill('SIGKILL');
          return;
        }
        await new Promise(r => setTimeout(r, CONNECT_RETRY_MS));
      }
    }
  }

  #attach(socket: Socket): void {
    if (this.#done) {
      socket.destroy();
      return;
    }
    this.#socket = socket;
    clearInterval(this.#watch);
    this.#watch = undefined;
    socket.on('error', err => this.log.debug({ err: err.message }, 'control connection error'));
    readMessages(socket, raw => {
      const m = raw as HostToAgent;
      if (m.type === 'hello') {
        this.hello = m;
        for (const w of this.#helloWaiters.splice(0)) w.resolve(m);
      } else if (m.type === 'busy') {
        for (const w of this.#helloWaiters.splice(0)) w.reject(new Error(`host ${this.id} is busy: ${m.message}`));
      } else if (m.type === 'metrics') {
        this.#metricsWaiters.get(m.id)?.(Array.isArray(m.metrics) ? m.metrics : undefined);
        return;
      } else if (m.type === 'spans') {
        if (hostSpans && Array.isArray(m.spans))
          hostSpans.replay(m.spans.map(serverSpan).filter((s): s is RemoteSpan => s !== undefined));
        return;
      }
      this.#onMessage(m);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      for (const w of [...this.#metricsWaiters.values()]) w(undefined);
      this.#watchWhileDisconnected();
    });
  }

  /**
   * The control connection dropped: the host is exiting (the usual case) or the
   * connection broke. A child's exit comes as an event; an adopted host is checked
   * by pid. Either way, reconnect while the process is still there.
   */
  #watchWhileDisconnected(): void {
    if (this.#done || this.#watch) return;
    const gone = () => !this.child && !isSameProcess(this.pid, this.startTime);
    if (gone()) {
      this.#finish({ code: null, signal: null, known: false });
      return;
    }
    let sinceConnect = 0;
    this.#watch = setInterval(() => {
      if (this.#done || this.#socket) return;
      if (gone()) {
        this.#finish({ code: null, signal: null, known: false });
        return;
      }
      sinceConnect += WATCH_MS;
      if (sinceConnect < RECONNECT_MS) return;
      sinceConnect = 0;
      connectOnce(this.socketPath, 500).then(
        s => this.#attach(s),
        () => undefined,
      );
    }, WATCH_MS);
    this.#watch.unref();
  }

  #finish(e: HostExit, resolve = true): void {
    if (this.#done) return;
    this.#done = true;
    clearInterval(this.#watch);
    const s = this.#socket;
    this.#socket = undefined;
    s?.destroy();
    for (const w of this.#helloWaiters.splice(0)) w.reject(new Error(`host ${this.id} is gone`));
    for (const w of [...this.#metricsWaiters.values()]) w(undefined);
    if (resolve) this.#resolveExit(e);
  }
}
