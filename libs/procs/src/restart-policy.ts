/**
 * When a supervised process that died is started again, and when the supervisor
 * gives up. Pure (the caller passes the clock), so the arithmetic is tested alone.
 *
 * Backoff doubles from `minBackoffMs` to `maxBackoffMs` and resets once a process
 * has run `stableMs` without dying; more than `budget` restarts within `windowMs`
 * means something is wrong that restarting will not fix (a port taken, a bad
 * config, a crash at start), and the supervisor should stop and say so instead
 * of looping.
 */
export interface RestartPolicyOptions {
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Restarts allowed within `windowMs`. */
  budget: number;
  windowMs: number;
  /** A process that ran this long resets the backoff. */
  stableMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  minBackoffMs: 250,
  maxBackoffMs: 10_000,
  budget: 5,
  windowMs: 60_000,
  stableMs: 30_000,
};

export type RestartDecision =
  | { restart: true; delayMs: number; /** restarts within the window, this one included */ inWindow: number }
  | { restart: false; reason: string };

export class RestartPolicy {
  readonly opts: RestartPolicyOptions;
  #restarts: number[] = [];
  #backoffMs: number;

  constructor(opts: Partial<RestartPolicyOptions> = {}) {
    this.opts = { ...DEFAULT_RESTART_POLICY, ...opts };
    for (const [k, v] of Object.entries(this.opts)) {
      if (!(Number.isFinite(v) && v >= 0))
        throw new RangeError(`restart policy ${k} must be a non-negative number, got ${v}`);
    }
    if (this.opts.minBackoffMs > this.opts.maxBackoffMs)
      throw new RangeError('restart policy minBackoffMs must not exceed maxBackoffMs');
    this.#backoffMs = this.opts.minBackoffMs;
  }

  /** Restarts counted in the window ending `now`. */
  recent(now: number): number {
    return this.#restarts.filter(t => now - t < this.opts.windowMs).length;
  }

  /** A process that started at `startedAt` died at `now`: restart it (after how long), or give up? */
  onExit(startedAt: number, now: number): RestartDecision {
    this.#restarts = this.#restarts.filter(t => now - t < this.opts.windowMs);
    if (this.#restarts.length >= this.opts.budget) {
      return {
        restart: false,
        reason: `${this.#restarts.length} restarts within ${Math.round(this.opts.windowMs / 1000)} s (the budget)`,
      };
    }
    if (now - startedAt >= this.opts.stableMs) this.#backoffMs = this.opts.minBackoffMs;
    const delayMs = this.#backoffMs;
    this.#backoffMs = Math.min(this.opts.maxBackoffMs, Math.max(1, this.#backoffMs * 2));
    this.#restarts.push(now);
    return { restart: true, delayMs, inWindow: this.#restarts.length };
  }
}
