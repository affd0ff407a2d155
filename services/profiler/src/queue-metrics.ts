import { Gauge, type Registry } from '@hera/metrics';

/** The states BullMQ counts jobs in (Queue.getJobCounts). */
export const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'paused', 'completed', 'failed'] as const;

/**
 * `hera_profiler_jobs{queue,state}`: the queue's jobs by state, counted by BullMQ when
 * scraped (one round trip; BullMQ keeps the counts in sorted sets and lists, so it is
 * cheap). Completed and failed are what BullMQ retains (its removeOnComplete/Fail).
 * A failed count leaves the last values (the scrape still answers).
 */
export function registerQueueMetrics(
  registry: Registry,
  name: string,
  queue: { getJobCounts(...types: string[]): Promise<Record<string, number>> },
): void {
  new Gauge({
    name: 'hera_profiler_jobs',
    help: "Jobs in the profiler's BullMQ queue by state, counted at scrape time",
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      let counts: Record<string, number>;
      try {
        counts = await queue.getJobCounts(...JOB_STATES);
      } catch {
        return;
      }
      for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
    },
  });
}
