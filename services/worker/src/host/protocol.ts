/**
 * Messages between the node agent and a tenant's host process (Node IPC channel).
 * The agent starts the host, moves it into the tenant's cgroup, then sends
 * `start`: tables are allocated only after the move, so the memory is charged to
 * the tenant's cgroup (v1 charges pages where they were first touched).
 */
export interface StartMessage {
  type: 'start';
  model: string;
  version: string;
  repo: string;
  workers: number;
  subBatchSize: number;
  queueLimit: number;
  /** Request bytes queued at most (TENANT_QUEUE_BYTES). */
  queueBytes: number;
  /** Each new inference thread scores back to back this long before taking work. */
  warmupMs: number;
  /** Shed at once what would finish after its deadline. */
  shedPredictedLate: boolean;
  /** Where the host's own WorkerService listens (Infer for this tenant). */
  host: string;
  port: number;
  statsWindowMs: number;
  statsIntervalMs: number;
  backend?: string;
}

export type AgentToHost =
  | StartMessage
  | { type: 'set-workers'; workers: number }
  /** Split requests into jobs of at most this many items from now on. */
  | { type: 'set-sub-batch'; subBatchSize: number }
  /** Stop taking requests, finish the queue, exit 0. */
  | { type: 'drain'; graceMs: number };

export interface TenantStats {
  /** Sliding-window latency (queue + compute) of answered requests, ms. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  count: number;
  servedQps: number;
  itemsPerS: number;
  queueDepth: number;
  /** Worker threads that have loaded the model and take work. */
  workersReady: number;
  errors: Record<string, number>;
  rssBytes: number;
}

export type HostToAgent =
  | { type: 'listening'; port: number }
  | { type: 'ready'; version: string; backend: string; tableBytes: number; subBatchSize: number }
  | { type: 'stats'; stats: TenantStats }
  | { type: 'fatal'; message: string };
