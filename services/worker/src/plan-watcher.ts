import type { RedisClient } from '@hera/state';
import type { Logger } from '@hera/logger';
import type { TenantAllocation } from '@hera/proto';
import { createSubscriber, isNewerPlan, PlanStore, PlanView, type Keyspace, type PlanStamp } from '@hera/state';

/** Safety re-read of the plan key, for a plan whose message this node missed (its link to Redis was down). */
const RESYNC_MS = 5_000;

/**
 * Follows the applied plan: reads it at start, on every message on the plan
 * channel, when the subscription reconnects and every `resyncMs`, and hands this
 * node's tenants to `apply` for each later plan (PlanView): a plan key that is
 * missing or unreadable (Redis restarted without its data, or is down) or holds an
 * earlier plan (restored from an older snapshot) leaves the tenants as they are.
 * Reconciles run one at a time; a burst of changes collapses into one more run
 * with the newest plan. A failed apply is tried again on the next read.
 */
export class PlanWatcher {
  #sub: RedisClient | undefined;
  #running: Promise<void> = Promise.resolve();
  #pending = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #view: PlanView;
  /** The plan whose tenants were applied last. */
  #applied: PlanStamp | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly nodeId: string,
    private readonly apply: (tenants: TenantAllocation[], version: number) => Promise<void>,
    private readonly log: Logger,
    private readonly resyncMs = RESYNC_MS,
  ) {
    this.#view = new PlanView(new PlanStore(redis, keys));
  }

  async start(): Promise<void> {
    this.#sub = createSubscriber(this.redis, err => this.log.warn({ err: err.message }, 'plan subscription error'));
    await this.#sub.subscribe(this.keys.planChannel());
    this.#sub.on('message', () => this.poke());
    // Messages sent while the subscription was down are lost: re-read once it is back.
    this.#sub.on('ready', () => this.poke());
    this.#timer = setInterval(() => this.poke(), this.resyncMs);
    this.#timer.unref();
    this.poke();
    await this.#running;
  }

  /** Schedules a reconcile against the current plan. */
  poke(): void {
    if (this.#pending) return;
    this.#pending = true;
    this.#running = this.#running.then(async () => {
      this.#pending = false;
      try {
        const seen = await this.#view.sync();
        if (seen === 'missing' || seen === 'older')
          this.log.debug({ seen, version: Number(this.#view.current?.version ?? 0) }, 'keeping the last-known plan');
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'cannot read the plan; keeping the tenants as they are');
        return;
      }
      const plan = this.#view.current;
      if (!plan || !isNewerPlan(plan, this.#applied)) return;
      const version = Number(plan.version ?? 0);
      const tenants = (plan.nodes ?? []).filter(n => n.nodeId === this.nodeId).flatMap(n => n.tenants ?? []);
      try {
        this.log.info({ version, tenants: tenants.map(t => `${t.model}×${t.workers}`) }, 'applying plan');
        await this.apply(tenants, version);
        this.#applied = plan;
      } catch (err) {
        this.log.error({ err }, 'cannot apply plan');
      }
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sub?.quit().catch(() => undefined);
    await this.#running;
  }
}
