import { context } from '@opentelemetry/api';
import { createClient, unaryCall } from '@hera/grpc';
import { HeraError } from '@hera/errors';
import {
  findMaxRate,
  gatewayTarget,
  runLoad,
  workerTarget,
  type LoadSummary,
  type RateStep,
  type Target,
} from '@hera/loadgen';
import { unsampledContext } from '@hera/telemetry';
import { loadProtos, type TenantStatus__Output, type WorkerServiceClient } from '@hera/proto';
import type { ModelRecord, NodeRecord } from '@hera/state';

/** How hard a job measures each point. */
export interface Budget {
  pointMs: number;
  /** A point never runs longer than this, even when `minQueries` at a low rate would want it. */
  maxPointMs: number;
  warmupMs: number;
  minQueries: number;
  precision: number;
  maxSteps: number;
}

export interface Progress {
  point: string;
  rateQps: number;
  p95Ms: number;
}

/** One node agent as the profiler drives it. */
export class NodeDriver {
  readonly client: WorkerServiceClient;

  constructor(
    readonly nodeId: string,
    endpoint: string,
    readonly cores: number,
    private readonly applyTimeoutMs: number,
  ) {
    this.client = createClient(loadProtos().proto.hera.worker.v1.WorkerService, endpoint, {
      defaultDeadlineMs: applyTimeoutMs,
    });
  }

  async tenant(model: string): Promise<TenantStatus__Output | undefined> {
    const s = await unaryCall(this.client, 'GetStatus', {});
    return s.tenants.find(t => t.allocation?.model === model);
  }

  /**
   * The TF.js backend the node's hosts run, for a profile's provenance. The node names one only
   * while a host that has loaded runs, so the record a job reads before starting its tenant on
   * an empty node names none: ask the agent while the measured tenant still serves, and fall
   * back to `recorded` when it cannot say (provenance only: a failed call fails no job).
   */
  async backend(recorded: string): Promise<string> {
    try {
      return (await unaryCall(this.client, 'GetStatus', {})).node?.backend || recorded;
    } catch {
      return recorded;
    }
  }

  /**
   * The backend one tenant's host runs (its own `TenantStatus.backend`: "onnxruntime", or a TF.js
   * backend), which a profile records: not the node's (`backend`), which names its first
   * tenant's. Ask while the tenant serves (a host names one only once it has loaded). '' when
   * the tenant names none: an agent from before tenants reported a backend, which ran TF.js
   * only (what a record without a backend is read as). A failed call fails the job (it resumes
   * from its points): a profile must not record the wrong engine.
   */
  async tenantBackend(model: string): Promise<string> {
    return (await this.tenant(model))?.backend ?? '';
  }

  /** Sets a tenant's allocation and waits until it serves. */
  async apply(model: string, workers: number, cpuset: number[], subBatchSize: number): Promise<TenantStatus__Output> {
    const r = await unaryCall(
      this.client,
      'ApplyAllocation',
      { allocation: { model, workers, cpuset, subBatchSize } },
      { deadlineMs: this.applyTimeoutMs },
    );
    if (r.tenant?.state !== 'serving')
      throw new HeraError('UNAVAILABLE', `tenant ${model} on ${this.nodeId} is ${r.tenant?.state}`);
    return r.tenant;
  }

  /** Puts a tenant back as it was before the job (or removes it if there was none). */
  async restore(model: string, before: TenantStatus__Output | undefined): Promise<void> {
    if (before?.allocation)
      await unaryCall(
        this.client,
        'ApplyAllocation',
        { allocation: before.allocation },
        { deadlineMs: this.applyTimeoutMs },
      );
    else await unaryCall(this.client, 'RemoveTenant', { model });
  }

  close(): void {
    this.client.close();
  }
}

/** What a profiling job does to a node agent (NodeDriver over gRPC in the service). */
export type NodeControl = Pick<NodeDriver, 'tenant' | 'backend' | 'tenantBackend' | 'apply' | 'restore' | 'close'>;

/** Opens the load's way to one tenant: straight to its host, or through the gateway. */
export type OpenTarget = () => Target;

/**
 * How a profiling job reaches the cluster and measures: the node agent it drives, the load's
 * targets, and the measurements (LIVE_LOAD in the service; fakes in unit tests).
 */
export interface LoadDriver {
  node(node: NodeRecord, applyTimeoutMs: number): NodeControl;
  workerTarget: typeof workerTarget;
  gatewayTarget: typeof gatewayTarget;
  loadAt: typeof loadAt;
  searchRate: typeof searchRate;
}

/** Open-loop DeepRecSys load at `rate` along `open`'s path, one measurement. */
export async function loadAt(
  open: OpenTarget,
  m: ModelRecord,
  rate: number,
  budget: Budget,
  seed: number,
  signal?: AbortSignal,
): Promise<LoadSummary> {
  const target = open();
  try {
    const durationMs = Math.min(budget.maxPointMs, Math.max(budget.pointMs, (budget.minQueries / rate) * 1000));
    return await runLoad(target.send, {
      rate,
      seed,
      durationMs,
      warmupMs: budget.warmupMs,
      timeoutMs: 2 * m.slaMs,
      slaMs: m.slaMs,
      maxInFlight: 5_000,
      ...(signal ? { signal } : {}),
    });
  } finally {
    target.close();
  }
}

/**
 * The latency-bounded throughput of one configuration: bracketing then bisection
 * on the offered rate (findMaxRate), each point an open-loop run.
 */
export async function searchRate(
  open: OpenTarget,
  m: ModelRecord,
  start: number,
  budget: Budget,
  onStep: (s: RateStep) => void,
  check: () => Promise<void>,
  signal?: AbortSignal,
): Promise<{ rate: number; p95Ms: number; steps: RateStep[] }> {
  let seed = 1;
  const r = await findMaxRate(
    async rate => {
      await check();
      const s = await loadAt(open, m, rate, budget, seed++, signal);
      await check(); // a run cut short by the signal must not count as a measurement
      return { meetsSla: s.meetsSla ?? false, p95Ms: s.p95Ms, servedQps: s.servedQps };
    },
    { start, precision: budget.precision, maxSteps: budget.maxSteps, floor: 0.05, onStep },
  );
  return { rate: r.rate, p95Ms: r.p95Ms, steps: r.steps };
}

/**
 * A target whose queries are sent in an unsampled context, so that nobody traces them: under
 * the job's span its load would be thousands of spans in the job's trace, and the gateway and
 * hosts follow the unsampled parent and record nothing either.
 */
export function untraced(target: Target): Target {
  const ctx = unsampledContext();
  return {
    send: (items, deadline) => context.with(ctx, () => target.send(items, deadline)),
    close: () => target.close(),
  };
}

/** The real thing: node agents over gRPC, open-loop load over gRPC (untraced). */
export const LIVE_LOAD: LoadDriver = {
  node: (node, applyTimeoutMs) => new NodeDriver(node.nodeId, node.endpoint, node.cores, applyTimeoutMs),
  workerTarget: (...args) => untraced(workerTarget(...args)),
  gatewayTarget: (...args) => untraced(gatewayTarget(...args)),
  loadAt,
  searchRate,
};
