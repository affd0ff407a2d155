import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@hera/logger';
import { DEFAULT_JOB_OPTIONS, replanJobId, type ReplanJobData } from '@hera/queues';
import type { Keyspace } from '@hera/state';
import type { NodeAgent } from './node-agent';

/** Consecutive windows over SLA before we ask for more capacity. */
const STRIKES = 3;
/** Fewer samples than this in a window say nothing about a p95. */
const MIN_SAMPLES = 50;

/**
 * Watches each tenant's p95 over the sliding window against its model's SLA and,
 * after STRIKES windows in a row over it, asks placement to re-plan (a BullMQ
 * `replan` job with reason `sla-risk`) — the node cannot keep that tenant within
 * SLA with what it has. The job id names node, model and plan version, so the
 * request is made once per plan.
 */
export class SlaWatch {
  #timer: NodeJS.Timeout | undefined;
  readonly #strikes = new Map<string, number>();

  constructor(
    private readonly agent: NodeAgent,
    private readonly queue: Queue<ReplanJobData>,
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.check(), intervalMs);
    this.#timer.unref();
  }

  async check(): Promise<void> {
    for (const t of this.agent.tenants()) {
      const model = t.allocation.model;
      const sla = this.agent.slaMs(model);
      const s = t.stats;
      const over = t.state === 'serving' && sla !== undefined && s !== undefined && s.count >= MIN_SAMPLES && s.p95Ms > sla;
      const strikes = over ? (this.#strikes.get(model) ?? 0) + 1 : 0;
      this.#strikes.set(model, strikes);
      if (strikes !== STRIKES) continue;
      try {
        const version = Number((await this.redis.get(this.keys.planVersion())) ?? 0);
        const data: ReplanJobData = { reason: { kind: 'sla-risk', nodeId: this.nodeId, model, p95Ms: s!.p95Ms, slaMs: sla! }, seenVersion: version };
        await this.queue.add('sla-risk', data, { ...DEFAULT_JOB_OPTIONS, jobId: replanJobId(data.reason, version) });
        this.log.warn({ model, p95Ms: s!.p95Ms, slaMs: sla }, 'tenant over its SLA for three windows; asked placement to re-plan');
      } catch (err) {
        this.log.warn({ err, model }, 'cannot report the SLA risk');
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
