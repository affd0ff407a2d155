/**
 * Runtime settings for processes that move large payloads (gateways, tenant hosts,
 * load generators): one place for both facts below.
 *
 * glibc malloc: by default glibc serves every allocation over 128 KiB with a fresh
 * mmap and unmaps it on free, so each 200 KB request buffer faults its pages in
 * again; on the VMs we measured a first touch costs ~5 µs a page, more than copying
 * the bytes. Raising the thresholds keeps freed memory in the heap for reuse
 * (measured: 800 KB gRPC echo, server CPU 1.40 → 1.20 ms per call). Applied only
 * where the variable is not already set.
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

/**
 * V8 flags for such processes (command-line only: Node refuses them in NODE_OPTIONS).
 * Each received message is an ArrayBuffer outside V8's heap, and V8 counts those
 * toward the old generation's limit, which starts small: a tenant host taking 525 KB
 * rmc2 requests ran a full mark-compact every ~120 ms (mutator utilisation 0.87).
 * A 64 MB starting limit let the same run do one (host CPU per request 2.5 → 1.6 ms;
 * RSS unchanged, as the buffers die young). It is where the limit starts, not a
 * reservation, and it applies to every isolate in the process.
 */
export const INITIAL_OLD_SPACE_MIB = 64;

/**
 * Request bytes a tenant host keeps queued before it answers RESOURCE_EXHAUSTED
 * (TENANT_QUEUE_BYTES): with a limit in sub-batches alone, an overloaded rmc2 host (2.7 MB a
 * query) queued past its cgroup's memory limit and was OOM-killed three times in a minute.
 * Placement counts it in every host's memory. 32 MiB is ~12 rmc2 or ~60 rmc1 queries: more
 * queue than that would not finish within their SLAs anyway.
 */
export const TENANT_QUEUE_BYTES = 32 * 1024 * 1024;
export const PAYLOAD_NODE_FLAGS: readonly string[] = Object.freeze([
  `--initial-old-space-size=${INITIAL_OLD_SPACE_MIB}`,
]);

/**
 * The gateway's start, higher: it copies each request about three times (gRPC's reassembly,
 * the sub-batch messages, their framing), and those buffers count toward the same limit, so
 * with 64 MB an rmc2 stream (2.7 MB a query) ran a full mark-compact every ~7 queries, and
 * tracing's ~9 MB of extra live heap (the SDK, its instrumentations, spans awaiting export)
 * shrank the headroom enough to double that: 19 → 31 majors over the same 143 queries,
 * +3–7 ms of gateway CPU a query (services/gateway/README.md, "What tracing costs"). With 128 MB
 * both made 6. The
 * gateway runs in no tenant's cgroup; its RSS under that load was ~220 MB.
 */
export const GATEWAY_INITIAL_OLD_SPACE_MIB = 128;

const GATEWAY_NODE_FLAGS: readonly string[] = Object.freeze([
  `--initial-old-space-size=${GATEWAY_INITIAL_OLD_SPACE_MIB}`,
]);

/** The V8 flags a service's process runs with: the gateway's own start, PAYLOAD_NODE_FLAGS for the others. */
export function payloadNodeFlags(service: string): readonly string[] {
  return service === 'gateway' ? GATEWAY_NODE_FLAGS : PAYLOAD_NODE_FLAGS;
}
