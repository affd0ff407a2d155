import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHeraError } from '@hera/errors';
import type { TensorSignature } from '@hera/model-schema';
import type { InferRequest__Output } from '@hera/proto';
import { isTensorRequest, runTensors } from './tensor-request';
import type { Job } from './worker-pool';

const SIG: TensorSignature = {
  inputs: [{ name: 'ids', datatype: 'INT32', shape: [-1, 2], range: [0, 5] }],
  outputs: [
    { name: 'a', datatype: 'FP32', shape: [-1, 1] },
    { name: 'b', datatype: 'FP32', shape: [-1, 2] },
  ],
};
const i32 = (...v: number[]) => Buffer.from(new Int32Array(v).buffer);
const req = (over: Partial<InferRequest__Output> = {}): InferRequest__Output =>
  ({
    model: 'any',
    version: '',
    items: null,
    requestId: '',
    tensors: [{ name: 'ids', datatype: 'INT32', shape: [2, 2], data: i32(0, 1, 2, 4) }],
    outputs: [],
    ...over,
  }) as InferRequest__Output;

/** A sink that keeps the jobs and answers each with `outputs`. */
function sink() {
  const jobs: Job[] = [];
  return {
    jobs,
    submit: (...j: Job[]) => {
      jobs.push(...j);
      for (const job of j)
        job.resolve({
          scores: Buffer.alloc(0),
          outputs: [{ name: 'a', datatype: 'FP32', shape: [job.count, 1], data: new Uint8Array(job.count * 4) }],
          queueUs: 1,
          computeUs: 2,
        });
    },
  };
}
const refused = (code: 'INVALID_ARGUMENT' | 'PRECONDITION', want: RegExp) => (err: unknown) => {
  assert.ok(isHeraError(err, code), String(err));
  assert.match((err as Error).message, want);
  return true;
};

describe('tenant host: named-tensor requests', () => {
  it('goes the tensors way only for a tensors model, and refuses the other layout', () => {
    assert.equal(isTensorRequest('any', SIG, req()), true);
    assert.equal(isTensorRequest('zoo', undefined, req({ tensors: [] })), false);
    assert.throws(
      () => isTensorRequest('zoo', undefined, req()),
      refused('PRECONDITION', /model zoo has the ranking layout: send items, not named tensors/),
    );
    assert.throws(
      () =>
        isTensorRequest(
          'any',
          SIG,
          req({ tensors: [], items: { itemCount: 1, dense: Buffer.alloc(0), sparse: i32(1) } }),
        ),
      refused('PRECONDITION', /model any takes named tensors \(ids\), not the ranking layout: use ModelInfer/),
    );
  });

  it('checks the tensors (the gateway validator) before queueing one job of all the rows', async () => {
    const s = sink();
    const res = await runTensors(s, 'any', SIG, req({ outputs: ['a'] }), Infinity, 0, () => false);
    assert.equal(s.jobs.length, 1);
    assert.equal(s.jobs[0]!.count, 2);
    assert.deepEqual(s.jobs[0]!.outputs, ['a']);
    assert.equal(res.rows, 2);
    assert.deepEqual(
      res.outputs.map(o => o.name),
      ['a'],
    );

    const bad = sink();
    await assert.rejects(
      async () =>
        runTensors(
          bad,
          'any',
          SIG,
          req({ tensors: [{ name: 'ids', datatype: 'INT32', shape: [2, 2], data: i32(0, 1, 5, 4) }] }),
          Infinity,
          0,
          () => false,
        ),
      refused('INVALID_ARGUMENT', /tensors\[0\] \(ids\): value 5 at position 2 is out of range \[0, 5\)/),
    );
    await assert.rejects(
      async () => runTensors(bad, 'any', SIG, req({ outputs: ['c'] }), Infinity, 0, () => false),
      refused('INVALID_ARGUMENT', /outputs\[0\]: model any has no output "c" \(its outputs: a, b\)/),
    );
    assert.equal(bad.jobs.length, 0, 'nothing queued');
  });
});
