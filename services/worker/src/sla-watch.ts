import type { Queue } from 'bullmq';
import type { RedisClient } from '@hera/state';
import type { Logger } from '@hera/logger';
import { DEFAULT_JOB_OPTIONS, replanJobId, withTraceContext, type ReplanJobData } from '@hera/queues';
import { PlanStore, type Keyspace } from '@hera/state';
import type { NodeAgent } from './node-agent';

/** Consecutive windows over SLA before we ask for more capacity. */
const STRIKES = 3;
/** Fewer samples than this in a window say nothing about a p95. */
const MIN_SAMPLES = 50;

/**
 * Watches each tenant's p95 over the sliding window against its model's SLA and,
 * after STRIKES windows in a row over it, asks placement to re-plan (a BullMQ
 * `replan` job with reason `sla-risk`) — the node cannot keep that tenant within
 * SLA with what it has. The node manager asks through the same `requestCapacity`
 * when it has run out of moves. The job id names node, model and plan version, so
 * the request is made once per plan (and only once sent from here).
 */
export class SlaWatch {
  #timer: NodeJS.Timeout | undefined;
  readonly #strikes = new Map<string, number>();
  /** Job ids already added by this agent: each is asked once (BullMQ would ignore the repeat anyway). */
  readonly #asked = new Set<string>();

  constructor(
    private readonly agent: NodeAgent,
    private readonly queue: Queue<ReplanJobData>,
    private readonly redis: RedisClient,
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
      const over =
        t.state === 'serving' && sla !== undefined && s !== undefined && s.count >= MIN_SAMPLES && s.p95Ms > sla;
      const strikes = over ? (this.#strikes.get(model) ?? 0) + 1 : 0;
      this.#strikes.set(model, strikes);
      if (strikes !== STRIKES) continue;
      await this.requestCapacity(model, s!.p95Ms, sla!, 'tenant over its SLA for three windows');
    }
  }

  /**
   * Asks placement for capacity for `model` (a `sla-risk` re-plan job), once per plan
   * version. Returns whether a job was added now. Never throws: a failure is logged.
   */
  async requestCapacity(model: string, p95Ms: number, slaMs: number, why: string): Promise<boolean> {
    try {
      const version = await new PlanStore(this.redis, this.keys).version();
      const data: ReplanJobData = {
        reason: { kind: 'sla-risk', nodeId: this.nodeId, model, p95Ms, slaMs },
        seenVersion: version,
      };
      const jobId = replanJobId(data.reason, version);
      if (this.#asked.has(jobId)) return false;
      await this.queue.add('sla-risk', withTraceContext(data), { ...DEFAULT_JOB_OPTIONS, jobId });
      this.#asked.add(jobId);
      this.log.warn({ model, p95Ms, slaMs, why }, `${why}; asked placement to re-plan`);
      return true;
    } catch (err) {
      this.log.warn({ err, model }, 'cannot report the SLA risk');
      return false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
