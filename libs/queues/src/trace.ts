import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import { ATTR, contextFromCarrier, traceCarrier, type TraceCarrier } from '@hera/telemetry';

/**
 * Job data that may carry the W3C trace context of whatever enqueued it (the RPC
 * that asked for a profile or a re-plan), so that the job's processing, minutes
 * later in another process, joins that trace.
 */
export interface TracedJobData {
  trace?: TraceCarrier;
}

const tracer = trace.getTracer('@hera/queues');

/**
 * `data` with the active span's trace context as `data.trace` (a copy); `data` itself
 * when nothing is traced. Call it when adding a job, after computing anything derived
 * from the data (a job id), which the context must not change.
 */
export function withTraceContext<T extends object>(data: T): T & TracedJobData {
  const carrier = traceCarrier();
  return carrier ? { ...data, trace: carrier } : data;
}

/**
 * A BullMQ processor that runs `fn` under a CONSUMER span, `<queue> process`, whose
 * parent is the context in the job's data (a root span when it has none), with the
 * job's id, name and attempt. A failure is recorded on the span and rethrown for
 * BullMQ (retries, UnrecoverableError) as before.
 */
export function tracedProcessor<T extends TracedJobData, R>(
  queue: string,
  fn: (job: Job<T>, token?: string) => Promise<R>,
): (job: Job<T>, token?: string) => Promise<R> {
  return (job, token) =>
    tracer.startActiveSpan(
      `${queue} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'bullmq',
          'messaging.operation.type': 'process',
          'messaging.destination.name': queue,
          'messaging.message.id': job.id ?? '',
          [ATTR.JOB_ID]: job.id ?? '',
          [ATTR.JOB_ATTEMPT]: job.attemptsMade + 1,
          'hera.job.name': job.name,
        },
      },
      contextFromCarrier(job.data?.trace, ROOT_CONTEXT),
      async span => {
        try {
          return await fn(job, token);
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      },
    );
}
