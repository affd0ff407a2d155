/**
 * One inference worker: a thread with its own engine — a TF.js instance (the WebAssembly
 * backend is single-threaded per instance) or an ONNX Runtime session on one thread — sharing
 * the tenant's embedding tables with its siblings through SharedArrayBuffers. It scores one
 * sub-batch at a time.
 *
 * Requests and scores travel through a slot of shared memory the pool gave this
 * thread (allocated and touched once): the main thread copies a request's bytes
 * straight from the gRPC buffer into the slot and posts only {id, count}. No
 * per-request allocation, no transfer — on these VMs first-touching fresh pages
 * costs microseconds each, which dominated the copy itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HeraError } from '@hera/errors';
import {
  DenseWidener,
  MAX_ITEMS,
  randomBatch,
  randomTensors,
  validateBatch,
  type ModelConfig,
  type NamedTensor,
  type TensorSpec,
  type ModelEngine,
  type ValidBatch,
} from '@hera/model-schema';
import { loadTfjsModel, selectBackend, type SharedTables } from '@hera/models';
import { idsOffset } from './slot-layout';

export interface ThreadInit {
  repo: string;
  model: string;
  /** The version a job naming none gets (the newest served). */
  version: string;
  tables: SharedTables;
  /**
   * The other versions the host serves (a version policy selecting several): this thread
   * loads and warms each too, with its own tables, and a job names the one it wants.
   */
  others?: readonly { version: string; tables: SharedTables }[];
  /** tfjs (default) or onnx: chosen by the host's main thread (engine-choice.ts). */
  engine?: ModelEngine;
  /** The TF.js backend (tfjs engine only; default: the fastest that initialises). */
  backend?: string;
  /** Items the slot holds at most. */
  maxItems: number;
  /** The tenant's sub-batch size: what the warm-up scores. */
  subBatch: number;
  /** Score back to back this long before taking work (see warmUp). */
  warmupMs: number;
  denseDim: number;
  idsPerItem: number;
  /**
   * [dense float32 × maxItems·denseDim][ids int32 × maxItems·idsPerItem]; the dense region
   * receives the model's wire datatype (FP16, INT8) from its start, widened here in place.
   */
  input: SharedArrayBuffer;
  /** scores float32 × maxItems */
  output: SharedArrayBuffer;
}

/**
 * Work for the thread: the request is already in the input slot, or, for a named-tensors job,
 * in `tensors` (transferred with the message; see WorkerPool).
 */
export interface ThreadJob {
  id: number;
  count: number;
  tensors?: NamedTensor[];
  /** Outputs wanted by name (empty: every declared one). */
  outputs?: string[];
  /** One of ThreadInit.others; absent: ThreadInit.version. */
  version?: string;
}

export type ThreadReply =
  | { type: 'ready'; backend: string }
  /**
   * startMs/endMs: when the inference call began and ended, ms since the epoch (this thread's
   * performance clock, which the host's main thread shares through timeOrigin): the host builds
   * the request's inference span from them, so no tracing SDK runs in the thread.
   */
  | {
      type: 'scores';
      id: number;
      computeUs: number;
      startMs: number;
      endMs: number;
      /** A named-tensors job's outputs (transferred); the scores slot is then unused. */
      outputs?: NamedTensor[];
    }
  | { type: 'error'; id: number; code: string; message: string }
  | { type: 'fatal'; message: string };

/**
 * Scores before taking work, at the sub-batch size (the largest job this thread gets, as
 * the host splits bigger requests): TF.js grows its heap on the first big
 * call, and the pool's service-time estimate should start sane. Then back to back for
 * `warmupMs`: measured here, a din thread that took work after 3 calls ran its matMul
 * kernel ~1.5× slower, and the whole query ~20% slower, for the rest of its life, however
 * much load came after; one that first scored back to back for 1 s or more ran as fast as
 * the engine in-process (rmc1, wnd: 4–8%). Why V8 keeps the slower state is not pinned
 * down; the cost is `warmupMs` of one core per new thread.
 */
async function warmUp(model: Scorer, init: ThreadInit): Promise<void> {
  const until = performance.now() + init.warmupMs;
  if (model.tensors && model.infer) {
    // Named tensors: synthetic rows from the signature (FP32 uniform, INT32 in range).
    const inputs = randomTensors(model.tensors.inputs, Math.min(MAX_ITEMS, init.subBatch), 2);
    for (let i = 0; i < 3 || performance.now() < until; i++) model.infer(inputs);
    return;
  }
  // Full sub-batches only: alternating with partial ones measured ~3% slower afterwards.
  const batch = randomBatch(model.config, Math.min(MAX_ITEMS, init.subBatch), 2);
  for (let i = 0; i < 3 || performance.now() < until; i++) await model.score(batch);
}

/**
 * What a thread needs of an engine. TF.js scores synchronously; onnxruntime-node only through a
 * promise (its session runs one event-loop turn later), so a score may be either.
 */
interface Scorer {
  readonly config: ModelConfig;
  readonly backend: string;
  score(batch: ValidBatch): Float32Array | Promise<Float32Array>;
  /** An imported model without the ranking layout (ImportedModel): its signature and run. */
  readonly tensors?: { inputs: TensorSpec[] } | undefined;
  infer?(inputs: readonly NamedTensor[], outputs?: readonly string[]): NamedTensor[];
}

async function load(init: ThreadInit, version = init.version, tables = init.tables): Promise<Scorer> {
  if (init.engine === 'onnx') {
    // Required here only: a TF.js thread never loads ONNX Runtime's native binding.
    const { OnnxModel } = await import('@hera/engine-onnx');
    return OnnxModel.load(init.repo, init.model, { version, tables });
  }
  await selectBackend(init.backend);
  // A zoo model on the embedding bag over the shared tables; an imported one on TF.js's loaders.
  return loadTfjsModel(init.repo, init.model, { version, tables });
}

/** A loaded version: its engine and its dense widener (an INT8 scale is a version's own). */
interface Loaded {
  model: Scorer;
  widener: DenseWidener;
}

async function main(): Promise<void> {
  const init = workerData as ThreadInit;
  const port = parentPort!;
  let model: Scorer;
  let widener: DenseWidener;
  const others = new Map<string, Loaded>();
  try {
    model = await load(init);
    // The model's dense datatype on the wire (its config): FP16 and INT8 arrive narrow and are
    // widened to FP32 here, on this thread, not on the host's main thread or the gateway. A
    // config it cannot widen (INT8 without its scale) fails the thread's start, saying why.
    widener = new DenseWidener(model.config, init.denseDim);
    for (const o of init.others ?? []) {
      const m = await load(init, o.version, o.tables);
      others.set(o.version, { model: m, widener: new DenseWidener(m.config, init.denseDim) });
      await warmUp(m, init);
    }
    await warmUp(model, init);
  } catch (err) {
    port.postMessage({ type: 'fatal', message: (err as Error).message } satisfies ThreadReply);
    return;
  }
  const defaultModel = model;
  const out = new Float32Array(init.output);
  const offset = idsOffset(init.maxItems, init.denseDim);
  // The pool gives a thread one job at a time, so an awaited score never overlaps the next.
  port.on('message', (job: ThreadJob) => void run(job));
  async function run(job: ThreadJob): Promise<void> {
    // The host's main thread checked the version against those it serves.
    const use = job.version ? others.get(job.version) : undefined;
    const model = use?.model ?? defaultModel;
    if (job.tensors) return runTensors(model, job, job.tensors);
    (use?.widener ?? widener).widen(init.input, 0, job.count);
    const batch = {
      count: job.count,
      dense: new Float32Array(init.input, 0, job.count * init.denseDim),
      ids: new Int32Array(init.input, offset, job.count * init.idsPerItem),
    };
    try {
      // The host's one value check (its main thread checked the lengths before copying); the
      // engine trusts what this returns.
      const valid = validateBatch(model.config, batch);
      const t0 = performance.now();
      const result = model.score(valid);
      // TF.js's path stays synchronous: no await, no extra turn of the event loop.
      const scores = result instanceof Float32Array ? result : await result;
      const t1 = performance.now();
      const computeUs = Math.round((t1 - t0) * 1000);
      out.set(scores);
      const origin = performance.timeOrigin;
      port.postMessage({
        type: 'scores',
        id: job.id,
        computeUs,
        startMs: origin + t0,
        endMs: origin + t1,
      } satisfies ThreadReply);
    } catch (err) {
      const code = err instanceof HeraError ? err.code : 'INTERNAL';
      port.postMessage({ type: 'error', id: job.id, code, message: (err as Error).message } satisfies ThreadReply);
    }
  }
  /** A named-tensors job: checked by the host's main thread (checkTensors) before it was queued. */
  function runTensors(model: Scorer, job: ThreadJob, tensors: NamedTensor[]): void {
    try {
      if (!model.infer) throw new HeraError('PRECONDITION', `model ${model.config.name} takes no named tensors`);
      const t0 = performance.now();
      const outputs = model.infer(tensors, job.outputs);
      const t1 = performance.now();
      const origin = performance.timeOrigin;
      port.postMessage(
        {
          type: 'scores',
          id: job.id,
          computeUs: Math.round((t1 - t0) * 1000),
          startMs: origin + t0,
          endMs: origin + t1,
          outputs,
        } satisfies ThreadReply,
        outputs.map(o => o.data.buffer as ArrayBuffer),
      );
    } catch (err) {
      const code = err instanceof HeraError ? err.code : 'INTERNAL';
      port.postMessage({ type: 'error', id: job.id, code, message: (err as Error).message } satisfies ThreadReply);
    }
  }
  port.postMessage({ type: 'ready', backend: model.backend } satisfies ThreadReply);
}

void main();
