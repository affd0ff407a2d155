/** Span attribute names of our own, in one place (like BullMQ's telemetry enum). */
export const ATTR = {
  MODEL: 'hera.model',
  MODEL_VERSION: 'hera.model.version',
  ITEMS: 'hera.items',
  SUB_BATCHES: 'hera.sub_batches',
  NODE: 'hera.node',
  TENANT_WORKERS: 'hera.tenant.workers',
  QUEUE_US: 'hera.queue_us',
  PLAN_VERSION: 'hera.plan.version',
  JOB_ID: 'hera.job.id',
} as const;
