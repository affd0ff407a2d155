import { HeraError } from '@hera/errors';
import type { Job, JobResult } from './worker-pool';

export interface SplitResult {
  /** Little-endian float32 scores, one per item, in item order. */
  scores: Buffer;
  /** The longest any part waited in the queue. */
  queueUs: number;
  /** Thread time the request took: the sum over its parts. */
  computeUs: number;
}

/** Where split requests go: the tenant's WorkerPool (an interface so tests can drive it). */
export interface JobSink {
  /** Queues one request's jobs together, or throws (HeraError) refusing them all. */
  submit(...jobs: Job[]): void;
}

/**
 * Runs one request as jobs of at most `subBatch` items (the DeepRecSys engine's
 * sub-batches): idle threads take the parts in parallel, and no thread ever scores
 * more than a sub-batch at once, which bounds its memory (TF.js heaps grow to the
 * largest batch seen and never shrink). The first part to fail fails the request at
 * once and the parts still queued are skipped, not computed.
 */
export function runSplit(
  sink: JobSink,
  /** version: which of the host's versions scores it (absent: the newest). */
  batch: { count: number; dense: Uint8Array; ids: Uint8Array; version?: string },
  subBatch: number,
  /** denseBytes: bytes of one dense value as the request carries it (4, or 2 for FP16, 1 for INT8). */
  dims: { denseDim: number; idsPerItem: number; denseBytes?: number },
  deadline: number,
  enqueuedAt: number,
  callerCancelled: () => boolean,
  /** Told each part's result and item count as it comes (the host's spans for a traced request). */
  onPart?: (r: JobResult, items: number) => void,
): Promise<SplitResult> {
  const size = Math.max(1, Math.floor(subBatch));
  const dense = dims.denseBytes ?? 4;
  if (batch.count <= size) {
    return new Promise((resolve, reject) =>
      sink.submit({
        ...batch,
        deadline,
        enqueuedAt,
        cancelled: callerCancelled,
        resolve: onPart
          ? r => {
              onPart(r, batch.count);
              resolve(r);
            }
          : resolve,
        reject,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    const scores = Buffer.allocUnsafe(batch.count * 4);
    let failed = false;
    let left = Math.ceil(batch.count / size);
    let queueUs = 0;
    let computeUs = 0;
    const cancelled = () => failed || callerCancelled();
    const fail = (err: HeraError) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    const parts: Job[] = [];
    for (let start = 0; start < batch.count; start += size) {
      const end = Math.min(batch.count, start + size);
      parts.push({
        count: end - start,
        dense: batch.dense.subarray(start * dims.denseDim * dense, end * dims.denseDim * dense),
        ids: batch.ids.subarray(start * dims.idsPerItem * 4, end * dims.idsPerItem * 4),
        ...(batch.version ? { version: batch.version } : {}),
        deadline,
        enqueuedAt,
        cancelled,
        resolve: r => {
          if (failed) return;
          onPart?.(r, end - start);
          r.scores.copy(scores, start * 4);
          queueUs = Math.max(queueUs, r.queueUs);
          computeUs += r.computeUs;
          if (--left === 0) resolve({ scores, queueUs, computeUs });
        },
        reject: fail,
      });
    }
    try {
      sink.submit(...parts);
    } catch (err) {
      fail(err instanceof HeraError ? err : new HeraError('INTERNAL', (err as Error).message));
    }
  });
}
