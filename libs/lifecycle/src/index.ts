import type { Logger } from '@hera/logger';

export type LifecycleState = 'starting' | 'serving' | 'draining' | 'stopped' | 'failed';

/** A named shutdown step; it gets the time left in the budget. */
export type ShutdownStep = readonly [name: string, run: (remainingMs: number) => Promise<void> | void];

export interface ShutdownOptions {
  log: Logger;
  /** Whole budget for every step together. */
  budgetMs: number;
  /** Called with the exit code when every step ran; defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/**
 * Owns a process's lifecycle: `starting → serving → draining → stopped | failed`.
 *
 * Shutdown runs the registered steps in order under one time budget. A step that
 * throws or runs out of time is logged and skipped — later steps (closing Redis,
 * flushing telemetry) still run — and the process exits non-zero. A second signal
 * during draining is ignored: the budget already bounds how long we take.
 */
export class Lifecycle {
  #state: LifecycleState = 'starting';
  #steps: ShutdownStep[] = [];
  #listeners: ((s: LifecycleState) => void)[] = [];
  #shutdown: Promise<number> | undefined;
  readonly #opts: ShutdownOptions;

  constructor(opts: ShutdownOptions) {
    this.#opts = opts;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  onChange(listener: (s: LifecycleState) => void): void {
    this.#listeners.push(listener);
  }

  /** Appends shutdown steps; they run in registration order. */
  addSteps(...steps: ShutdownStep[]): this {
    this.#steps.push(...steps);
    return this;
  }

  serving(): void {
    this.#set('serving');
  }

  /** Handles SIGINT/SIGTERM once; later signals are logged and ignored. */
  installSignalHandlers(): this {
    for (const sig of this.#opts.signals ?? (['SIGINT', 'SIGTERM'] as const)) {
      process.on(sig, () => {
        if (this.#shutdown) {
          this.#opts.log.warn({ signal: sig }, 'signal received while shutting down; still draining');
          return;
        }
        this.#opts.log.info({ signal: sig }, 'signal received; shutting down');
        void this.shutdown(`signal ${sig}`);
      });
    }
    return this;
  }

  /** Runs the steps once (later calls return the same promise) and exits. */
  shutdown(reason: string, exitCode = 0): Promise<number> {
    this.#shutdown ??= this.#run(reason, exitCode);
    return this.#shutdown;
  }

  async #run(reason: string, exitCode: number): Promise<number> {
    const { log, budgetMs } = this.#opts;
    this.#set('draining');
    const deadline = Date.now() + budgetMs;
    let failed = exitCode !== 0;
    // Set when a step ran into the deadline: its timer, not Date.now() (whose milliseconds can
    // trail the timer's clock by one), says the budget is spent.
    let spent = false;
    for (const [name, run] of this.#steps) {
      const remaining = deadline - Date.now();
      if (spent || remaining <= 0) {
        log.error({ step: name }, 'shutdown budget spent; step skipped');
        failed = true;
        continue;
      }
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => run(remaining)),
          new Promise((_, reject) => {
            timer = setTimeout(() => {
              spent = true;
              reject(new Error(`did not finish within ${remaining} ms`));
            }, remaining);
          }),
        ]);
        log.debug({ step: name, ms: Date.now() - started }, 'shutdown step done');
      } catch (err) {
        failed = true;
        log.error({ step: name, err }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
    this.#set(failed ? 'failed' : 'stopped');
    const code = failed ? 1 : 0;
    log.info({ reason, code, state: this.#state }, 'shut down');
    (this.#opts.exit ?? process.exit)(code);
    return code;
  }

  #set(state: LifecycleState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const l of this.#listeners) l(state);
  }
}
