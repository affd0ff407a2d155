import type { ModelProfile } from './profile';

/*
 * THE memory model of a tenant host (one process per model on a node: its tables once, one
 * inference thread per worker) — the one place its constants and formulas live. Placement
 * derives a registered model's needs with it, allocations and the planner's overcommit turn
 * needs into cgroup limits with it, and the node agent's manager sizes added workers with it.
 * Each constant says where it comes from. The bounds a host holds requests within under load
 * (old space, connection window, queue) are set where they are enforced and passed in.
 */

const MiB = 2 ** 20;

/**
 * Measured: the cgroup's max_usage of an idle ncf host (tables ≈ 0) with two inference
 * threads, 79 MiB.
 */
export const HOST_IDLE_BYTES = 80 * MiB;

/**
 * Measured: an inference thread's isolate and TF.js runtime, ≈ 16 MiB, from hosts of wnd, rmc3
 * and mtwnd that were OOM-killed at smaller limits.
 */
export const THREAD_RUNTIME_BYTES = 16 * MiB;

/**
 * Measured: a thread's copy of the dense weights peaks at about four times their size while it
 * loads them (file buffer, JS arrays, WebAssembly heap, tensors), from the same OOM-killed hosts.
 */
export const WEIGHT_PEAK_FACTOR = 4;

/**
 * Assumed: a cgroup limit at exactly the profiled need OOM-kills on the first spike, so a
 * tenant's limit is its need × this (allocations scale the extra down where the node is short).
 */
export const MEMORY_HEADROOM = 1.25;

/** Bytes of one float32 or int32 in a request slot. */
const ELEMENT_BYTES = 4;

/** What a tenant host may hold of requests under load, each from the one place it is set. */
export interface HostLoadBounds {
  /** V8's old space before its first mark-compact (the payload tuning): received requests live there. */
  oldSpaceBytes: number;
  /** Requests one connection may have in flight to the host (the gRPC connection window). */
  connectionWindowBytes: number;
  /** Request bytes the host queues at most (the worker's queue bound). */
  queueBytes: number;
}

/**
 * Derived: a tenant host's memory besides its tables and threads, under load. Idle, plus the
 * received requests V8 keeps until its first old-space collection, a connection window in
 * flight and a full queue: an rmc1 host given only the idle figure + tables was OOM-killed at
 * 60 qps through the gateway (its cgroup peaked at the 174 MiB limit, failcnt 329).
 */
export function hostOverheadBytes(load: HostLoadBounds): number {
  return HOST_IDLE_BYTES + load.oldSpaceBytes + load.connectionWindowBytes + load.queueBytes;
}

/**
 * Derived: an inference thread's shared-memory request slot for up to `maxItems` items — dense
 * float32 and int32 ids per item in, one float32 score per item out (the layout is
 * services/worker/src/host/slot-layout.ts; its test checks the two agree).
 */
export function requestSlotBytes(maxItems: number, denseDim: number, idsPerItem: number): number {
  return maxItems * (denseDim + idsPerItem + 1) * ELEMENT_BYTES;
}

/** Derived: one inference thread at its peak: weights while loading, runtime, request slot. */
export function threadMemoryBytes(weightBytes: number, slotBytes: number): number {
  return WEIGHT_PEAK_FACTOR * weightBytes + THREAD_RUNTIME_BYTES + slotBytes;
}

/** Memory a tenant of this model with `workers` workers needs on one node (0 without workers). */
export function tenantMemoryBytes(profile: ModelProfile, workers: number): number {
  return workers > 0 ? profile.memoryPerHostBytes + workers * profile.memoryPerWorkerBytes : 0;
}

/** A tenant's cgroup limit for a need, with the full headroom. */
export function limitWithHeadroom(needBytes: number): number {
  return Math.ceil(needBytes * MEMORY_HEADROOM);
}

/**
 * A tenant overcommitted onto a node the plan had no room for: at most one worker per core of
 * the node, and its need at those workers with the full headroom (no scaling to the node: it is
 * overcommitted on purpose).
 */
export function overcommittedTenant(
  profile: ModelProfile,
  workers: number,
  cores: number,
): { workers: number; memoryLimitBytes: number } {
  const w = Math.min(workers, cores);
  return { workers: w, memoryLimitBytes: limitWithHeadroom(tenantMemoryBytes(profile, w)) };
}

/**
 * Two entries of one model on one node run as one host: workers add up to the node's cores,
 * and the limit is the larger of the two (the tables load once; the second entry's workers are
 * not added to it).
 */
export function mergeTenants(
  a: { workers: number; memoryLimitBytes: number },
  b: { workers: number; memoryLimitBytes: number },
  cores: number,
): { workers: number; memoryLimitBytes: number } {
  return {
    workers: Math.min(a.workers + b.workers, cores),
    memoryLimitBytes: Math.max(a.memoryLimitBytes, b.memoryLimitBytes),
  };
}
