import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseProcCgroup } from '@hera/cgroups';
import { CONNECTION_WINDOW_BYTES } from '@hera/grpc';

const MiB = 1024 * 1024;

/**
 * Share of the memory limit never planned for: the kernel's own charges (page
 * tables, socket buffers), glibc fragmentation and estimation error.
 */
export const LIMIT_HEADROOM = 0.05;
/**
 * Memory one byte of a request in flight holds: the received message it is a view
 * into, and around it what the receiving left (the HTTP/2 chunks it was joined from,
 * allocator slack). Measured on an rmc1 host taking a burst: RSS grew 1.6 bytes per
 * queued byte.
 */
export const BYTES_PER_REQUEST_BYTE = 2;
/**
 * Share of the memory left for requests that admission gives to requests in flight;
 * the rest is for the garbage received requests leave (answered, shed or refused),
 * which the host collects when it reaches that share (see MemoryBudget.received).
 */
export const IN_FLIGHT_SHARE = 0.5;
/**
 * Garbage allowed at least before the host collects it: a limit that leaves less
 * would otherwise collect after every request.
 */
export const MIN_GARBAGE_BYTES = 4 * MiB;
/** How often, in request bytes received, the host looks at how much garbage it holds (~10 µs a look). */
export const GARBAGE_CHECK_BYTES = 1 * MiB;
/**
 * Requests received but not yet admitted or shed: what one peer (the gateway's
 * stream) may have in flight on its connection before it must wait for us.
 */
export const RECEIVE_RESERVE_BYTES = CONNECTION_WINDOW_BYTES;

/** What the host reads about its memory cgroup. */
export interface MemoryReading {
  /** The effective limit: the lowest on the way up to the root; Infinity when none. */
  limitBytes: number;
  /** Charged now, minus the inactive page cache the kernel reclaims before it OOM-kills. */
  usedBytes: number;
}

/** Reads the host's memory cgroup; undefined where there is none to read. */
export type MemorySource = () => MemoryReading | undefined;

/** Sizes of a host's memory, for the budget arithmetic. */
export interface BudgetInputs {
  limitBytes: number;
  /** Charged before any inference thread started: runtime, tables, gRPC server. */
  baseBytes: number;
  /** Each inference thread: its isolate, weights, the TF.js heap its warm-up grew, its malloc arena. */
  perThreadBytes: number;
  threads: number;
}

/**
 * Memory a host has for requests: its limit less LIMIT_HEADROOM, what is on the
 * way in (RECEIVE_RESERVE_BYTES), the base and every thread; Infinity without a limit.
 */
export function requestMemory(i: BudgetInputs): number {
  if (!Number.isFinite(i.limitBytes)) return Infinity;
  return Math.max(
    0,
    i.limitBytes * (1 - LIMIT_HEADROOM) - RECEIVE_RESERVE_BYTES - i.baseBytes - i.threads * i.perThreadBytes,
  );
}

/**
 * Request bytes a host may hold in flight (queued and running): IN_FLIGHT_SHARE of
 * its requestMemory, over BYTES_PER_REQUEST_BYTE.
 */
export function requestBudget(i: BudgetInputs): number {
  return Math.floor((requestMemory(i) * IN_FLIGHT_SHARE) / BYTES_PER_REQUEST_BYTE);
}

/**
 * Bytes of garbage buffers (received requests answered, shed or refused, and the
 * chunks they were joined from) the host lets build up before it collects: the rest
 * of its requestMemory, at least MIN_GARBAGE_BYTES; Infinity without a limit (V8
 * decides alone).
 */
export function garbageBudget(i: BudgetInputs): number {
  const m = requestMemory(i);
  if (!Number.isFinite(m)) return Infinity;
  return Math.floor(Math.max(MIN_GARBAGE_BYTES, m * (1 - IN_FLIGHT_SHARE)));
}

export interface MemoryBudgetOptions {
  /** Told the figures whenever they change (for the log). */
  onChange?: (figures: { limitBytes: number; baseBytes: number; perThreadBytes: number }) => void;
  /** A full garbage collection: forceGc() in the host. */
  collect?: () => void;
  /** Bytes of ArrayBuffers the process holds, live or garbage: process.memoryUsage().arrayBuffers. */
  buffers?: () => number;
  /** How often the limit is re-read, ms. */
  refreshMs?: number;
}

/**
 * The host's memory as admission sees it. The base is measured once, before the
 * first inference thread starts; each thread's share as the first threads become
 * ready (what they added since the base, less what requests in flight hold, over
 * the ready ones: an overestimate while others still load, corrected when the last
 * is ready), then kept for threads added later. The limit is re-read now and then:
 * the agent changes it in place. It also collects the garbage received requests
 * leave before it outgrows its share (received()).
 */
export class MemoryBudget {
  #limit = Infinity;
  #base: number | undefined;
  #perThread = 0;
  #readAt = 0;
  /** ArrayBuffers held when idle (the threads' request slots among them): not garbage. */
  #buffersBase = 0;
  #sinceCheck = 0;
  #collections = 0;
  readonly #onChange: NonNullable<MemoryBudgetOptions['onChange']>;
  readonly #collect: () => void;
  readonly #buffers: () => number;
  readonly #refreshMs: number;

  constructor(
    private readonly source: MemorySource,
    opts: MemoryBudgetOptions = {},
  ) {
    this.#onChange = opts.onChange ?? (() => {});
    this.#collect = opts.collect ?? (() => {});
    this.#buffers = opts.buffers ?? (() => process.memoryUsage().arrayBuffers);
    this.#refreshMs = opts.refreshMs ?? 1_000;
  }

  /** Garbage collections forced so far. */
  get collections(): number {
    return this.#collections;
  }

  get limitBytes(): number {
    return this.#limit;
  }

  get perThreadBytes(): number {
    return this.#perThread;
  }

  /** Call before the first inference thread starts. */
  measureBase(): void {
    const r = this.#read();
    if (r) this.#base = r.usedBytes;
    this.#buffersBase = this.#buffers();
    this.#changed();
  }

  /** `ready` threads have loaded and warmed up; requests of `inFlightBytes` are queued or running. */
  measureThreads(ready: number, inFlightBytes = 0): void {
    const r = this.#read();
    if (!r || this.#base === undefined || ready < 1) return;
    this.#perThread = Math.max(0, (r.usedBytes - this.#base - inFlightBytes * BYTES_PER_REQUEST_BYTE) / ready);
    this.#buffersBase = this.#buffers() - inFlightBytes;
    this.#changed();
  }

  /** Request bytes the host may hold in flight with `threads` threads (requestBudget). */
  bytesFor(threads: number, now = Date.now()): number {
    this.#refresh(now);
    return requestBudget({
      limitBytes: this.#limit,
      baseBytes: this.#base ?? 0,
      perThreadBytes: this.#perThread,
      threads,
    });
  }

  #refresh(now: number): void {
    if (now - this.#readAt < this.#refreshMs) return;
    const before = this.#limit;
    this.#read(now);
    if (this.#limit !== before) this.#changed();
  }

  /**
   * A request of `bytes` was received (admitted or not), with `threads` threads and
   * `inFlightBytes` of requests queued or running. Every GARBAGE_CHECK_BYTES the host
   * looks at the buffers it holds: beyond the idle ones and those in flight they are
   * garbage, and past garbageBudget it collects. Why: a received message is memory
   * outside V8's heap, which V8 collects only once ~64 MB more of it built up since
   * its last collection, and later still for requests that sat in the queue long
   * enough to reach the old generation. A host whose limit leaves less than that was
   * OOM-killed by garbage while admission held it to 13 MiB of requests (rmc1, 200 MiB
   * limit, 147 MiB idle: RSS grew 54 MiB in a burst). Looking first, rather than
   * collecting after so many bytes, leaves alone a host where V8 keeps up by itself.
   */
  received(bytes: number, threads: number, inFlightBytes: number, now = Date.now()): void {
    this.#sinceCheck += bytes;
    if (this.#sinceCheck < GARBAGE_CHECK_BYTES) return;
    this.#sinceCheck = 0;
    this.#refresh(now);
    const budget = garbageBudget({
      limitBytes: this.#limit,
      baseBytes: this.#base ?? 0,
      perThreadBytes: this.#perThread,
      threads,
    });
    if (!Number.isFinite(budget) || this.#buffers() - this.#buffersBase - inFlightBytes < budget) return;
    this.#collections++;
    this.#collect();
  }

  /** What a refusal says about the bound: "what the tenant's 200.0 MiB memory limit leaves after …". */
  describe(threads: number): string {
    return `what the tenant's ${sizeText(this.#limit)} memory limit leaves after ${sizeText(this.#base ?? 0)} for the model and ${sizeText(threads * this.#perThread)} for ${threads} inference thread${threads === 1 ? '' : 's'}`;
  }

  #read(now = Date.now()): MemoryReading | undefined {
    this.#readAt = now;
    const r = this.source();
    this.#limit = r?.limitBytes ?? Infinity;
    return r;
  }

  #changed(): void {
    this.#onChange({ limitBytes: this.#limit, baseBytes: this.#base ?? 0, perThreadBytes: this.#perThread });
  }
}

/**
 * A synchronous full garbage collection, for MemoryBudget. V8 offers one only with
 * --expose-gc; set here so the host needs no extra command-line flag.
 */
export function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => gc();
}

/** "6.8 MiB", or "48 KiB" below a MiB. */
export function sizeText(bytes: number): string {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** v1 writes "no limit" as the largest page-aligned counter (2^63 − 4096); anything that large is none. */
const NO_LIMIT = 2 ** 60;

/**
 * The memory cgroup this process is in, v2 or v1, read from `root` (the cgroup
 * mount) and /proc/self/cgroup. Only reads: the agent created the group and moved
 * us into it.
 */
export function cgroupMemory(root = '/sys/fs/cgroup', procSelf = '/proc/self/cgroup'): MemorySource {
  return () => {
    let self: ReturnType<typeof parseProcCgroup>;
    try {
      self = parseProcCgroup(readFileSync(procSelf, 'utf8'));
    } catch {
      return undefined; // not Linux
    }
    if (existsSync(join(root, 'cgroup.controllers'))) {
      const dir = join(root, self.unified ?? '/');
      const current = readNumber(join(dir, 'memory.current'));
      if (current === undefined) return undefined;
      // memory.max holds only the group's own limit: an ancestor's may be lower.
      let limit = Infinity;
      for (let d = dir; d.startsWith(root) && d.length > root.length; d = dirname(d))
        limit = Math.min(limit, readNumber(join(d, 'memory.max')) ?? Infinity);
      return {
        limitBytes: limit,
        usedBytes: Math.max(0, current - statValue(join(dir, 'memory.stat'), 'inactive_file')),
      };
    }
    if (self.memory === undefined) return undefined;
    const dir = join(root, 'memory', self.memory);
    const usage = readNumber(join(dir, 'memory.usage_in_bytes'));
    if (usage === undefined) return undefined;
    const stat = join(dir, 'memory.stat');
    const limit = statValue(stat, 'hierarchical_memory_limit');
    return {
      limitBytes: limit > 0 && limit < NO_LIMIT ? limit : Infinity,
      usedBytes: Math.max(0, usage - statValue(stat, 'total_inactive_file')),
    };
  };
}

function readNumber(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (text === 'max') return Infinity;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) return undefined;
  return n < NO_LIMIT ? n : Infinity;
}

/** A "key value" line of memory.stat; 0 when absent. */
function statValue(path: string, key: string): number {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 0;
  }
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
