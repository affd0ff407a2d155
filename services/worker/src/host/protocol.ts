import type { MetricsJson } from '@hera/metrics';
import type { ServerTraceWire } from '@hera/grpc';

/**
 * Messages between the node agent and a tenant's host process, one JSON object per
 * line over the host's control socket (a Unix domain socket in the node's state
 * directory, HERA_HOST_SOCKET; framing in control-socket.ts). The host listens and
 * the agent connects, so a host outlives its agent: when the connection drops the
 * host keeps serving and waits HERA_HOST_ORPHAN_MS for an agent to connect again
 * (a restarted agent adopts it), then drains and exits.
 *
 * On each connection the host first sends `hello` (who it is, whether it was
 * started, whether it serves). A new host gets `start` after the agent has moved
 * it into the tenant's cgroup: tables are allocated only after the move, so the
 * memory is charged to the tenant's cgroup (v1 charges pages where they were first
 * touched). A second agent connecting while one is connected gets `busy`.
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
  /**
   * A second, shorter window for the node-level resource manager (NODE_MANAGER_WINDOW_MS):
   * it judges each move within seconds, which the status window (10 s) would blur. 0 or
   * absent: none.
   */
  recentWindowMs?: number;
  /**
   * Warm inference threads to keep beyond `workers`, given no work (WorkerPool `standby`):
   * the node manager's moves then add threads at once. 0 or absent: none.
   */
  standbyWorkers?: number;
  backend?: string;
}

export type AgentToHost =
  | StartMessage
  | { type: 'set-workers'; workers: number }
  /** Split requests into jobs of at most this many items from now on. */
  | { type: 'set-sub-batch'; subBatchSize: number }
  /** Stop taking requests, finish the queue, exit 0. */
  | { type: 'drain'; graceMs: number }
  /** The host's Prometheus registry as JSON, for the agent's /metrics; answered by `metrics` with the same id. */
  | { type: 'metrics'; id: number };

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
  /** Warm standby threads (StartMessage.standbyWorkers); absent from hosts without. */
  workersStandby?: number;
  errors: Record<string, number>;
  rssBytes: number;
  /**
   * p95 and count over the short window (StartMessage.recentWindowMs); absent from hosts without
   * one. Requests refused for load or past their deadline count in it as FAILED_REQUEST_MS.
   */
  recent?: { windowMs: number; p95Ms: number; count: number };
}

export interface ReadyMessage {
  type: 'ready';
  version: string;
  backend: string;
  tableBytes: number;
  subBatchSize: number;
}

/** First message on every control connection. */
export interface HelloMessage {
  type: 'hello';
  pid: number;
  /** The host id the agent gave it (HERA_HOST_ID): names its descriptor and socket. */
  id: string;
  /** `start` was received (an adopting agent must not send it again). */
  started: boolean;
  /** Draining after `drain`, SIGTERM or the orphan timeout: it will exit, not to be adopted. */
  draining: boolean;
  /** What `ready` said, once the host serves. */
  ready?: ReadyMessage;
  /** Inference threads asked for and sub-batch size in force (an adopting agent corrects them). */
  workers: number;
  subBatchSize: number;
}

export type HostToAgent =
  | HelloMessage
  | { type: 'busy'; message: string }
  | { type: 'listening'; port: number }
  | ReadyMessage
  | { type: 'stats'; stats: TenantStats }
  /** registry.getMetricsAsJSON() (empty before `start`); prom-client's MetricObjectWithValues[]. */
  | { type: 'metrics'; id: number; metrics: MetricsJson }
  /** Spans of traced requests, recorded as data, for the agent to export (SpanBatch). */
  | { type: 'spans'; spans: ServerTraceWire[] }
  | { type: 'fatal'; message: string };

/** The latency a refused or late request counts as in the short window: past any SLA. */
export const FAILED_REQUEST_MS = 60_000;
