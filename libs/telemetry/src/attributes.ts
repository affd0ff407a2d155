/** Span attribute names of our own, in one place (like BullMQ's telemetry enum). */
export const ATTR = {
  MODEL: 'hera.model',
  MODEL_VERSION: 'hera.model.version',
  ITEMS: 'hera.items',
  SUB_BATCHES: 'hera.sub_batches',
  /** The tenant's sub-batch size: the most items one inference thread scores at once. */
  SUB_BATCH_SIZE: 'hera.sub_batch_size',
  NODE: 'hera.node',
  TENANT_WORKERS: 'hera.tenant.workers',
  /** Time a request (or one part of it) waited in the tenant's queue, µs. */
  QUEUE_US: 'hera.queue_us',
  /** Time the inference call took on its thread, µs. */
  COMPUTE_US: 'hera.compute_us',
  /** Which of the tenant's inference threads ran it (a stable number per thread, from 1). */
  THREAD: 'hera.thread',
  /** The caller's request id (RankRequest.request_id, ModelInferRequest.id, InferRequest.request_id). */
  REQUEST_ID: 'hera.request_id',
  PLAN_VERSION: 'hera.plan.version',
  JOB_ID: 'hera.job.id',
  JOB_ATTEMPT: 'hera.job.attempt',
} as const;
