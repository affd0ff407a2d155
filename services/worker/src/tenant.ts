import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CgroupManager, TenantCgroup } from '@hera/cgroups';
import { HeraError } from '@hera/errors';
import { PAYLOAD_NODE_FLAGS, withMallocTuning } from '@hera/procs';
import type { Logger } from '@hera/logger';
import type { AgentToHost, HostToAgent, TenantStats } from './host/protocol';

/** A tenant's allocation with defaults resolved (mirrors hera.common.v1.TenantAllocation). */
export interface Allocation {
  model: string;
  version: string;
  workers: number;
  cpuset: number[];
  cpuMillis: number;
  memoryLimitBytes: number;
  subBatchSize: number;
}

export type TenantState = 'starting' | 'serving' | 'restarting' | 'stopping' | 'failed';

export interface TenantOptions {
  cgroups: CgroupManager;
  repo: string;
  /** Interface the host binds and the host other processes dial. */
  bindHost: string;
  advertise: (port: number) => string;
  port: number;
  queueLimit: number;
  queueBytes: number;
  warmupMs: number;
  shedPredictedLate: boolean;
  statsWindowMs: number;
  statsIntervalMs: number;
  backend?: string;
  log: Logger;
  /** Called when state, endpoint or stats change meaningfully (node record refresh). */
  onChange: (t: Tenant) => void;
  /** Called when a host becomes ready (model config known). */
  onReady?: (t: Tenant) => void;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A host that ran this long without dying resets the backoff. */
const STABLE_MS = 60_000;

export function sameAllocation(a: Allocation, b: Allocation): boolean {
  return (
    a.model === b.model && a.version === b.version && a.workers === b.workers && a.cpuMillis === b.cpuMillis &&
    a.memoryLimitBytes === b.memoryLimitBytes && a.subBatchSize === b.subBatchSize &&
    a.cpuset.length === b.cpuset.length && a.cpuset.every((c, i) => c === b.cpuset[i])
  );
}

/**
 * One tenant on this node: its cgroup and the host process serving it. The
 * supervisor moves each new host into the cgroup before the host loads anything,
 * restarts a host that dies (with exponential backoff, recording why — e.g. the
 * kernel's OOM kill at the memory limit) and applies allocation changes in place:
 * cgroup limits at once, worker count through the host, so nothing in flight is
 * dropped. A version change replaces the host.
 */
export class Tenant {
  state: TenantState = 'starting';
  restarts = 0;
  lastRestartCause = '';
  stats: TenantStats | undefined;
  backend = '';
  version = '';
  readonly cgroup: TenantCgroup;
  #child: ChildProcess | undefined;
  #startedAt = 0;
  #backoffMs = BACKOFF_MIN_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #oomBaseline = 0;
  /** What the current host reported before dying, if anything. */
  #fatal = '';
  #readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #stopped = false;

  private constructor(
    public allocation: Allocation,
    private readonly opts: TenantOptions,
  ) {
    this.cgroup = opts.cgroups.create(`tenant-${allocation.model}`);
  }

  static create(allocation: Allocation, opts: TenantOptions): Tenant {
    const t = new Tenant(allocation, opts);
    t.cgroup.apply({ cpus: allocation.cpuset, cpuMillis: allocation.cpuMillis, memoryLimitBytes: allocation.memoryLimitBytes });
    t.#spawn();
    return t;
  }

  get endpoint(): string {
    return this.opts.advertise(this.opts.port);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Resolves once the host serves (or rejects if the tenant stops first / after timeoutMs). */
  whenServing(timeoutMs: number): Promise<void> {
    if (this.state === 'serving') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new HeraError('UNAVAILABLE', `tenant ${this.allocation.model} not serving after ${timeoutMs} ms (state ${this.state})`)), timeoutMs);
      this.#readyWaiters.push({ resolve: () => (clearTimeout(t), resolve()), reject: e => (clearTimeout(t), reject(e)) });
    });
  }

  /** Changes the allocation in place; returns false when nothing changed. */
  apply(next: Allocation): boolean {
    if (sameAllocation(this.allocation, next)) return false;
    const prev = this.allocation;
    this.allocation = next;
    this.cgroup.apply({ cpus: next.cpuset, cpuMillis: next.cpuMillis, memoryLimitBytes: next.memoryLimitBytes });
    if (prev.version !== next.version) {
      // A different model version needs a different host: replace it.
      this.opts.log.info({ from: prev.version, to: next.version }, 'replacing host for a new version');
      this.#replace();
    } else {
      if (prev.workers !== next.workers) this.#send({ type: 'set-workers', workers: next.workers });
      if (prev.subBatchSize !== next.subBatchSize) this.#send({ type: 'set-sub-batch', subBatchSize: next.subBatchSize });
    }
    this.opts.onChange(this);
    return true;
  }

  /** Drains the host (queued requests finish), then removes the cgroup. Idempotent. */
  async stop(graceMs: number): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.state = 'stopping';
    clearTimeout(this.#restartTimer);
    for (const w of this.#readyWaiters.splice(0)) w.reject(new HeraError('UNAVAILABLE', `tenant ${this.allocation.model} stopped`));
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>(r => child.once('exit', () => r()));
      this.#send({ type: 'drain', graceMs: Math.max(100, graceMs - 500) });
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(kill);
    }
    await this.cgroup.remove();
  }

  #send(m: AgentToHost): void {
    if (this.#child?.connected) this.#child.send(m);
  }

  #replace(): void {
    const old = this.#child;
    this.#child = undefined;
    this.state = 'starting'; // callers waiting for the new host wait for its 'ready'
    if (old?.connected) old.send({ type: 'drain', graceMs: 5_000 } satisfies AgentToHost);
    const spawnNew = () => this.#spawn();
    if (old && old.exitCode === null) old.once('exit', spawnNew);
    else spawnNew();
  }

  #spawn(): void {
    const { log } = this.opts;
    const child = fork(join(__dirname, 'host', 'main.js'), [], {
      execArgv: ['--enable-source-maps', ...PAYLOAD_NODE_FLAGS],
      env: { ...withMallocTuning(process.env), HERA_TENANT: this.allocation.model },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    this.#startedAt = Date.now();
    this.state = this.restarts > 0 ? 'restarting' : 'starting';
    try {
      // Into the cgroup before the host allocates its tables (memory is charged where first touched).
      this.cgroup.addProcess(child.pid!);
    } catch (err) {
      log.error({ err }, 'cannot move the host into its cgroup');
    }
    this.#oomBaseline = this.cgroup.oomKills();
    child.on('message', (m: HostToAgent) => this.#onMessage(child, m));
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
    const a = this.allocation;
    this.#send({
      type: 'start', model: a.model, version: a.version, repo: this.opts.repo, workers: a.workers, subBatchSize: a.subBatchSize,
      queueLimit: this.opts.queueLimit, queueBytes: this.opts.queueBytes, warmupMs: this.opts.warmupMs, shedPredictedLate: this.opts.shedPredictedLate, host: this.opts.bindHost, port: this.opts.port, statsWindowMs: this.opts.statsWindowMs,
      statsIntervalMs: this.opts.statsIntervalMs, ...(this.opts.backend ? { backend: this.opts.backend } : {}),
    });
    log.info({ pid: child.pid, port: this.opts.port, workers: a.workers, cpuset: a.cpuset }, 'tenant host started');
  }

  #onMessage(child: ChildProcess, m: HostToAgent): void {
    if (child !== this.#child) return; // an old host draining after a replace
    switch (m.type) {
      case 'ready':
        this.state = 'serving';
        this.backend = m.backend;
        this.version = m.version;
        for (const w of this.#readyWaiters.splice(0)) w.resolve();
        this.opts.onReady?.(this);
        this.opts.onChange(this);
        break;
      case 'stats':
        this.stats = m.stats;
        break;
      case 'fatal':
        this.#fatal = m.message;
        this.opts.log.error({ message: m.message }, 'tenant host reported a fatal error');
        break;
      case 'listening':
        break;
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child || this.#stopped) return;
    this.#child = undefined;
    const oom = this.cgroup.oomKills() > this.#oomBaseline;
    const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
    const cause = oom ? `${why} (OOM: memory limit ${this.allocation.memoryLimitBytes} bytes)` : this.#fatal ? `${why}: ${this.#fatal}` : why;
    this.#fatal = '';
    this.lastRestartCause = cause;
    this.restarts++;
    if (Date.now() - this.#startedAt > STABLE_MS) this.#backoffMs = BACKOFF_MIN_MS;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(BACKOFF_MAX_MS, this.#backoffMs * 2);
    this.state = 'restarting';
    this.stats = undefined;
    this.opts.log.warn({ cause, restarts: this.restarts, retryInMs: delay }, 'tenant host died; restarting');
    this.opts.onChange(this);
    this.#restartTimer = setTimeout(() => this.#spawn(), delay);
  }
}
