import { join } from 'node:path';
import type { CgroupManager, TenantCgroup } from '@hera/cgroups';
import { HeraError } from '@hera/errors';
import { PAYLOAD_NODE_FLAGS, withMallocTuning } from '@hera/procs';
import type { Logger } from '@hera/logger';
import type { MetricsJson } from '@hera/metrics';
import { HostProcess, type HostExit } from './host-process';
import type { AgentToHost, HostToAgent, ReadyMessage, StartMessage, TenantStats } from './host/protocol';
import type { HostDescriptor, StateDir } from './state-dir';

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
  /** Short latency window for the node manager (see StartMessage.recentWindowMs). */
  recentWindowMs?: number;
  /** Warm standby threads, asked when a host starts; sent for plan tenants only (see StartMessage.standbyWorkers). */
  standbyWorkers?: () => number;
  backend?: string;
  /** Where hosts' descriptors and control sockets live (NODE_STATE_DIR). */
  stateDir: StateDir;
  /** A host with no agent for this long drains and exits (HOST_ORPHAN_MS). */
  orphanMs: number;
  /** clusterId() of this agent, recorded in descriptors. */
  cluster: string;
  /** Who asked for this tenant (recorded so an adopting agent knows what the plan owns). */
  origin: () => 'plan' | 'api';
  log: Logger;
  /** Called when state, endpoint or stats change meaningfully (node record refresh). */
  onChange: (t: Tenant) => void;
  /** Called when a host becomes ready (model config known). */
  onReady?: (t: Tenant) => void;
  /** A free port for a new version's host, which starts beside the serving one (make-before-break). */
  newPort?: () => Promise<number>;
  /**
   * How long a replaced host keeps serving after the node record names its successor
   * (TENANT_HANDOFF_MS): gateways move on the record's pub/sub event, or at their next
   * periodic refresh (ROUTING_REFRESH_MS, 2 s) if they missed it.
   */
  handoffMs?: number;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A host that ran this long without dying resets the backoff. */
const STABLE_MS = 60_000;
/** Drain time of a host replaced by a new version; SIGKILL a little after. */
const REPLACE_DRAIN_MS = 5_000;
export const DEFAULT_HANDOFF_MS = 5_000;

/** A new version's host starting beside the serving one, on a port of its own. */
interface NextHost {
  host: HostProcess;
  /** A cgroup of its own: a host sizes its memory budget from its group's usage, which must be its own. */
  cgroup: TenantCgroup;
  port: number;
  version: string;
  startedAt: number;
  fatal: string;
  /** Workers and sub-batch size its `start` asked for (the allocation may change while it loads). */
  started?: { workers: number; subBatchSize: number };
  /** Its 'ready' (the first thread warm), held until every thread is (see #onNextMessage). */
  ready?: ReadyMessage;
  readyAt?: number;
}

/** A new version whose threads are not all warm this long after its 'ready' takes over anyway. */
const ALL_THREADS_WAIT_MS = 30_000;

export function sameAllocation(a: Allocation, b: Allocation): boolean {
  return (
    a.model === b.model &&
    a.version === b.version &&
    a.workers === b.workers &&
    a.cpuMillis === b.cpuMillis &&
    a.memoryLimitBytes === b.memoryLimitBytes &&
    a.subBatchSize === b.subBatchSize &&
    a.cpuset.length === b.cpuset.length &&
    a.cpuset.every((c, i) => c === b.cpuset[i])
  );
}

/**
 * One tenant on this node: its cgroup and the host process serving it. The
 * supervisor moves each new host into the cgroup before the host loads anything,
 * restarts a host that dies (with exponential backoff, recording why — e.g. the
 * kernel's OOM kill at the memory limit) and applies allocation changes in place:
 * cgroup limits at once, worker count through the host, so nothing in flight is
 * dropped.
 *
 * A version change while a host serves is make-before-break: the new version's host
 * starts beside it on a port and in a cgroup of its own and warms; once every one of its
 * inference threads is warm the tenant's endpoint and version switch to it (the node
 * record, which gateways route by, changes at once), the old host serves on for the
 * handoff period (gateways still on it move meanwhile), then drains and stops. A new
 * host that dies before it is ready leaves the old one serving, the allocation back
 * on the serving version and the failure in `failedVersion`/`rolloutError`. Without a
 * serving host a version change simply replaces the host.
 *
 * Hosts are not tied to the agent's life: each runs in its own process group and
 * is driven over its control socket, and its descriptor in the state directory
 * lets a restarted agent adopt it (Tenant.adopt) without a restart.
 */
export class Tenant {
  state: TenantState = 'starting';
  restarts = 0;
  lastRestartCause = '';
  stats: TenantStats | undefined;
  backend = '';
  version = '';
  /** The last version that failed to start beside the serving one, and why (cleared by the next version change). */
  failedVersion = '';
  rolloutError = '';
  /** The serving host's cgroup (`tenant-<model>`, or `tenant-<model>-b` after an odd number of rollouts). */
  #cgroup: TenantCgroup;
  #host: HostProcess | undefined;
  #port: number;
  #next: NextHost | undefined;
  /** A version whose host is about to start beside the serving one (waiting for a port). */
  #starting = '';
  /** Bumped by every version change: a starting NextHost that is not the latest is abandoned. */
  #generation = 0;
  /** Replaced hosts serving out the handoff, then draining, and their cgroups. */
  readonly #retiring = new Map<HostProcess, TenantCgroup>();
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
    cgroupName = `tenant-${allocation.model}`,
  ) {
    this.#port = opts.port;
    // Creates the group, or re-opens the one an adopted host already runs in.
    this.#cgroup = opts.cgroups.create(cgroupName);
    this.#cgroup.apply({
      cpus: allocation.cpuset,
      cpuMillis: allocation.cpuMillis,
      memoryLimitBytes: allocation.memoryLimitBytes,
    });
  }

  get cgroup(): TenantCgroup {
    return this.#cgroup;
  }

  static create(allocation: Allocation, opts: TenantOptions): Tenant {
    const t = new Tenant(allocation, opts);
    t.#spawn();
    return t;
  }

  /**
   * Takes over a host a previous agent of this node started and left running
   * (NodeAgent.adopt has connected to it and read its `hello`): same process, same
   * port, same cgroup with the recorded limits. A host that already serves is
   * 'serving' at once; one that was never told to start is started now.
   */
  static adopt(d: HostDescriptor, host: HostProcess, opts: TenantOptions): Tenant {
    const t = new Tenant(d.allocation, opts, d.cgroup);
    t.#startedAt = d.startedAtMs;
    t.#attach(host);
    if (host.hello) t.#onMessage(host, host.hello);
    return t;
  }

  get endpoint(): string {
    return this.opts.advertise(this.#port);
  }

  /** The port of the serving host (changes when a new version takes over). */
  get port(): number {
    return this.#port;
  }

  get pid(): number | undefined {
    return this.#host?.pid;
  }

  /** The version starting beside the serving one, if any (from the version change on, before its host exists). */
  get pendingVersion(): string {
    return this.#next?.version ?? this.#starting;
  }

  /** Replaced hosts still alive (serving out the handoff or draining). */
  get retiring(): number {
    return this.#retiring.size;
  }

  /** Every host process of this tenant alive now: serving, starting beside it, retiring. */
  pids(): number[] {
    return [this.#host, this.#next?.host, ...this.#retiring.keys()].flatMap(h =>
      h?.alive && h.pid > 0 ? [h.pid] : [],
    );
  }

  /** The current host's metrics registry as JSON; undefined without a host or an answer in time. */
  metrics(timeoutMs: number): Promise<MetricsJson | undefined> {
    return this.#host?.alive ? this.#host.metrics(timeoutMs) : Promise.resolve(undefined);
  }

  /** Resolves once the host serves (or rejects if the tenant stops first / after timeoutMs). */
  whenServing(timeoutMs: number): Promise<void> {
    if (this.state === 'serving') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new HeraError(
              'UNAVAILABLE',
              `tenant ${this.allocation.model} not serving after ${timeoutMs} ms (state ${this.state})`,
            ),
          ),
        timeoutMs,
      );
      this.#readyWaiters.push({
        resolve: () => (clearTimeout(t), resolve()),
        reject: e => (clearTimeout(t), reject(e)),
      });
    });
  }

  /** Changes the allocation in place; returns false when nothing changed. */
  apply(next: Allocation): boolean {
    if (sameAllocation(this.allocation, next)) return false;
    const prev = this.allocation;
    this.allocation = next;
    this.#applyCgroup();
    if (prev.version !== next.version) {
      this.#changeVersion(prev.version);
    } else {
      if (prev.workers !== next.workers) this.#send({ type: 'set-workers', workers: next.workers });
      if (prev.subBatchSize !== next.subBatchSize)
        this.#send({ type: 'set-sub-batch', subBatchSize: next.subBatchSize });
      this.persist();
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
    for (const w of this.#readyWaiters.splice(0))
      w.reject(new HeraError('UNAVAILABLE', `tenant ${this.allocation.model} stopped`));
    this.#generation++;
    const hosts = [this.#host, this.#next?.host, ...this.#retiring.keys()].filter((h): h is HostProcess => Boolean(h));
    const groups = [this.#next?.cgroup, ...this.#retiring.values()].filter((g): g is TenantCgroup => Boolean(g));
    this.#next = undefined;
    await Promise.all(
      hosts.map(async host => {
        if (host.alive) {
          // Without a control connection (it broke), SIGTERM drains the host the same way.
          if (!host.send({ type: 'drain', graceMs: Math.max(100, graceMs - 500) })) host.kill('SIGTERM');
          const kill = setTimeout(() => host.kill('SIGKILL'), graceMs);
          await host.exited;
          clearTimeout(kill);
        }
        this.opts.stateDir.remove(host.id);
      }),
    );
    this.#retiring.clear();
    for (const g of groups) await g.remove().catch(() => undefined);
    await this.#cgroup.remove();
  }

  /** Records the current host in the state directory (after a start, an allocation or an origin change). */
  persist(): void {
    const h = this.#host;
    if (!h?.alive || h.pid <= 0) return;
    try {
      this.opts.stateDir.write({
        id: h.id,
        pid: h.pid,
        startTime: h.startTime,
        socket: h.socketPath,
        port: this.#port,
        endpoint: this.endpoint,
        allocation: this.allocation,
        origin: this.opts.origin(),
        cluster: this.opts.cluster,
        startedAtMs: this.#startedAt,
        cgroup: this.#cgroup.name,
      });
    } catch (err) {
      // Only adoption after an agent crash needs it: serve on, say so.
      this.opts.log.warn({ err }, 'cannot write the host descriptor; a restarted agent will not adopt this host');
    }
  }

  #send(m: AgentToHost): void {
    this.#host?.send(m);
  }

  /**
   * The allocation's limits on the serving host's cgroup and on a starting one's. A retiring
   * host keeps its group's limits: it only finishes its work.
   */
  #applyCgroup(): void {
    const a = this.allocation;
    const limits = { cpus: a.cpuset, cpuMillis: a.cpuMillis, memoryLimitBytes: a.memoryLimitBytes };
    this.#cgroup.apply(limits);
    this.#next?.cgroup.apply(limits);
  }

  /** The group a new version's host starts in: the one of the two names the serving host does not use. */
  #otherCgroup(): TenantCgroup {
    const base = `tenant-${this.allocation.model}`;
    return this.opts.cgroups.create(this.#cgroup.name === base ? `${base}-b` : base);
  }

  #dropCgroup(g: TenantCgroup): void {
    if (g === this.#cgroup || g === this.#next?.cgroup) return;
    g.remove().catch(err => this.opts.log.warn({ err, cgroup: g.name }, 'cannot remove a replaced host cgroup'));
  }

  #changeVersion(from: string): void {
    const to = this.allocation.version;
    this.failedVersion = '';
    this.rolloutError = '';
    this.#starting = '';
    this.#generation++;
    const pending = this.#next;
    if (pending) {
      // Superseded before it was ready: it never served, so nothing is lost.
      this.#next = undefined;
      this.opts.log.info({ version: pending.version, to }, 'abandoning a new version that is not ready yet');
      if (!pending.host.send({ type: 'drain', graceMs: 100 })) pending.host.kill('SIGTERM');
      setTimeout(() => pending.host.kill('SIGKILL'), 2_000).unref();
      void pending.host.exited.then(() => this.#dropCgroup(pending.cgroup));
    }
    const host = this.#host;
    if (host?.alive && this.state === 'serving' && this.opts.newPort) {
      if (this.version === to) {
        this.persist(); // back on the version that serves: nothing to start
        return;
      }
      this.opts.log.info({ from, to }, 'starting the new version beside the serving one');
      this.#starting = to;
      void this.#startNext(this.#generation, to);
      return;
    }
    // Nothing serves (or no second port to be had): replace the host.
    this.opts.log.info({ from, to }, 'replacing host for a new version');
    this.#replace();
  }

  async #startNext(generation: number, version: string): Promise<void> {
    let port: number;
    try {
      port = await this.opts.newPort!();
    } catch (err) {
      if (generation === this.#generation) {
        this.#starting = '';
        this.#nextFailed(version, `no free port: ${(err as Error).message}`);
      }
      return;
    }
    if (generation !== this.#generation || this.#stopped) return;
    this.#starting = '';
    const cgroup = this.#otherCgroup();
    const a = this.allocation;
    cgroup.apply({ cpus: a.cpuset, cpuMillis: a.cpuMillis, memoryLimitBytes: a.memoryLimitBytes });
    const host = this.#spawnHost(cgroup);
    this.#next = { host, cgroup, port, version, startedAt: Date.now(), fatal: '' };
    host.onMessage(m => this.#onMessage(host, m));
    void host.exited.then(e => this.#onExit(host, e));
    this.opts.log.info({ pid: host.pid, port, version }, 'new version host started');
    this.opts.onChange(this);
  }

  #onNextMessage(next: NextHost, m: HostToAgent): void {
    switch (m.type) {
      case 'hello':
        if (!m.draining && !m.started) {
          const start = this.#startMessage(next.port);
          next.started = { workers: start.workers, subBatchSize: start.subBatchSize };
          next.host.send(start);
        }
        break;
      case 'ready':
        if (m.version !== next.version) {
          // Its repository directory describes another version: not what was asked for.
          next.fatal = `the host of version ${next.version} serves version ${m.version} (the version's model.json names it)`;
          if (!next.host.send({ type: 'drain', graceMs: 100 })) next.host.kill('SIGTERM');
          break;
        }
        next.ready = m;
        next.readyAt = Date.now();
        break;
      case 'stats':
        // A host is 'ready' with its first warm thread. The whole traffic moves at once, so the
        // switch waits for every thread: until the last one is measured the host's memory
        // budget counts the loading ones against too few, and it refused work as out of memory.
        if (
          next.ready &&
          (m.stats.workersReady >= this.allocation.workers || Date.now() - next.readyAt! > ALL_THREADS_WAIT_MS)
        )
          this.#switchTo(next, next.ready);
        break;
      case 'fatal':
        next.fatal = m.message;
        this.opts.log.error({ message: m.message, version: next.version }, 'new version host reported a fatal error');
        break;
      default:
        break;
    }
  }

  /** The new version is ready: it becomes the tenant's host; the old one serves out the handoff. */
  #switchTo(next: NextHost, m: ReadyMessage): void {
    if (this.#next !== next) return;
    const old = this.#host;
    const oldGroup = this.#cgroup;
    this.#next = undefined;
    this.#host = next.host;
    this.#cgroup = next.cgroup;
    this.#port = next.port;
    this.#startedAt = next.startedAt;
    this.#oomBaseline = this.#cgroup.oomKills();
    this.#fatal = '';
    clearTimeout(this.#restartTimer);
    if (old?.alive) this.#retire(old, oldGroup);
    else this.#dropCgroup(oldGroup);
    // An allocation change while it loaded went to the old host only.
    const a = this.allocation;
    if (next.started && next.started.workers !== a.workers) this.#send({ type: 'set-workers', workers: a.workers });
    if (next.started && next.started.subBatchSize !== a.subBatchSize)
      this.#send({ type: 'set-sub-batch', subBatchSize: a.subBatchSize });
    this.persist();
    this.opts.log.info(
      { version: m.version, port: next.port, oldPid: old?.pid },
      'new version serves; old host retires',
    );
    this.#onReady(m);
  }

  /** Keeps a replaced host serving for the handoff, then drains it (queued work finishes). */
  #retire(old: HostProcess, group: TenantCgroup): void {
    this.#retiring.set(old, group);
    const handoffMs = this.opts.handoffMs ?? DEFAULT_HANDOFF_MS;
    const drain = setTimeout(() => {
      if (!old.send({ type: 'drain', graceMs: REPLACE_DRAIN_MS })) old.kill('SIGTERM');
      setTimeout(() => old.kill('SIGKILL'), REPLACE_DRAIN_MS + 2_000).unref();
    }, handoffMs);
    void old.exited.then(() => clearTimeout(drain));
  }

  /** The new version's host died before it was ready: the serving version stays. */
  #nextFailed(version: string, why: string): void {
    const cause = why;
    this.failedVersion = version;
    this.rolloutError = cause;
    if (this.allocation.version === version && this.version)
      this.allocation = { ...this.allocation, version: this.version };
    this.opts.log.error(
      { version, cause, serving: this.version },
      'new version did not start; the serving version stays',
    );
    if (!this.#host && !this.#stopped) {
      // The serving host died meanwhile too: restart the version that served.
      this.state = 'restarting';
      this.#restartTimer = setTimeout(() => this.#spawn(), this.#backoffMs);
    }
    this.persist();
    this.opts.onChange(this);
  }

  #replace(): void {
    const old = this.#host;
    this.#host = undefined;
    this.state = 'starting'; // callers waiting for the new host wait for its 'ready'
    if (!old?.alive) {
      this.#spawn();
      return;
    }
    if (!old.send({ type: 'drain', graceMs: REPLACE_DRAIN_MS })) old.kill('SIGTERM');
    const kill = setTimeout(() => old.kill('SIGKILL'), REPLACE_DRAIN_MS + 2_000);
    void old.exited.then(() => {
      clearTimeout(kill);
      this.opts.stateDir.remove(old.id);
      if (!this.#stopped && !this.#host) this.#spawn(); // the new host takes the same port
    });
  }

  #spawn(): void {
    const host = this.#spawnHost(this.#cgroup);
    this.#startedAt = Date.now();
    this.state = this.restarts > 0 ? 'restarting' : 'starting';
    this.#attach(host);
    this.persist();
    const a = this.allocation;
    this.opts.log.info(
      { pid: host.pid, port: this.#port, workers: a.workers, cpuset: a.cpuset },
      'tenant host started',
    );
  }

  /** A new host process in the tenant's cgroup; it loads nothing before it is sent `start`. */
  #spawnHost(cgroup: TenantCgroup): HostProcess {
    const { log, stateDir } = this.opts;
    const id = stateDir.newHostId();
    const host = HostProcess.spawn({
      id,
      socketPath: stateDir.socketPath(id),
      main: join(__dirname, 'host', 'main.js'),
      execArgv: ['--enable-source-maps', ...PAYLOAD_NODE_FLAGS],
      env: {
        ...withMallocTuning(process.env),
        HERA_TENANT: this.allocation.model,
        HERA_HOST_ID: id,
        HERA_HOST_SOCKET: stateDir.socketPath(id),
        HERA_HOST_DESCRIPTOR: stateDir.descriptorPath(id),
        HERA_HOST_ORPHAN_MS: String(this.opts.orphanMs),
      },
      log,
    });
    // Into the cgroup before the host allocates its tables (memory is charged where first touched):
    // the host loads only on `start`, which we send once it said hello.
    if (host.pid > 0) this.#intoCgroup(host.pid, cgroup);
    return host;
  }

  #intoCgroup(pid: number, cgroup = this.#cgroup): void {
    try {
      cgroup.addProcess(pid);
    } catch (err) {
      this.opts.log.error({ err }, 'cannot move the host into its cgroup');
    }
  }

  #attach(host: HostProcess): void {
    this.#host = host;
    this.#oomBaseline = this.#cgroup.oomKills();
    host.onMessage(m => this.#onMessage(host, m));
    void host.exited.then(e => this.#onExit(host, e));
  }

  #startMessage(port = this.#port): StartMessage {
    const a = this.allocation;
    const o = this.opts;
    return {
      type: 'start',
      model: a.model,
      version: a.version,
      repo: o.repo,
      workers: a.workers,
      subBatchSize: a.subBatchSize,
      queueLimit: o.queueLimit,
      queueBytes: o.queueBytes,
      warmupMs: o.warmupMs,
      shedPredictedLate: o.shedPredictedLate,
      host: o.bindHost,
      port,
      statsWindowMs: o.statsWindowMs,
      statsIntervalMs: o.statsIntervalMs,
      ...(o.recentWindowMs ? { recentWindowMs: o.recentWindowMs } : {}),
      ...(o.backend ? { backend: o.backend } : {}),
      // Only the plan's tenants are managed: a profiler's tenant would only pay for a standby.
      ...(o.origin() === 'plan' && o.standbyWorkers?.() ? { standbyWorkers: o.standbyWorkers() } : {}),
    };
  }

  #onMessage(host: HostProcess, m: HostToAgent): void {
    const next = this.#next;
    if (next && host === next.host) return this.#onNextMessage(next, m);
    if (host !== this.#host) return; // an old host draining after a replace
    switch (m.type) {
      case 'hello':
        if (m.draining) break; // it is on its way out; its exit restarts it
        if (!m.started) {
          // Adopted before its agent told it to start: make sure it is in the group before it loads.
          if (host.adopted) this.#intoCgroup(host.pid);
          this.#send(this.#startMessage());
          break;
        }
        // A host we reconnected to or adopted: bring it to the allocation we hold.
        if (m.workers !== this.allocation.workers)
          this.#send({ type: 'set-workers', workers: this.allocation.workers });
        if (m.subBatchSize !== this.allocation.subBatchSize)
          this.#send({ type: 'set-sub-batch', subBatchSize: this.allocation.subBatchSize });
        if (m.ready && this.state !== 'serving') this.#onReady(m.ready);
        break;
      case 'ready':
        this.#onReady(m);
        break;
      case 'stats':
        this.stats = m.stats;
        break;
      case 'fatal':
        this.#fatal = m.message;
        this.opts.log.error({ message: m.message }, 'tenant host reported a fatal error');
        break;
      case 'busy':
        this.opts.log.error({ message: m.message }, 'tenant host is driven by another agent');
        break;
      case 'listening':
        break;
    }
  }

  #onReady(m: ReadyMessage): void {
    this.state = 'serving';
    this.backend = m.backend;
    this.version = m.version;
    for (const w of this.#readyWaiters.splice(0)) w.resolve();
    this.opts.onReady?.(this);
    this.opts.onChange(this);
  }

  #onExit(host: HostProcess, e: HostExit): void {
    if (this.#stopped) return;
    const retired = this.#retiring.get(host);
    if (retired) {
      this.#retiring.delete(host);
      this.opts.stateDir.remove(host.id);
      this.#dropCgroup(retired);
      this.opts.log.info({ pid: host.pid }, 'replaced host stopped');
      this.opts.onChange(this);
      return;
    }
    const next = this.#next;
    if (next && host === next.host) {
      this.#next = undefined;
      this.opts.stateDir.remove(host.id);
      this.#dropCgroup(next.cgroup);
      const why = exitWhy(host, e);
      this.#nextFailed(next.version, next.fatal ? `${why}: ${next.fatal}` : why);
      return;
    }
    if (host !== this.#host) return;
    this.#host = undefined;
    this.opts.stateDir.remove(host.id);
    const oom = this.#cgroup.oomKills() > this.#oomBaseline;
    const why = !e.known
      ? `exited (adopted host pid ${host.pid}: not our child, exit status unknown)`
      : e.signal
        ? `killed by ${e.signal}`
        : `exited with code ${e.code}`;
    const cause = oom
      ? `${why} (OOM: memory limit ${this.allocation.memoryLimitBytes} bytes)`
      : this.#fatal
        ? `${why}: ${this.#fatal}`
        : why;
    this.#fatal = '';
    this.lastRestartCause = cause;
    this.restarts++;
    if (Date.now() - this.#startedAt > STABLE_MS) this.#backoffMs = BACKOFF_MIN_MS;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(BACKOFF_MAX_MS, this.#backoffMs * 2);
    this.state = 'restarting';
    this.stats = undefined;
    if (this.#next) {
      // A new version is starting beside it: that one takes over (or, if it fails, a restart follows).
      this.opts.log.warn({ cause, pending: this.#next.version }, 'tenant host died while a new version starts');
      this.opts.onChange(this);
      return;
    }
    this.opts.log.warn({ cause, restarts: this.restarts, retryInMs: delay }, 'tenant host died; restarting');
    this.opts.onChange(this);
    this.#restartTimer = setTimeout(() => this.#spawn(), delay);
  }
}

function exitWhy(host: HostProcess, e: HostExit): string {
  return !e.known
    ? `exited (adopted host pid ${host.pid}: not our child, exit status unknown)`
    : e.signal
      ? `killed by ${e.signal}`
      : `exited with code ${e.code}`;
}
