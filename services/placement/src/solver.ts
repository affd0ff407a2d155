import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HeraError, type HeraErrorCode } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { Gauge, Histogram, type Registry } from '@hera/metrics';
import type { SolveOutcome, SolveTask } from './solve-task';

/** Main thread → solver thread. */
export interface ToSolver {
  id: number;
  task: SolveTask;
}

/** Solver thread → main thread. */
export type FromSolver =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outcome: SolveOutcome }
  | { type: 'error'; id: number; code?: HeraErrorCode; message: string; stack?: string };

export interface SolverThreadOptions {
  /** A solve may run this long past its time limit (baselines, explanation) before it is stopped. */
  graceMs: number;
  /** Time limit counted for tasks without one (pinned placements). */
  defaultTimeLimitMs: number;
  /** Solves that may wait while one runs; more are refused (RESOURCE_EXHAUSTED). */
  maxWaiting: number;
  /** V8 old-generation limit of the thread, MiB. */
  heapMib: number;
  log: Logger;
  metrics?: Registry;
  /** The thread's entry point (default: the compiled solver-worker.js beside this file). */
  script?: string;
}

interface Waiting {
  task: SolveTask;
  resolve(outcome: SolveOutcome): void;
  reject(err: Error): void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

type Settle = (r: { outcome: SolveOutcome } | { error: Error; outcome?: undefined }) => void;

/**
 * The plan's CPU-heavy work (pair search, required-servers MILP, baselines, explanation) on one
 * worker thread, so the event loop keeps serving health checks and every other RPC while a plan
 * is computed (a 1e9-QPS dry run used to hold it for minutes). One solve at a time — two would
 * share one core and both miss their time limits — with up to `maxWaiting` queued behind it
 * (FIFO; one whose caller gives up leaves the queue) and more refused with RESOURCE_EXHAUSTED.
 *
 * Every solve has a budget: its time limit plus `graceMs`. The solver honours its time limit
 * itself; should a solve still run past the budget, the thread is terminated (the only way to
 * stop synchronous work), the caller gets DEADLINE_EXCEEDED naming the budget, and a fresh
 * thread is started. A solve that outgrows the thread's heap gets RESOURCE_EXHAUSTED the same way.
 */
export class SolverThread {
  readonly #opts: SolverThreadOptions;
  readonly #script: string;
  #worker: Worker | undefined;
  #ready: Promise<Worker> | undefined;
  #settle: Settle | undefined;
  #inflightId = 0;
  #nextId = 1;
  #busy = false;
  #closed = false;
  readonly #waiting: Waiting[] = [];
  readonly #duration: Histogram | undefined;
  readonly #queued: Gauge | undefined;

  constructor(opts: SolverThreadOptions) {
    this.#opts = opts;
    this.#script = opts.script ?? join(__dirname, 'solver-worker.js');
    if (opts.metrics) {
      this.#duration = new Histogram({
        name: 'hera_placement_solve_seconds',
        help: 'Time a plan spent on the solver thread, by task (solve, pinned) and outcome (ok, error, budget, heap, crash)',
        labelNames: ['task', 'outcome'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
        registers: [opts.metrics],
      });
      this.#queued = new Gauge({
        name: 'hera_placement_solves_waiting',
        help: 'Solves waiting for the solver thread',
        registers: [opts.metrics],
      });
    }
  }

  /** Starts the thread and waits until HiGHS is loaded and warm. */
  async start(): Promise<void> {
    await this.#ensureWorker();
  }

  /**
   * Runs a task on the thread. Rejects with OVERLOADED when `maxWaiting` solves already wait,
   * CANCELLED when `signal` aborts while it waits, DEADLINE past its budget, UNAVAILABLE once
   * closed; the task's own HeraErrors pass through with their codes.
   */
  run(task: SolveTask, signal?: AbortSignal): Promise<SolveOutcome> {
    if (this.#closed) return Promise.reject(new HeraError('UNAVAILABLE', 'placement is shutting down'));
    if (signal?.aborted)
      return Promise.reject(new HeraError('CANCELLED', 'the caller went away before the solve started'));
    if ((this.#busy || this.#waiting.length > 0) && this.#waiting.length >= this.#opts.maxWaiting) {
      return Promise.reject(
        new HeraError(
          'OVERLOADED',
          `the solver is busy: one solve running and ${this.#waiting.length} waiting, at most ${this.#opts.maxWaiting} may wait (MAX_WAITING_SOLVES); retry shortly`,
        ),
      );
    }
    return new Promise<SolveOutcome>((resolve, reject) => {
      const w: Waiting = { task, resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.#waiting.indexOf(w);
          if (i < 0) return; // already running: it ends within its budget
          this.#waiting.splice(i, 1);
          this.#queued?.set(this.#waiting.length);
          reject(new HeraError('CANCELLED', 'the caller went away while the solve waited'));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#waiting.push(w);
      this.#queued?.set(this.#waiting.length);
      void this.#pump();
    });
  }

  /** Refuses what waits and stops the thread (a running solve gets UNAVAILABLE). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.reject(new HeraError('UNAVAILABLE', 'placement is shutting down'));
    this.#settle?.({ error: new HeraError('UNAVAILABLE', 'placement is shutting down') });
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = undefined;
    await worker?.terminate();
  }

  async #pump(): Promise<void> {
    if (this.#busy || this.#closed) return;
    const next = this.#waiting.shift();
    if (!next) return;
    this.#queued?.set(this.#waiting.length);
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    this.#busy = true;
    try {
      const worker = await this.#ensureWorker();
      const r = await this.#dispatch(worker, next.task);
      if (r.error) next.reject(r.error);
      else next.resolve(r.outcome);
    } catch (err) {
      next.reject(err as Error);
    } finally {
      this.#busy = false;
      void this.#pump();
    }
  }

  #ensureWorker(): Promise<Worker> {
    if (this.#closed) return Promise.reject(new HeraError('UNAVAILABLE', 'placement is shutting down'));
    this.#ready ??= this.#spawn();
    return this.#ready;
  }

  #spawn(): Promise<Worker> {
    const started = performance.now();
    const worker = new Worker(this.#script, { resourceLimits: { maxOldGenerationSizeMb: this.#opts.heapMib } });
    this.#worker = worker;
    const ready = new Promise<Worker>((resolve, reject) => {
      worker.on('message', (msg: FromSolver) => {
        if (msg.type === 'ready') {
          this.#opts.log.info({ ms: Math.round(performance.now() - started) }, 'solver thread ready');
          resolve(worker);
        } else if (msg.type === 'failed') {
          reject(new HeraError('UNAVAILABLE', `the solver thread could not load its solver: ${msg.message}`));
        } else if (msg.id === this.#inflightId) {
          if (msg.type === 'result') this.#settle?.({ outcome: msg.outcome });
          else this.#settle?.({ error: this.#taskError(msg) });
        }
      });
      worker.on('error', err => {
        const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        this.#opts.log.error({ err }, oom ? 'solver thread ran out of heap' : 'solver thread failed');
        const error = oom
          ? new HeraError(
              'OVERLOADED',
              `the solve needed more than the solver thread's ${this.#opts.heapMib} MiB heap (SOLVER_HEAP_MIB); placement restarted the thread`,
            )
          : new HeraError('INTERNAL', 'the solver thread failed; placement restarted it');
        this.#settle?.({ error });
        reject(error);
      });
      worker.on('exit', code => {
        if (this.#worker !== worker) return; // terminated on purpose; a new one is on its way
        this.#worker = undefined;
        this.#ready = undefined;
        const error = new HeraError('INTERNAL', `the solver thread exited (code ${code}); placement restarted it`);
        this.#settle?.({ error });
        reject(error);
        if (!this.#closed) void this.#ensureWorker().catch(() => undefined);
      });
    });
    // A failed start is retried by the next solve, not in a loop.
    ready.catch(() => {
      if (this.#worker === worker) {
        this.#worker = undefined;
        this.#ready = undefined;
        void worker.terminate();
      }
    });
    return ready;
  }

  #taskError(msg: { code?: HeraErrorCode; message: string; stack?: string }): Error {
    if (msg.code && msg.code !== 'INTERNAL') return new HeraError(msg.code, msg.message);
    this.#opts.log.error({ err: { message: msg.message, stack: msg.stack } }, 'solve failed');
    return new HeraError('INTERNAL', 'the solve failed (logged by placement)');
  }

  /** Posts one task and settles on its answer, its budget running out, or the thread dying. */
  #dispatch(
    worker: Worker,
    task: SolveTask,
  ): Promise<{ outcome: SolveOutcome; error?: undefined } | { error: Error; outcome?: undefined }> {
    const id = this.#nextId++;
    const timeLimitMs = task.kind === 'solve' ? task.timeLimitMs : this.#opts.defaultTimeLimitMs;
    const budgetMs = timeLimitMs + this.#opts.graceMs;
    const started = performance.now();
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.#opts.log.warn({ task: task.kind, budgetMs }, 'solve ran past its budget: terminating the solver thread');
        // Synchronous work cannot be interrupted; terminating the thread can.
        this.#worker = undefined;
        this.#ready = undefined;
        void worker.terminate();
        settle(
          {
            error: new HeraError(
              'DEADLINE',
              `the solve ran past its budget of ${budgetMs} ms (time limit ${timeLimitMs} ms + PLAN_SOLVE_GRACE_MS ${this.#opts.graceMs} ms); placement stopped it and restarted its solver thread`,
            ),
          },
          'budget',
        );
        if (!this.#closed) void this.#ensureWorker().catch(() => undefined);
      }, budgetMs);
      const settle = (r: { outcome: SolveOutcome } | { error: Error }, outcome?: string) => {
        if (this.#inflightId !== id) return;
        this.#inflightId = 0;
        this.#settle = undefined;
        clearTimeout(timer);
        const label =
          outcome ??
          ('error' in r
            ? (r.error as HeraError).code === 'OVERLOADED'
              ? 'heap'
              : (r.error as HeraError).code === 'INTERNAL'
                ? 'crash'
                : 'error'
            : 'ok');
        this.#duration?.observe({ task: task.kind, outcome: label }, (performance.now() - started) / 1000);
        resolve(r);
      };
      this.#inflightId = id;
      this.#settle = r => settle(r);
      try {
        worker.postMessage({ id, task } satisfies ToSolver);
      } catch (err) {
        // A task that cannot be cloned is a bug here, not the caller's: the thread stays.
        this.#opts.log.error({ err }, 'cannot send a task to the solver thread');
        settle({ error: new HeraError('INTERNAL', 'the solve could not be started (logged by placement)') }, 'crash');
      }
    });
  }
}
