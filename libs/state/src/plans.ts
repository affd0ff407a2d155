import type { RedisClient } from './connect';
import { HeraError } from '@hera/errors';
import type { ExplainResponse, Plan } from '@hera/proto';
import type { Keyspace } from './keys';
import { isObject, malformedRecord, parseRecord, shown } from './malformed';

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
  return (
    Number(candidate.version ?? 0) > Number(known.version ?? 0) ||
    Number(candidate.createdAtMs ?? 0) > Number(known.createdAtMs ?? 0)
  );
}

/** The applied plan as placement writes it: the plan, its explanation, both under the next version. */
export interface PlanUpdate {
  /** Its version is set by the store (the counter's next). */
  plan: Plan;
  explanation: ExplainResponse;
}

/**
 * The applied plan in Redis: {p}:plan (hera.placement.v1.Plan JSON), the version counter
 * {p}:plan:version and the plan's explanation {p}:plan:explain (an ExplainResponse),
 * written by placement together and announced on {p}:events:plan. Reads are checked:
 * a record that is not a plan fails here, naming the key and the field.
 */
export class PlanStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  /** The applied plan; undefined when none was applied (or Redis lost it). */
  async get(): Promise<Plan | undefined> {
    const key = this.keys.plan();
    const raw = await this.redis.get(key);
    return raw === null ? undefined : parsePlan(key, raw);
  }

  /** The last applied version; 0 before the first. */
  async version(): Promise<number> {
    const key = this.keys.planVersion();
    const raw = await this.redis.get(key);
    if (raw === null) return 0;
    const v = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(v)) throw malformedRecord(key, `${shown(raw)} is not a version`);
    return v;
  }

  /** The applied plan's explanation; undefined when none was applied. */
  async explanation(): Promise<ExplainResponse | undefined> {
    const key = this.keys.planExplanation();
    const raw = await this.redis.get(key);
    if (raw === null) return undefined;
    const e = parseRecord(key, raw);
    if (!isObject(e)) throw malformedRecord(key, 'not a JSON object');
    for (const f of ['configs', 'strategies'])
      if (e[f] !== undefined && !Array.isArray(e[f])) throw malformedRecord(key, `${f} is not an array`);
    return e as ExplainResponse;
  }

  /**
   * Writes `plan` as it is (its own version, which the counter takes too) and announces it.
   * For stand-ins of placement; placement itself applies with update().
   */
  async put(plan: Plan): Promise<void> {
    await this.#write(plan).exec();
  }

  /**
   * Applies a plan under the next version, optimistically: watches the version counter,
   * hands the stored plan and version to `decide`, and writes what it returns with the
   * version after the stored one, unless another writer got in between (then decides
   * again; CONFLICT after `attempts` lost races). `decide` returns undefined to write
   * nothing (the stored plan stands) and may throw (nothing is written). Returns the
   * written plan (`changed`) or the stored one.
   */
  async update(
    decide: (current: Plan | undefined, version: number) => PlanUpdate | undefined | Promise<PlanUpdate | undefined>,
    attempts = 3,
  ): Promise<{ plan: Plan; changed: true } | { plan: Plan | undefined; changed: false }> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      await this.redis.watch(this.keys.planVersion());
      let current: Plan | undefined;
      let version: number;
      let next: PlanUpdate | undefined;
      try {
        current = await this.get();
        version = await this.version();
        next = await decide(current, version);
      } catch (err) {
        await this.redis.unwatch();
        throw err;
      }
      if (!next) {
        await this.redis.unwatch();
        return { plan: current, changed: false };
      }
      const plan: Plan = { ...next.plan, version: version + 1 };
      if (await this.#write(plan, next.explanation).exec()) return { plan, changed: true };
      // Someone applied between our read and write: decide against the new state.
    }
    throw new HeraError('CONFLICT', 'the plan kept changing while applying; retry');
  }

  #write(plan: Plan, explanation?: ExplainResponse) {
    const m = this.redis
      .multi()
      .set(this.keys.plan(), JSON.stringify(plan))
      .set(this.keys.planVersion(), String(plan.version));
    if (explanation) m.set(this.keys.planExplanation(), JSON.stringify(explanation));
    return m.publish(this.keys.planChannel(), String(plan.version));
  }
}

/**
 * The plan in `raw`, checked as far as its readers rely on it: the stamps are counts, and
 * nodes, their tenants and the demands are lists of objects whose names are strings and
 * whose numbers are numbers. Every field may be absent, as in the proto message.
 */
export function parsePlan(key: string, raw: string): Plan {
  const p = parseRecord(key, raw);
  const problem = planProblem(p);
  if (problem) throw malformedRecord(key, problem);
  return p as Plan;
}

function planProblem(p: unknown): string | undefined {
  if (!isObject(p)) return 'not a JSON object';
  for (const f of ['version', 'createdAtMs']) {
    const v = p[f];
    if (
      v !== undefined &&
      !(typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : typeof v === 'string' && /^\d+$/.test(v))
    )
      return `${f} is ${shown(v)}, not a count`;
  }
  return (
    listProblem(
      p,
      'nodes',
      (n, at) =>
        fieldsProblem(n, at, { nodeId: 'string', config: 'string' }) ??
        listProblem(n, `${at}.tenants`, (t, tat) => fieldsProblem(t, tat, { model: 'string', workers: 'number' })),
    ) ?? listProblem(p, 'demands', (d, at) => fieldsProblem(d, at, { model: 'string' }))
  );
}

/** What is wrong with the optional list at `path` (its last part a field of `o`), each item an object checked by `each`. */
function listProblem(
  o: Record<string, unknown>,
  path: string,
  each: (item: Record<string, unknown>, at: string) => string | undefined,
): string | undefined {
  const list = o[path.slice(path.lastIndexOf('.') + 1)];
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) return `${path} is ${shown(list)}, not a list`;
  for (const [i, item] of (list as unknown[]).entries()) {
    if (!isObject(item)) return `${path}[${i}] is ${shown(item)}, not an object`;
    const problem = each(item, `${path}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

function fieldsProblem(
  o: Record<string, unknown>,
  at: string,
  types: Record<string, 'string' | 'number'>,
): string | undefined {
  for (const [f, type] of Object.entries(types))
    if (o[f] !== undefined && typeof o[f] !== type) return `${at}.${f} is ${shown(o[f])}, not a ${type}`;
  return undefined;
}

/** What one read of the plan key found. */
export type PlanSync = 'newer' | 'same' | 'missing' | 'older';

/**
 * The last-known applied plan, as a reader that must not lose it to a Redis hiccup
 * sees it (gateways route by it, node agents run its tenants). A missing key (Redis
 * restarted without its data) or an earlier plan (restored from an older snapshot)
 * leaves the known plan in place; only a later plan replaces it.
 */
export class PlanView {
  #current: Plan | undefined;

  constructor(private readonly store: Pick<PlanStore, 'get'>) {}

  /** The plan followed now; undefined until one was read. */
  get current(): Plan | undefined {
    return this.#current;
  }

  /** Reads the plan key once. Throws when Redis cannot be read or the record is not a plan (the known plan stays). */
  async sync(): Promise<PlanSync> {
    const plan = await this.store.get();
    if (plan === undefined) return this.#current ? 'missing' : 'same';
    if (isNewerPlan(plan, this.#current)) {
      this.#current = plan;
      return 'newer';
    }
    return isNewerPlan(this.#current!, plan) ? 'older' : 'same';
  }
}
