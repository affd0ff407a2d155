/**
 * glibc malloc settings for processes that move large payloads (gateways, tenant
 * hosts, load generators). By default glibc serves every allocation over 128 KiB
 * with a fresh mmap and unmaps it on free, so each 200 KB request buffer faults
 * its pages in again; on the VMs we measured a first touch costs ~5 µs a page,
 * more than copying the bytes. Raising the thresholds keeps freed memory in the
 * heap for reuse (measured: 800 KB gRPC echo, server CPU 1.40 → 1.20 ms per call).
 * Applied only where the variable is not already set.
 */
export const MALLOC_TUNING: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024),
  MALLOC_TOP_PAD_: String(16 * 1024 * 1024),
};

/** `env` with the malloc tuning added where not set. */
export function withMallocTuning(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [k, v] of Object.entries(MALLOC_TUNING)) out[k] ??= v;
  return out;
}
