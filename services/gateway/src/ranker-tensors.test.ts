/** The Ranker's named-tensors path over in-memory fakes: no Redis, no network. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { isHeraError } from '@hera/errors';
import type { NamedTensor, TensorSignature } from '@hera/model-schema';
import type { InferRequest } from '@hera/proto';
import { toCatalogEntry } from './catalog';
import { Ranker, type ModelLookup, type ReplicaRouter, type TensorInput } from './ranker';
import { Replica, type InferStream } from './replica';
import { rankQuery, tinyModel } from './test-fixtures';

const SIG: TensorSignature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
};
const MODEL = toCatalogEntry(tinyModel({ name: 'any', denseDim: 0, tables: [], tensors: SIG }));
const catalog: ModelLookup = { get: name => (name === MODEL.name ? MODEL : undefined) };
const OPTS = { maxItems: 1024, deadlineSlaMultiple: 2, admissionControl: true, validateValues: true };

/** A replica whose host sums each row of x into y, or fails with `fail`. */
function replica(node: string, fail?: grpc.status): { r: Replica; requests: InferRequest[] } {
  const requests: InferRequest[] = [];
  const stream: InferStream = {
    infer: req => {
      requests.push(req);
      if (fail !== undefined)
        return Promise.reject(
          Object.assign(new Error(`${fail} ${grpc.status[fail]}: no`), {
            code: fail,
            details: 'no',
            metadata: new grpc.Metadata(),
          }),
        );
      const t = req.tensors![0]!;
      const x = new Float32Array((t.data as Uint8Array).slice().buffer);
      const rows = Number(t.shape![0]);
      const y = Float32Array.from({ length: rows }, (_, i) => x[2 * i]! + x[2 * i + 1]!);
      return Promise.resolve({
        scores: Buffer.alloc(0),
        version: '1',
        queueUs: 3,
        computeUs: 7,
        outputs: [{ name: 'y', datatype: 'FP32', shape: [rows, 1], data: Buffer.from(y.buffer) }],
      }) as ReturnType<InferStream['infer']>;
    },
  };
  const r = new Replica(node, MODEL.name, `${node}:1`, 1, stream);
  r.estimatedAt = Date.now();
  return { r, requests };
}

class First implements ReplicaRouter {
  constructor(readonly list: Replica[]) {}
  replicas(model: string): readonly Replica[] {
    return model === MODEL.name ? this.list : [];
  }
  subBatchSize(): number | undefined {
    return undefined;
  }
  estimateMs(): number | undefined {
    return undefined;
  }
  pick(model: string, exclude?: Replica): Replica | undefined {
    return this.replicas(model).find(r => r !== exclude);
  }
}

const x: NamedTensor = {
  name: 'x',
  datatype: 'FP32',
  shape: [2, 2],
  data: new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer),
};
const query = (over: Partial<TensorInput> = {}): TensorInput => ({
  model: 'any',
  version: '',
  rows: 2,
  tensors: [x],
  outputs: [],
  clientDeadline: Infinity,
  timeoutMs: 0,
  ...over,
});

describe('Ranker: named tensors', () => {
  it('sends the whole query to one replica and returns its outputs by name', async () => {
    const a = replica('a');
    const res = await new Ranker(catalog, new First([a.r]), OPTS).inferTensors(query({ outputs: ['y'] }));
    assert.equal(a.requests.length, 1);
    assert.deepEqual(a.requests[0]!.outputs, ['y']);
    assert.equal(a.requests[0]!.items, undefined, 'no ranking payload');
    assert.equal(res.rows, 2);
    assert.deepEqual(
      res.outputs.map(o => [o.name, o.shape]),
      [['y', [2, 1]]],
    );
    assert.deepEqual([...new Float32Array(res.outputs[0]!.data.slice().buffer)], [3, 7]);
    assert.equal(a.r.outstandingItems, 0, 'rows no longer counted once answered');
  });

  it('retries once on another replica after UNAVAILABLE', async () => {
    const a = replica('a', grpc.status.UNAVAILABLE);
    const b = replica('b');
    const res = await new Ranker(catalog, new First([a.r, b.r]), OPTS).inferTensors(query());
    assert.equal(a.requests.length + b.requests.length, 2);
    assert.equal(res.outputs[0]!.name, 'y');
  });

  it('Rank on it is FAILED_PRECONDITION naming the model and ModelInfer', async () => {
    const a = replica('a');
    await assert.rejects(new Ranker(catalog, new First([a.r]), OPTS).rank(rankQuery(MODEL, 1)), (err: unknown) => {
      assert.ok(isHeraError(err, 'PRECONDITION'), String(err));
      assert.match(
        (err as Error).message,
        /model any takes named tensors \(x\), not the ranking layout: use ModelInfer/,
      );
      return true;
    });
    assert.equal(a.requests.length, 0);
  });
});
