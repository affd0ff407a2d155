import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { RedisClient } from '@hera/state';
import { isHeraError } from '@hera/errors';
import type { Logger } from '@hera/logger';
import {
  DEFAULT_JOB_OPTIONS,
  QUEUES,
  queueOptions,
  replanJobId,
  tracedProcessor,
  withTraceContext,
  type ReplanJobData,
  type ReplanReason,
} from '@hera/queues';
import { createSubscriber, listLive, parseNodeEvent, PlanStore, type Keyspace } from '@hera/state';
import type { Planner } from './planner';

/**
 * Re-planning as BullMQ jobs (control plane only): when a node joins or leaves
 * (announced, or found by its heartbeat expiring) or a worker reports a tenant it
 * cannot keep within SLA. Jobs are idempotent — each recomputes from the current
 * state and Apply writes a new version only when the placement changes — and
 * deduplicated by id, so a burst of events re-plans once. Nothing re-plans
 * before a first plan was applied by someone.
 */
export class Replanner {
  #worker: Worker<ReplanJobData> | undefined;
  #sub: RedisClient | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #known = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly queue: Queue<ReplanJobData>,
    private readonly planner: Planner,
    private readonly opts: { connection: ConnectionOptions; sweepMs: number; delayMs: number },
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.#worker = new Worker<ReplanJobData>(
      QUEUES.replan,
      tracedProcessor(QUEUES.replan, job => this.#run(job)),
      {
        ...queueOptions(this.keys, this.opts.connection),
        concurrency: 1,
      },
    );
    this.#worker.on('error', err => this.log.warn({ err }, 'replan worker error'));
    this.#worker.on('failed', (job, err) => this.log.warn({ job: job?.id, err: err.message }, 'replan job failed'));
    this.#sub = createSubscriber(this.redis, err =>
      this.log.warn({ err: err.message }, 'node event subscription error'),
    );
    await this.#sub.subscribe(this.keys.nodeChannel());
    this.#sub.on('message', (_ch, msg) => {
      const e = parseNodeEvent(msg);
      if ('error' in e) this.log.warn({ msg, why: e.error }, 'unreadable node event');
      else if (e.event === 'joined') void this.request({ kind: 'node-joined', nodeId: e.node });
      else if (e.event === 'left') void this.request({ kind: 'node-left', nodeId: e.node });
    });
    this.#known = new Set(
      (await listLive(this.redis, this.keys.nodes(), m => this.keys.node(m))).live.map(
        n => (n as { nodeId: string }).nodeId,
      ),
    );
    this.#sweep = setInterval(() => void this.#sweepNodes(), this.opts.sweepMs);
    this.#sweep.unref();
  }

  /** Queues a re-plan for `reason`, unless no plan was ever applied. */
  async request(reason: ReplanReason): Promise<void> {
    try {
      const version = await new PlanStore(this.redis, this.keys).version();
      if (version === 0 && reason.kind !== 'manual') return;
      // Same event against the same plan version → same job id → one job.
      await this.queue.add(reason.kind, withTraceContext<ReplanJobData>({ reason, seenVersion: version }), {
        ...DEFAULT_JOB_OPTIONS,
        jobId: replanJobId(reason, version),
        delay: this.opts.delayMs,
      });
      this.log.info({ reason, seenVersion: version }, 're-plan requested');
    } catch (err) {
      this.log.warn({ err, reason }, 'cannot queue a re-plan');
    }
  }

  /** Finds nodes whose records expired (died without saying goodbye) and new ones we missed. */
  async #sweepNodes(): Promise<void> {
    try {
      const { live, expired } = await listLive<{ nodeId: string }>(this.redis, this.keys.nodes(), m =>
        this.keys.node(m),
      );
      const now = new Set(live.map(n => n.nodeId));
      for (const id of expired) if (this.#known.has(id)) await this.request({ kind: 'node-left', nodeId: id });
      for (const id of this.#known)
        if (!now.has(id) && !expired.includes(id)) await this.request({ kind: 'node-left', nodeId: id });
      for (const id of now) if (!this.#known.has(id)) await this.request({ kind: 'node-joined', nodeId: id });
      this.#known = now;
    } catch (err) {
      this.log.warn({ err }, 'node sweep failed');
    }
  }

  async #run(job: Job<ReplanJobData>): Promise<{ version: number; changed: boolean }> {
    try {
      const { plan, changed } = await this.planner.apply();
      this.log.info({ job: job.id, reason: job.data.reason, version: plan.version, changed }, 're-planned');
      return { version: Number(plan.version), changed };
    } catch (err) {
      // A demand that cannot be met, missing profiles or models will not fix themselves by
      // retrying; a busy solver (OVERLOADED) or a solve past its budget may, with the backoff.
      if (isHeraError(err, 'PRECONDITION') || isHeraError(err, 'INVALID_ARGUMENT') || isHeraError(err, 'NOT_FOUND'))
        throw new UnrecoverableError((err as Error).message);
      throw err;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    await this.#sub?.quit().catch(() => undefined);
    await this.#worker?.close();
  }
}
