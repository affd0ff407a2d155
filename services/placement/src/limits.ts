/**
 * Bounds on the work one placement request may ask for, in one place: the request checks,
 * PLAN_TIME_LIMIT_MS, the proto comments and the README quote these. Demand per model is bounded
 * in @hera/hera (MAX_DEMAND_QPS, MAX_DEMAND_SERVERS); what a plan lists is bounded here, because
 * a plan names one configuration per server.
 */

/**
 * Most servers one plan may count: the demand's dedicated servers (Σ ⌈QPS / QPSmax⌉ over its
 * models, which Hera never exceeds), or the pinned counts. A plan lists one node entry per
 * server, and Apply writes it to Redis for every node agent and gateway to read, so its size
 * follows from this: 10,000 servers, the largest cluster `hera simulate` models and the work
 * limits of the solve were sized on, are planned in 0.2-0.8 s with at most ~70 MB more memory
 * (measured: README). The matcher alone would go on to a million servers per model;
 * the plan's list of them would not (32,000 servers took 67 s; 320,000 were still being listed
 * after 2 minutes).
 */
export const MAX_PLAN_SERVERS = 10_000;

/**
 * Longest solver time limit a request (PlanRequest.time_limit_ms) or PLAN_TIME_LIMIT_MS may set,
 * and the shortest. The solve's phases do a fixed amount of work and finish well within a few
 * seconds on the shipped sets (SOLVE_WORK_LIMITS in @hera/hera), so a longer limit buys
 * nothing; it would only hold the one solver thread longer.
 */
export const MIN_PLAN_TIME_LIMIT_MS = 10;
export const MAX_PLAN_TIME_LIMIT_MS = 60_000;

/**
 * Solves waiting for the solver thread while one runs; one more is refused with
 * RESOURCE_EXHAUSTED. Each waits at most its caller's deadline. Re-plan jobs queue here too.
 */
export const MAX_WAITING_SOLVES = 4;

/**
 * Heap of the solver thread (V8 old generation, MiB). The largest plan within MAX_PLAN_SERVERS
 * peaks far below it; a solve that needs more ends with RESOURCE_EXHAUSTED and a fresh thread.
 */
export const SOLVER_HEAP_MIB = 512;
