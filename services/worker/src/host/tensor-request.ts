import { HeraError } from '@hera/errors';
import { checkTensors, type NamedTensor, type TensorDatatype, type TensorSignature } from '@hera/model-schema';
import type { InferRequest__Output } from '@hera/proto';
import type { JobSink } from './split';
import type { JobResult } from './worker-pool';

export interface TensorResult {
  outputs: NamedTensor[];
  rows: number;
  queueUs: number;
  computeUs: number;
}

/**
 * Whether a request is for the named-tensors path: the model declares tensors (an imported
 * model without the ranking layout), or the request carries them. A mismatch is refused here,
 * FAILED_PRECONDITION naming what the model takes.
 */
export function isTensorRequest(model: string, sig: TensorSignature | undefined, req: InferRequest__Output): boolean {
  if (!sig && req.tensors.length > 0)
    throw new HeraError('PRECONDITION', `model ${model} has the ranking layout: send items, not named tensors`);
  if (sig && req.items && (req.items.itemCount > 0 || req.items.dense.byteLength || req.items.sparse.byteLength))
    throw new HeraError(
      'PRECONDITION',
      `model ${model} takes named tensors (${sig.inputs.map(i => i.name).join(', ')}), not the ranking layout: use ModelInfer`,
    );
  return sig !== undefined;
}

/**
 * Runs one named-tensors request as one job (no split: at most MAX_TENSOR_ROWS rows, checked
 * here with the same validator the gateway runs), on the tenant's queue like any sub-batch.
 */
export function runTensors(
  sink: JobSink,
  model: string,
  sig: TensorSignature,
  req: InferRequest__Output,
  deadline: number,
  enqueuedAt: number,
  cancelled: () => boolean,
  onPart?: (r: JobResult, items: number) => void,
  /** One of the host's other versions (absent: its newest). */
  version?: string,
): Promise<TensorResult> {
  const tensors: NamedTensor[] = req.tensors.map(t => ({
    name: t.name,
    datatype: t.datatype as TensorDatatype,
    shape: t.shape.map(Number),
    data: t.data,
  }));
  const declared = sig.outputs.map(o => o.name);
  const seen = new Set<string>();
  for (const [i, o] of req.outputs.entries()) {
    if (!declared.includes(o))
      throw new HeraError(
        'INVALID_ARGUMENT',
        `outputs[${i}]: model ${model} has no output ${JSON.stringify(o.slice(0, 64))} (its outputs: ${declared.join(', ')})`,
      );
    if (seen.has(o)) throw new HeraError('INVALID_ARGUMENT', `outputs[${i}]: ${o} asked for twice`);
    seen.add(o);
  }
  const rows = checkTensors(model, sig.inputs, tensors);
  return new Promise((resolve, reject) =>
    sink.submit({
      count: rows,
      dense: new Uint8Array(0),
      ids: new Uint8Array(0),
      tensors,
      outputs: req.outputs,
      ...(version ? { version } : {}),
      deadline,
      enqueuedAt,
      cancelled,
      resolve: r => {
        onPart?.(r, rows);
        resolve({ outputs: r.outputs ?? [], rows, queueUs: r.queueUs, computeUs: r.computeUs });
      },
      reject,
    }),
  );
}
