import type { Redis } from 'ioredis';
import type { Keyspace } from './keys';

/** The fields of a plan that tell two plans apart in time (hera.placement.v1.Plan). */
export interface PlanStamp {
  /** uint64 / int64 as the JSON or the proto loader gives them: a number, a decimal string or a Long. */
  version?: unknown;
  createdAtMs?: unknown;
}

/**
 * Whether `candidate` is a later plan than `known`. The version alone cannot tell
 * after Redis restarts: without its data the counter starts again at 1 (a new plan
 * may carry a version already seen), and from an older snapshot the key holds an
 * earlier plan. So a plan is later when its version is higher or it was computed
 * later; one that is neither is an old plan read back, not a change.
 */
export function isNewerPlan(candidate: PlanStamp, known: PlanStamp | undefined): boolean {
  if (!known) return true;
  return Number(candidate.version ?? 0) > Number(known.version ?? 0) || Number(candidate.createdAtMs ?? 0) > Number(known.createdAtMs ?? 0);
}

/** What one read of the plan key found. */
export type PlanSync = 'newer' | 'same' | 'missing' | 'older';

/**
 * The last-known applied plan, as a reader that must not lose it to a Redis hiccup
 * sees it (gateways route by it, node agents run its tenants). A missing key (Redis
 * restarted without its data) or an earlier plan (restored from an older snapshot)
 * leaves the known plan in place; only a later plan replaces it.
 */
export class PlanView<P extends PlanStamp> {
  #current: P | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {}

  /** The plan followed now; undefined until one was read. */
  get current(): P | undefined {
    return this.#current;
  }

  /** Reads the plan key once. Throws when Redis cannot be read or the plan cannot be parsed (the known plan stays). */
  async sync(): Promise<PlanSync> {
    const raw = await this.redis.get(this.keys.plan());
    if (raw === null) return this.#current ? 'missing' : 'same';
    const plan = JSON.parse(raw) as P;
    if (isNewerPlan(plan, this.#current)) {
      this.#current = plan;
      return 'newer';
    }
    return isNewerPlan(this.#current!, plan) ? 'older' : 'same';
  }
}
