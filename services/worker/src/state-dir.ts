import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Allocation } from './tenant';

/**
 * What the agent records about each tenant host it runs, so that a new agent
 * (after a crash or a SIGKILL of the old one) can find the host, check it is the
 * same process, and adopt it instead of starting it again.
 */
export interface HostDescriptor {
  /** Names the host's files in the state directory. */
  id: string;
  pid: number;
  /** The process's start time (/proc/<pid>/stat field 22): with the pid, it names one process for the whole boot. */
  startTime: string;
  /** The host's control socket (Unix domain). */
  socket: string;
  port: number;
  endpoint: string;
  allocation: Allocation;
  origin: 'plan' | 'api';
  /** clusterId() of the agent that started it: hosts of another cluster's agent are never adopted. */
  cluster: string;
  startedAtMs: number;
  /** The host's cgroup under the node's group; absent: `tenant-<model>` (a rollout alternates two names). */
  cgroup?: string;
}

/** Longest path the kernel takes for a Unix socket (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;
const HOST_FILE = /^host-([0-9a-f]{8})\.json$/;

/** Default state directory: per cluster prefix and node, under the OS temp dir. */
export function defaultStateDir(prefix: string, nodeId: string): string {
  return join(tmpdir(), `hera-${prefix.replace(/:$/, '') || 'hera'}-node-${nodeId}`);
}

/** Which cluster an agent belongs to (its Redis and key prefix), without writing the URL (it may hold a password). */
export function clusterId(redisUrl: string, prefix: string): string {
  return createHash('sha256').update(`${redisUrl}\n${prefix}`).digest('hex').slice(0, 16);
}

/** State and start time of a process from /proc/<pid>/stat; undefined when there is no such process. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19]; // field 22 of the whole line
  return state && startTime ? { state, startTime } : undefined;
}

/**
 * True while `pid` is the process that was recorded: it exists, is not a zombie
 * (an exited host whose new parent has not reaped it) and started when recorded
 * (so a reused pid is not mistaken for the host).
 */
export function isSameProcess(pid: number, startTime: string): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X' && s.startTime === startTime;
}

/**
 * The node's state directory (NODE_STATE_DIR): one descriptor and one control
 * socket per tenant host, and the running agent's lock. Mode 0700: whoever can
 * reach a control socket can drain that host.
 */
export class StateDir {
  constructor(readonly path: string) {
    const longest = this.socketPath('00000000');
    if (Buffer.byteLength(longest) > MAX_SOCKET_PATH) {
      throw new Error(
        `NODE_STATE_DIR ${path} is too long for Unix socket paths (${Buffer.byteLength(longest)} > ${MAX_SOCKET_PATH} bytes for ${longest}); choose a shorter directory`,
      );
    }
  }

  /**
   * Makes this agent the directory's owner. Throws while another live agent owns
   * it: two agents would fight over the same hosts and cgroups.
   */
  claim(): void {
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
    const lock = join(this.path, 'agent.json');
    const me = procStat(process.pid);
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(lock, 'wx', 0o600);
        writeSync(fd, JSON.stringify({ pid: process.pid, startTime: me?.startTime ?? '' }));
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      }
      let owner: { pid?: unknown; startTime?: unknown } = {};
      try {
        owner = JSON.parse(readFileSync(lock, 'utf8')) as typeof owner;
      } catch {
        /* half-written by an agent that died: stale */
      }
      if (
        typeof owner.pid === 'number' &&
        owner.pid !== process.pid &&
        typeof owner.startTime === 'string' &&
        isSameProcess(owner.pid, owner.startTime)
      ) {
        throw new Error(
          `another node agent (pid ${owner.pid}) owns the state directory ${this.path}: stop it, or give this agent another NODE_ID or NODE_STATE_DIR`,
        );
      }
      rmSync(lock, { force: true }); // its agent is gone
    }
  }

  /** Gives the directory up (clean shutdown); removes it when nothing else is left in it. */
  release(): void {
    rmSync(join(this.path, 'agent.json'), { force: true });
    try {
      rmdirSync(this.path);
    } catch {
      /* not empty (a host still draining) or already gone */
    }
  }

  newHostId(): string {
    return randomBytes(4).toString('hex');
  }

  socketPath(id: string): string {
    return join(this.path, `host-${id}.sock`);
  }

  descriptorPath(id: string): string {
    return join(this.path, `host-${id}.json`);
  }

  /** Writes (or replaces) a descriptor atomically: a reader never sees half of one. */
  write(d: HostDescriptor): void {
    const file = this.descriptorPath(d.id);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(d), { mode: 0o600 });
    renameSync(tmp, file);
  }

  /** Removes a host's descriptor and socket. Idempotent. */
  remove(id: string): void {
    rmSync(this.descriptorPath(id), { force: true });
    rmSync(this.socketPath(id), { force: true });
  }

  /** Every descriptor in the directory; files that are not valid descriptors are listed apart. */
  list(): { descriptors: HostDescriptor[]; invalid: { file: string; reason: string }[] } {
    const descriptors: HostDescriptor[] = [];
    const invalid: { file: string; reason: string }[] = [];
    let files: string[];
    try {
      files = readdirSync(this.path);
    } catch {
      return { descriptors, invalid };
    }
    for (const f of files) {
      const id = HOST_FILE.exec(f)?.[1];
      if (!id) continue;
      try {
        const d = JSON.parse(readFileSync(join(this.path, f), 'utf8')) as unknown;
        const reason = descriptorProblem(d, id);
        if (reason) invalid.push({ file: f, reason });
        else descriptors.push(d as HostDescriptor);
      } catch (err) {
        invalid.push({ file: f, reason: (err as Error).message });
      }
    }
    return { descriptors, invalid };
  }
}

/** Why `d` is not a descriptor of host `id`, or '' when it is one. */
export function descriptorProblem(d: unknown, id: string): string {
  if (typeof d !== 'object' || d === null) return 'not an object';
  const o = d as Record<string, unknown>;
  if (o['id'] !== id) return `id ${JSON.stringify(o['id'])} does not match the file name`;
  if (!Number.isInteger(o['pid']) || (o['pid'] as number) <= 1) return 'pid: not a process id';
  if (!Number.isInteger(o['port']) || (o['port'] as number) < 1 || (o['port'] as number) > 65535)
    return 'port: not a port';
  for (const k of ['startTime', 'socket', 'endpoint', 'cluster'])
    if (typeof o[k] !== 'string' || !o[k]) return `${k}: missing`;
  if (o['origin'] !== 'plan' && o['origin'] !== 'api') return 'origin: not plan or api';
  if (typeof o['startedAtMs'] !== 'number') return 'startedAtMs: missing';
  if (o['cgroup'] !== undefined && (typeof o['cgroup'] !== 'string' || !/^tenant-[A-Za-z0-9_.-]+$/.test(o['cgroup'])))
    return 'cgroup: not a tenant group name';
  const a = o['allocation'] as Record<string, unknown> | undefined;
  if (typeof a !== 'object' || a === null) return 'allocation: missing';
  if (typeof a['model'] !== 'string' || !a['model'] || typeof a['version'] !== 'string')
    return 'allocation.model/version: missing';
  for (const k of ['workers', 'cpuMillis', 'memoryLimitBytes', 'subBatchSize'])
    if (!Number.isInteger(a[k])) return `allocation.${k}: not an integer`;
  if (!Array.isArray(a['cpuset']) || !a['cpuset'].every(Number.isInteger))
    return 'allocation.cpuset: not a list of cores';
  return '';
}
