/** A node agent as registered in Redis (mirrors hera.worker.v1.NodeInfo). */
export interface NodeRecord {
  nodeId: string;
  /** host:port of its WorkerService. */
  endpoint: string;
  nodeClass: string;
  cores: number;
  memoryBytes: number;
  cgroupMode: 'v2' | 'v1' | 'none';
  backend: string;
  labels: Record<string, string>;
  resctrl: boolean;
  startedAtMs: number;
  /** Updated by every heartbeat. */
  heartbeatAtMs: number;
  /** Tenants running now: model → host:port where the tenant serves Infer (or the agent's endpoint). */
  tenants: Record<
    string,
    {
      endpoint: string;
      workers: number;
      state: string;
      /** Largest job the host gives one thread (absent from older agents). */ subBatchSize?: number;
      /** The model version the host at `endpoint` serves (absent from older agents). */
      version?: string;
      /** A new version starting beside the serving one (make-before-break), until it takes over. */
      pendingVersion?: string;
      /** Replaced hosts still alive (serving out the handoff, then draining). */
      retiring?: number;
      /** The last version that could not start beside the serving one, and why. */
      failedVersion?: string;
      rolloutError?: string;
    }
  >;
}

/** A running service process, for `hera status`. */
export interface ServiceRecord {
  service: 'gateway' | 'placement' | 'profiler' | 'worker';
  instanceId: string;
  endpoint: string;
  pid: number;
  hostname: string;
  version: string;
  startedAtMs: number;
  heartbeatAtMs: number;
  /** Lifecycle state: starting, serving, draining. */
  state: string;
  /** Whether it can do its work now (its grpc.health.v1 status), and why not; absent from older services. */
  readiness?: { ready: boolean; reason: string };
}

/** A model known to the cluster: defined with the model's other descriptions in @hera/model-schema. */
export type { ModelRecord } from '@hera/model-schema';
