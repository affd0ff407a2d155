/**
 * One inference worker: a thread with its own TF.js instance (the WebAssembly
 * backend is single-threaded per instance), sharing the tenant's embedding tables
 * with its siblings through SharedArrayBuffers. It scores one sub-batch at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HeraError } from '@hera/errors';
import { loadModel, randomBatch, selectBackend, validateBatch, type Model, type SharedTables } from '@hera/models';

export interface ThreadInit {
  repo: string;
  model: string;
  version: string;
  tables: SharedTables;
  backend?: string;
}

/** Work for the thread: dense and ids arrive as transferred ArrayBuffers. */
export interface ThreadJob {
  id: number;
  count: number;
  dense: ArrayBuffer;
  ids: ArrayBuffer;
}

export type ThreadReply =
  | { type: 'ready'; backend: string }
  | { type: 'scores'; id: number; scores: ArrayBuffer; computeUs: number }
  | { type: 'error'; id: number; code: string; message: string }
  | { type: 'fatal'; message: string };

async function main(): Promise<void> {
  const init = workerData as ThreadInit;
  const port = parentPort!;
  let model: Model;
  try {
    await selectBackend(init.backend);
    model = await loadModel(init.repo, init.model, { version: init.version, tables: init.tables });
    // Warm up (wasm compilation, first allocations) before taking work, so the first
    // real request is not slow and the pool's service-time estimate starts sane.
    const warm = randomBatch(model.config, Math.min(64, model.config.subBatchSize), 1);
    for (let i = 0; i < 3; i++) model.score(warm);
  } catch (err) {
    port.postMessage({ type: 'fatal', message: (err as Error).message } satisfies ThreadReply);
    return;
  }
  port.on('message', (job: ThreadJob) => {
    const batch = { count: job.count, dense: new Float32Array(job.dense), ids: new Int32Array(job.ids) };
    try {
      validateBatch(model.config, batch);
      const t0 = process.hrtime.bigint();
      const scores = model.score(batch);
      const computeUs = Number((process.hrtime.bigint() - t0) / 1000n);
      // Hand the buffer over without a copy; scores are a fresh array per call.
      const buf = scores.byteOffset === 0 && scores.byteLength === scores.buffer.byteLength ? scores.buffer : scores.slice().buffer;
      port.postMessage({ type: 'scores', id: job.id, scores: buf as ArrayBuffer, computeUs } satisfies ThreadReply, [buf as ArrayBuffer]);
    } catch (err) {
      const code = err instanceof HeraError ? err.code : 'INTERNAL';
      port.postMessage({ type: 'error', id: job.id, code, message: (err as Error).message } satisfies ThreadReply);
    }
  });
  port.postMessage({ type: 'ready', backend: model.backend } satisfies ThreadReply);
}

void main();
