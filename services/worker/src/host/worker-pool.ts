import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { HeraError, type HeraErrorCode } from '@hera/errors';
import type { NamedTensor } from '@hera/model-schema';
import type { ThreadInit, ThreadJob, ThreadReply } from './infer-thread';
import { idsOffset, inputBytes, outputBytes } from './slot-layout';
import { sizeText, type MemoryBudget } from './memory-budget';

/** A job's answer. The timing fields are the pool's (absent from fakes): for the request's spans. */
export interface JobResult {
  /** Little-endian float32 bytes, one per item (empty for a named-tensors job). */
  scores: Buffer;
  /** A named-tensors job's outputs. */
  outputs?: NamedTensor[];
  queueUs: number;
  computeUs: number;
  /** The thread that ran it: a number per thread, from 1, never reused. */
  thread?: number;
  /** When a thread took it off the queue (performance.now()). */
  dequeuedAt?: number;
  /** Its inference call on the thread, ms since the epoch. */
  computeStartMs?: number;
  computeEndMs?: number;
}

/** One sub-batch waiting in the tenant's FIFO queue. */
export interface Job {
  count: number;
  /** The request's bytes as gRPC delivered them (checked for length, any alignment). */
  dense: Uint8Array;
  ids: Uint8Array;
  /**
   * A named-tensors job (an imported model without the ranking layout): its checked inputs,
   * `count` their rows, dense and ids empty; `outputs` the names wanted (empty: all).
   */
  tensors?: readonly NamedTensor[];
  outputs?: readonly string[];
  /** Absolute ms (Date.now clock); Infinity when the caller set none. */
  deadline: number;
  /** performance.now() when queued. */
  enqueuedAt: number;
  /** True once the caller gave up (cancelled call): skip without computing. */
  cancelled(): boolean;
  /** Which of the host's versions scores it (ThreadInit.others); absent: ThreadInit.version. */
  version?: string;
  resolve(r: JobResult): void;
  reject(err: HeraError): void;
}

/** Request bytes a job holds (views into its message; see BYTES_PER_REQUEST_BYTE). */
const jobBytes = (j: Job) =>
  j.dense.byteLength + j.ids.byteLength + (j.tensors?.reduce((s, t) => s + t.data.byteLength, 0) ?? 0);

interface Slot {
  /** JobResult.thread. */
  thread: number;
  worker: Worker;
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
  ready: boolean;
  busy: Job | undefined;
  jobId: number;
  startedAt: number;
  /** Marked for removal: leaves once idle. */
  retiring: boolean;
  /** Kept warm but given no work: a standby that a resize takes back at once, without a warm-up. */
  parked: boolean;
}

/**
 * The DeepRecSys engine inside one tenant: a FIFO queue of sub-batches and n
 * worker threads; an idle thread takes the next job. Jobs whose deadline passed
 * (or whose caller cancelled) while queued are answered without computing. The
 * worker count changes at run time: new threads join once loaded, surplus ones
 * leave after their current job, so no accepted job is dropped.
 *
 * Admission (submit) bounds what a tenant holds by count (sub-batches queued), by
 * queued request bytes, and, given a MemoryBudget, by the request bytes in flight
 * (queued and running) that its memory limit leaves room for after the model and
 * every inference thread: a burst is shed with RESOURCE_EXHAUSTED instead of
 * growing the host into the kernel's OOM kill.
 */
export class WorkerPool {
  /** FIFO: live entries are #queue[#qHead..]; taken ones are cleared so their request bytes can be freed. */
  readonly #queue: (Job | undefined)[] = [];
  #qHead = 0;
  readonly #slots: Slot[] = [];
  #target = 0;
  #nextId = 1;
  #nextThread = 1;
  #closed = false;
  /** Items waiting in the queue (not yet on a thread), and their request bytes. */
  #queuedItems = 0;
  #queuedBytes = 0;
  /** Request bytes of the jobs on threads now. */
  #runningBytes = 0;
  /** Threads the first resize asked for, until they are all ready (then their memory is measured). */
  #measuring: number | undefined;
  /** Smoothed compute ms per item, from the threads' replies; 0 until measured. */
  #msPerItem = 0;
  backend = '';
  /** Called for each sub-batch a thread computed (the host's metrics). */
  onJobDone: ((items: number, queueUs: number, computeUs: number) => void) | undefined;

  constructor(
    private readonly init: Omit<ThreadInit, 'input' | 'output'>,
    readonly queueLimit: number,
    private readonly shedPredictedLate: boolean,
    private readonly onEvent: (e: { type: 'ready' | 'thread-died' | 'fatal'; detail: string }) => void = () => {},
    /** Request bytes the queue holds at most (a request arriving at an empty queue always enters). */
    readonly queueBytes = Infinity,
    /** The host's memory limit and use; none: no memory bound. */
    private readonly memory?: MemoryBudget,
    /**
     * Threads kept loaded and warm beyond the target, given no work, so that growing by that
     * many takes effect at once (the node manager's moves). A new thread's warm-up scores back
     * to back for seconds, on the very quota a move just gave the tenant: on 2 cores that cost
     * more than the move brought within the 5 s it is judged over. Standbys are started once
     * the first threads are ready and measured, and only while the memory limit leaves the
     * requests at least half of what they had without them.
     */
    readonly standby = 0,
  ) {}

  get queueDepth(): number {
    return this.#queue.length - this.#qHead;
  }

  get readyWorkers(): number {
    return this.#slots.filter(s => s.ready && !s.retiring && !s.parked).length;
  }

  /** Warm standby threads (see `standby`). */
  get parkedWorkers(): number {
    return this.#slots.filter(s => s.parked && !s.retiring).length;
  }

  get targetWorkers(): number {
    return this.#target;
  }

  /** Request bytes held now: queued and running. */
  get inFlightBytes(): number {
    return this.#queuedBytes + this.#runningBytes;
  }

  /**
   * Request bytes the memory bound lets the tenant hold in flight (Infinity: none).
   * Threads still leaving count until they have left, threads asked for from the start.
   */
  memoryBound(now = Date.now()): number {
    return this.memory?.bytesFor(this.#threadsCharged(), now) ?? Infinity;
  }

  #threadsCharged(): number {
    return Math.max(this.#target, this.#slots.length);
  }

  /** Grows or shrinks to `n` threads. */
  resize(n: number): void {
    if (this.#measuring === undefined) {
      // Before the first thread allocates anything: what the model and runtime take alone.
      this.#measuring = n;
      this.memory?.measureBase();
    }
    this.#target = n;
    const active = this.#slots.filter(s => !s.retiring && !s.parked);
    // Grow from the warm standbys first (ready ones before loading ones), then new threads.
    const standbys = this.#slots.filter(s => s.parked && !s.retiring).sort((a, b) => Number(b.ready) - Number(a.ready));
    let have = active.length;
    for (; have < n && standbys.length > 0; have++) standbys.shift()!.parked = false;
    for (; have < n; have++) this.#spawn(false);
    // The surplus: park loaded threads while standbys are wanted, retire the rest, preferring
    // threads not yet loaded, then idle ones.
    const surplus = active.length - n;
    if (surplus > 0) {
      const order = [...active].sort(
        (a, b) => Number(a.ready) - Number(b.ready) || Number(Boolean(a.busy)) - Number(Boolean(b.busy)),
      );
      let room = this.standby - this.parkedWorkers;
      for (const s of order.slice(0, surplus)) {
        if (s.ready && room-- > 0) {
          s.parked = true; // finishes its job, then takes no more
          continue;
        }
        s.retiring = true;
        if (!s.busy) void this.#remove(s);
      }
    }
    this.#dispatch();
  }

  /** Starts standbys up to `standby`, once the first threads are measured and while memory allows. */
  #fillStandby(): void {
    if (this.#closed || this.#measuring !== 0) return;
    for (let have = this.parkedWorkers; have < this.standby; have++) {
      const charged = this.#threadsCharged();
      if (this.memory && this.memory.bytesFor(charged + 1) < 0.5 * this.memory.bytesFor(charged)) return;
      this.#spawn(true);
    }
  }

  /**
   * Estimated ms until `items` submitted now in `parts` jobs would finish: the
   * queued items spread over the ready threads, then these parts spread over as
   * many threads as there are parts. 0 until something was measured.
   */
  expectedMs(items: number, parts = 1): number {
    const threads = Math.max(1, this.readyWorkers);
    return (this.#queuedItems * this.#msPerItem) / threads + (items * this.#msPerItem) / Math.min(parts, threads);
  }

  /**
   * Queues the sub-batches of one request together, or throws OVERLOADED when the
   * queue is full (sub-batches or bytes), the memory bound would be passed, or they
   * would finish after their deadline (shedding at once beats timing out later). The
   * bounds are checked once per request, so a request of more sub-batches than the
   * bound is still served when the queue is short.
   */
  submit(...jobs: Job[]): void {
    if (this.#closed) throw new HeraError('UNAVAILABLE', 'tenant is shutting down');
    if (jobs.length === 0) return;
    const bytes = jobs.reduce((s, j) => s + jobBytes(j), 0);
    // Received, whatever happens to it next: garbage once answered or refused.
    this.memory?.received(bytes, this.#threadsCharged(), this.inFlightBytes);
    if (this.queueDepth >= this.queueLimit) {
      throw new HeraError('OVERLOADED', `queue full (${this.queueLimit} sub-batches waiting)`);
    }
    if (this.queueDepth > 0 && this.#queuedBytes + bytes > this.queueBytes) {
      throw new HeraError(
        'OVERLOADED',
        `queue full (${(this.#queuedBytes / 1048576).toFixed(1)} MiB of requests waiting, limit ${(this.queueBytes / 1048576).toFixed(0)} MiB)`,
      );
    }
    // As with the queue bytes, a request into an idle tenant always enters: however small
    // the bound, the tenant serves one request at a time.
    const held = this.inFlightBytes;
    const bound = this.memoryBound();
    if (held > 0 && held + bytes > bound) {
      throw new HeraError(
        'OVERLOADED',
        `memory bound: ${sizeText(held)} of requests in flight (queued and running) + ${sizeText(bytes)} would pass ${sizeText(bound)}, ${this.memory!.describe(this.#threadsCharged())}`,
      );
    }
    const left = jobs[0]!.deadline - Date.now();
    const expected = this.expectedMs(
      jobs.reduce((s, j) => s + j.count, 0),
      jobs.length,
    );
    // An idle tenant always tries: otherwise a stale estimate could shed forever.
    const idle = this.#queuedItems === 0 && this.#slots.some(s => s.ready && !s.busy && !s.retiring);
    if (this.shedPredictedLate && !idle && left < expected) {
      throw new HeraError(
        'OVERLOADED',
        `would finish in ~${expected.toFixed(1)} ms with the work queued, after its deadline (${Math.max(0, left)} ms left)`,
      );
    }
    for (const job of jobs) {
      this.#queue.push(job);
      this.#queuedItems += job.count;
      this.#queuedBytes += jobBytes(job);
    }
    this.#dispatch();
  }

  /** Stops accepting jobs; resolves when the queue is empty and every thread idle, or after `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    this.#closed = true;
    const deadline = Date.now() + graceMs;
    while ((this.queueDepth > 0 || this.#slots.some(s => s.busy)) && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 10));
    }
    for (let j = this.#next(); j; j = this.#next())
      j.reject(new HeraError('UNAVAILABLE', 'tenant stopped before this request ran'));
    // A copy: #remove splices #slots, and mapping the live array skipped every other thread.
    await Promise.all([...this.#slots].map(s => this.#remove(s)));
  }

  #spawn(parked: boolean): void {
    const { maxItems, denseDim, idsPerItem } = this.init;
    const input = new SharedArrayBuffer(inputBytes(maxItems, denseDim, idsPerItem));
    const output = new SharedArrayBuffer(outputBytes(maxItems));
    // Touch every page now, once, instead of on the first requests.
    new Uint8Array(input).fill(0);
    new Uint8Array(output).fill(0);
    const worker = new Worker(join(__dirname, 'infer-thread.js'), {
      workerData: { ...this.init, input, output } satisfies ThreadInit,
    });
    const slot: Slot = {
      thread: this.#nextThread++,
      worker,
      input,
      output,
      ready: false,
      busy: undefined,
      jobId: 0,
      startedAt: 0,
      retiring: false,
      parked,
    };
    this.#slots.push(slot);
    worker.on('message', (m: ThreadReply) => this.#onReply(slot, m));
    worker.on('error', err => this.onEvent({ type: 'thread-died', detail: err.message }));
    worker.on('exit', code => {
      const i = this.#slots.indexOf(slot);
      if (i < 0) return; // removed on purpose
      this.#slots.splice(i, 1);
      if (slot.busy) this.#runningBytes -= jobBytes(slot.busy);
      slot.busy?.reject(
        new HeraError('UNAVAILABLE', `inference thread exited (code ${code}) with the request in flight`),
      );
      this.onEvent({ type: 'thread-died', detail: `exit code ${code}` });
      // Replace a thread that died while working; one that never loaded would only die again
      // (that is reported as fatal and the host restarts with backoff).
      if (!this.#closed && slot.ready) this.resize(this.#target);
    });
  }

  async #remove(slot: Slot): Promise<void> {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    await slot.worker.terminate();
  }

  #onReply(slot: Slot, m: ThreadReply): void {
    switch (m.type) {
      case 'ready':
        slot.ready = true;
        this.backend = m.backend;
        if (this.#measuring) {
          // Once, for the first threads: measured later, the host's memory would also hold
          // what past requests left (glibc keeps freed memory, see payload-tuning.ts).
          const ready = this.#slots.filter(s => s.ready).length;
          this.memory?.measureThreads(ready, this.inFlightBytes);
          if (ready >= this.#measuring) {
            this.#measuring = 0;
            this.#fillStandby();
          }
        }
        this.onEvent({ type: 'ready', detail: m.backend });
        break;
      case 'fatal':
        this.onEvent({ type: 'fatal', detail: m.message });
        void slot.worker.terminate();
        return;
      case 'scores':
      case 'error': {
        const job = slot.busy;
        if (!job || m.id !== slot.jobId) return;
        slot.busy = undefined;
        this.#runningBytes -= jobBytes(job);
        if (m.type === 'scores') {
          const raw = m.computeUs / 1000 / job.count;
          const sample = this.#msPerItem === 0 ? raw : Math.min(raw, 4 * this.#msPerItem);
          this.#msPerItem = this.#msPerItem === 0 ? sample : this.#msPerItem + 0.2 * (sample - this.#msPerItem);
          // Copy the scores out of the slot before it takes the next job (named tensors came in the message).
          const scores = m.outputs ? Buffer.alloc(0) : Buffer.from(new Uint8Array(slot.output, 0, job.count * 4));
          const queueUs = Math.round((slot.startedAt - job.enqueuedAt) * 1000);
          this.onJobDone?.(job.count, queueUs, m.computeUs);
          job.resolve({
            scores,
            ...(m.outputs ? { outputs: m.outputs } : {}),
            queueUs,
            computeUs: m.computeUs,
            thread: slot.thread,
            dequeuedAt: slot.startedAt,
            computeStartMs: m.startMs,
            computeEndMs: m.endMs,
          });
        } else {
          job.reject(new HeraError(m.code as HeraErrorCode, m.message));
        }
        if (slot.retiring) {
          void this.#remove(slot);
          return;
        }
        break;
      }
    }
    this.#dispatch();
  }

  #next(): Job | undefined {
    if (this.#qHead >= this.#queue.length) return undefined;
    const job = this.#queue[this.#qHead]!;
    // Drop the reference at once: a job holds its request's buffer, and buffers kept
    // alive here (up to a thousand requests' worth) were never reused, so every new
    // request faulted in fresh pages and the host's RSS grew by ~1 MB per rmc2 request.
    this.#queue[this.#qHead++] = undefined;
    this.#queuedItems -= job.count;
    this.#queuedBytes -= jobBytes(job);
    if (this.#qHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#qHead = 0;
    } else if (this.#qHead > 1024 && this.#qHead * 2 > this.#queue.length) {
      // Compact now and then instead of shift() per job (O(n)).
      this.#queue.splice(0, this.#qHead);
      this.#qHead = 0;
    }
    return job;
  }

  /** Aligned staging for #copyIn, grown on demand (allocated once, reused). */
  #staging = new Uint8Array(0);

  /**
   * Copies request bytes into a slot. V8 copies into shared memory with relaxed
   * atomic loads and stores: word by word when source and target are aligned alike,
   * byte by byte otherwise — and a protobuf field's bytes sit at any offset. Staging a
   * misaligned source in ordinary memory first (a plain memmove) is ~5× faster for a
   * 500 KB sub-batch (160 → 29 µs measured).
   */
  #copyIn(target: SharedArrayBuffer, offset: number, src: Uint8Array): void {
    const dst = new Uint8Array(target, offset, src.byteLength);
    if ((src.byteOffset & 7) === (offset & 7) || src.byteLength < 4096) {
      dst.set(src);
      return;
    }
    if (this.#staging.byteLength < src.byteLength) this.#staging = new Uint8Array(src.byteLength);
    const staged = this.#staging.subarray(0, src.byteLength);
    staged.set(src);
    dst.set(staged);
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.busy || slot.retiring || slot.parked) continue;
      let job = this.#next();
      const now = Date.now();
      while (job && (job.deadline <= now || job.cancelled())) {
        const waited = Math.round(performance.now() - job.enqueuedAt);
        // grpc-js also cancels a call whose deadline passed: say DEADLINE when that is why.
        job.reject(
          job.deadline <= now
            ? new HeraError('DEADLINE', `deadline passed after ${waited} ms in the queue; not computed`)
            : new HeraError('CANCELLED', 'caller cancelled while queued'),
        );
        job = this.#next();
      }
      if (!job) return;
      slot.busy = job;
      this.#runningBytes += jobBytes(job);
      slot.jobId = this.#nextId++;
      slot.startedAt = performance.now();
      if (job.tensors) {
        // Named tensors skip the shared-memory slot (sized for the ranking layout): each is
        // copied once into an ArrayBuffer of its own and transferred with the message. A
        // tensors job is one request of at most MAX_TENSOR_ROWS rows, so the copy is small
        // next to the inference; a gRPC buffer is never posted (cloning a view clones its
        // whole underlying buffer).
        const tensors = job.tensors.map(t => ({ ...t, data: new Uint8Array(t.data) }));
        slot.worker.postMessage(
          {
            id: slot.jobId,
            count: job.count,
            tensors,
            outputs: [...(job.outputs ?? [])],
            ...(job.version ? { version: job.version } : {}),
          } satisfies ThreadJob,
          tensors.map(t => t.data.buffer as ArrayBuffer),
        );
        continue;
      }
      this.#copyIn(slot.input, 0, job.dense);
      this.#copyIn(slot.input, idsOffset(this.init.maxItems, this.init.denseDim), job.ids);
      slot.worker.postMessage(
        (job.version
          ? { id: slot.jobId, count: job.count, version: job.version }
          : { id: slot.jobId, count: job.count }) satisfies ThreadJob,
      );
    }
  }
}
