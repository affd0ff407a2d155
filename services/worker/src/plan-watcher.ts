import type { Redis } from 'ioredis';
import type { Logger } from '@hera/logger';
import type { Plan, TenantAllocation } from '@hera/proto';
import { createSubscriber, type Keyspace } from '@hera/state';

/**
 * Follows the applied plan: reads it at start and again on every message on the
 * plan channel, and hands this node's tenants to `apply`. Reconciles run one at a
 * time; a burst of changes collapses into one more run with the newest plan.
 */
export class PlanWatcher {
  #sub: Redis | undefined;
  #running: Promise<void> = Promise.resolve();
  #pending = false;
  #version = -1;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly nodeId: string,
    private readonly apply: (tenants: TenantAllocation[], version: number) => Promise<void>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.#sub = createSubscriber(this.redis, err => this.log.warn({ err: err.message }, 'plan subscription error'));
    await this.#sub.subscribe(this.keys.planChannel());
    this.#sub.on('message', () => this.poke());
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
        const raw = await this.redis.get(this.keys.plan());
        if (raw === null) return;
        const plan = JSON.parse(raw) as Plan;
        const version = Number(plan.version ?? 0);
        if (version === this.#version) return;
        const tenants = (plan.nodes ?? []).filter(n => n.nodeId === this.nodeId).flatMap(n => n.tenants ?? []);
        this.log.info({ version, tenants: tenants.map(t => `${t.model}×${t.workers}`) }, 'applying plan');
        await this.apply(tenants, version);
        this.#version = version;
      } catch (err) {
        this.log.error({ err }, 'cannot apply plan');
      }
    });
  }

  async stop(): Promise<void> {
    await this.#sub?.quit().catch(() => undefined);
    await this.#running;
  }
}
