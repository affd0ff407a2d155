import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type JobsOptions, type QueueOptions } from 'bullmq';
import type { Keyspace } from '@hera/state';
import type { TracedJobData } from './trace';

export { tracedProcessor, withTraceContext } from './trace';
export type { TracedJobData } from './trace';

/**
 * BullMQ queues: control-plane work only. A BullMQ round trip is ~1.4 ms, so
 * nothing here may sit on the query path.
 */
export const QUEUES = {
  /** Measure a model's (or a pair's) worker scalability on a node. Consumer: profiler. */
  profile: 'profile',
  /** Recompute and apply the plan. Consumer: placement. */
  replan: 'replan',
  /** Roll a model out to another version, make-before-break. Consumer: placement. */
  rollout: 'rollout',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface ProfileJobData extends TracedJobData {
  model: string;
  pairModel?: string;
  /**
   * Splits of a pair job; `predictedQpsA/B` (from the pair selection) start the search at the
   * predictor's common fraction instead of 1.
   */
  splits?: { workersA: number; workersB: number; predictedQpsA?: number; predictedQpsB?: number }[];
  nodeId?: string;
  workerCounts?: number[];
  subBatchSizes?: number[];
  quick?: boolean;
  /** Measure against SLA × this (default 1). */
  slaFactor?: number;
  /**
   * The path the load takes: straight to the tenant host over InferStream (absent: the node's
   * own cost), or through the cluster's gateway (`gateway`: the whole serving path, for a node
   * that also runs the gateway, as a one-machine cluster does).
   */
  via?: 'gateway';
}

/**
 * The job id of a profile job: a hash of what it measures, so the same request while one is
 * queued or running is that job (the profiler's StartProfile and the registry's automatic quick
 * profile share it). The trace context joins the data after the id is taken.
 */
export function profileJobId(data: ProfileJobData): string {
  return `p-${createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16)}`;
}

export type ReplanReason =
  | { kind: 'node-joined'; nodeId: string }
  | { kind: 'node-left'; nodeId: string }
  | { kind: 'sla-risk'; nodeId: string; model: string; p95Ms: number; slaMs: number }
  | { kind: 'demand-changed' }
  | { kind: 'manual' };

export interface ReplanJobData extends TracedJobData {
  reason: ReplanReason;
  /** Plan version the requester saw; the job is a no-op if the plan moved past it. */
  seenVersion: number;
}

/**
 * The job id of a re-plan request: the event and the plan version it saw, so the
 * same event against the same plan is one job however often it is reported.
 * ("/" separates: BullMQ refuses most ids with ":".)
 */
export function replanJobId(reason: ReplanReason, seenVersion: number): string {
  const parts: string[] = [reason.kind];
  if ('nodeId' in reason) parts.push(reason.nodeId);
  if (reason.kind === 'sla-risk') parts.push(reason.model);
  parts.push(`v${seenVersion}`);
  return parts.join('/');
}

/** A version rollout (PlacementService.StartRollout). */
export interface RolloutJobData extends TracedJobData {
  model: string;
  /** The version to serve. */
  version: string;
  /** The version served when the rollout was asked for: what a failed rollout restores. */
  fromVersion: string;
}

/** Progress a rollout job reports (job.updateProgress), read by GetRollout. */
export interface RolloutProgress {
  phase: 'checking' | 'planning' | 'switching' | 'done' | 'rolling-back' | 'rolled-back';
  tenants: number;
  tenantsDone: number;
}

/**
 * A rollout's job id: model and version plus a stamp, so rolling back and forth between
 * two versions makes new jobs (BullMQ keeps finished ids); StartRollout finds a running
 * rollout of the model before it adds one.
 */
export function rolloutJobId(model: string, version: string, now = Date.now()): string {
  return `${model}/${version}/${now.toString(36)}`;
}

export interface JobTypes {
  profile: ProfileJobData;
  replan: ReplanJobData;
  rollout: RolloutJobData;
}

/** Retries with backoff for transient failures; permanent ones throw UnrecoverableError. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 1_000 },
};

export function queueOptions(keys: Keyspace, connection: ConnectionOptions): QueueOptions {
  return { connection, prefix: keys.bullPrefix(), defaultJobOptions: DEFAULT_JOB_OPTIONS };
}

/** Opens a typed producer for one of our queues. */
export function openQueue<N extends QueueName>(
  name: N,
  keys: Keyspace,
  connection: ConnectionOptions,
): Queue<JobTypes[N]> {
  return new Queue<JobTypes[N]>(name, queueOptions(keys, connection));
}
