import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHeraError } from '@hera/errors';
import { MAX_TENSOR_ROWS, type TensorSignature } from '@hera/model-schema';
import type { ModelInferRequest__Output } from '@hera/proto';
import { toCatalogEntry } from './catalog';
import { fromTensorRequest } from './oip';
import { tinyModel } from './test-fixtures';
import { tritonConfig } from './triton';

const SIG: TensorSignature = {
  inputs: [
    { name: 'user', datatype: 'FP32', shape: [-1, 2] },
    { name: 'history', datatype: 'INT32', shape: [-1, 3], range: [0, 10] },
  ],
  outputs: [
    { name: 'probs', datatype: 'FP32', shape: [-1, 3] },
    { name: 'value', datatype: 'FP32', shape: [-1, 1] },
  ],
};
const MODEL = toCatalogEntry(
  tinyModel({ name: 'any', denseDim: 0, tables: [], sharedTables: false, tensors: SIG }),
) as ReturnType<typeof toCatalogEntry> & { tensors: TensorSignature };

type Input = ModelInferRequest__Output['inputs'][number];
const input = (name: string, datatype: string, shape: number[], contents: Record<string, unknown[]> | null = null) =>
  ({
    name,
    datatype,
    shape: shape.map(String),
    parameters: {},
    contents: contents && {
      boolContents: [],
      intContents: [],
      int64Contents: [],
      uintContents: [],
      uint64Contents: [],
      fp32Contents: [],
      fp64Contents: [],
      bytesContents: [],
      ...contents,
    },
  }) as unknown as Input;
const request = (inputs: Input[], raw: Buffer[] = [], outputs: string[] = []) =>
  ({
    modelName: 'any',
    modelVersion: '',
    id: '',
    parameters: {},
    inputs,
    outputs: outputs.map(name => ({ name, parameters: {} })),
    rawInputContents: raw,
  }) as unknown as ModelInferRequest__Output;
const f32 = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);
const i32 = (...v: number[]) => Buffer.from(new Int32Array(v).buffer);
const user = (rows = 2) => input('user', 'FP32', [rows, 2]);
const history = (rows = 2) => input('history', 'INT32', [rows, 3]);
const good = () => [f32(1, 2, 3, 4), i32(0, 1, 2, 9, 8, 7)];

/** INVALID_ARGUMENT whose message matches `want`. */
const refuses = (req: ModelInferRequest__Output, want: RegExp) =>
  assert.throws(
    () => fromTensorRequest(MODEL, req),
    (err: unknown) => {
      assert.ok(isHeraError(err, 'INVALID_ARGUMENT'), String(err));
      assert.match((err as Error).message, want);
      return true;
    },
  );

describe('fromTensorRequest (ModelInfer on a named-tensors model)', () => {
  it('takes the declared tensors raw or typed, in any order, and the outputs asked for', () => {
    const raw = fromTensorRequest(MODEL, request([user(), history()], good()));
    assert.equal(raw.rows, 2);
    assert.equal(raw.raw, true);
    assert.deepEqual(
      raw.tensors.map(t => [t.name, t.datatype, t.shape, t.data.byteLength]),
      [
        ['user', 'FP32', [2, 2], 16],
        ['history', 'INT32', [2, 3], 24],
      ],
    );
    const typed = fromTensorRequest(
      MODEL,
      request(
        [
          input('history', 'INT32', [1, 3], { intContents: [1, 2, 3] }),
          input('user', 'FP32', [1, 2], { fp32Contents: [0.5, -1] }),
        ],
        [],
        ['value'],
      ),
    );
    assert.equal(typed.rows, 1);
    assert.equal(typed.raw, false);
    assert.deepEqual(typed.outputs, ['value']);
    assert.deepEqual([...new Int32Array(typed.tensors[0]!.data.buffer)], [1, 2, 3]);
    assert.deepEqual([...new Float32Array(typed.tensors[1]!.data.buffer)], [0.5, -1]);
  });

  it('refuses each bad tensor with INVALID_ARGUMENT naming it and the reason', () => {
    refuses(
      request([user(), input('clicks', 'INT32', [2, 3])], good()),
      /inputs\[1\] \(clicks\): model any has no input "clicks" \(its inputs: user, history\)/,
    );
    refuses(request([user()], [f32(1, 2, 3, 4)]), /inputs: missing input history \(INT32 \[n, 3\]\)/);
    refuses(
      request([user(), history(), user()], [...good(), f32(1, 2, 3, 4)]),
      /inputs\[2\] \(user\): input user given twice \(also inputs\[0\] \(user\)\)/,
    );
    refuses(
      request([user(), input('history', 'INT64', [2, 3])], good()),
      /inputs\[1\] \(history\)\.datatype: must be INT32, got "INT64"/,
    );
    refuses(
      request([user(), input('history', 'FP64', [2, 3])], good()),
      /inputs\[1\] \(history\)\.datatype: must be INT32, got "FP64"/,
    );
    refuses(
      request([user(), input('history', 'INT32', [2, 4])], good()),
      /inputs\[1\] \(history\)\.shape: expected \[n, 3\] \(n rows\), got \[2, 4\]/,
    );
    refuses(
      request([user(), input('history', 'INT32', [6])], good()),
      /inputs\[1\] \(history\)\.shape: expected \[n, 3\]/,
    );
    refuses(
      request([user(2), history(1)], [f32(1, 2, 3, 4), i32(0, 1, 2)]),
      /inputs\[1\] \(history\)\.shape: has 1 rows, inputs\[0\] \(user\) has 2/,
    );
    refuses(
      request([user(0), history(0)], [f32(), i32()]),
      /inputs\[0\] \(user\)\.shape: rows \(the first dimension\) must be 1 … 1024, got 0/,
    );
    const big = MAX_TENSOR_ROWS + 1;
    refuses(
      request([user(big), history(big)], [f32(), i32()]),
      new RegExp(`rows \\(the first dimension\\) must be 1 … ${MAX_TENSOR_ROWS}, got ${big}`),
    );
    refuses(
      request([user(), history()], [f32(1, 2, 3), good()[1]!]),
      /inputs\[0\] \(user\): expected 16 bytes for \[2, 2\] FP32, got 12/,
    );
    refuses(
      request([user(), history()], [f32(1, NaN, 3, 4), good()[1]!]),
      /inputs\[0\] \(user\): value NaN at position 1 is not finite/,
    );
    refuses(
      request([user(), history()], [good()[0]!, i32(0, 1, 2, 10, 8, 7)]),
      /inputs\[1\] \(history\): value 10 at position 3 is out of range \[0, 10\) \(row 1\)/,
    );
    refuses(
      request([user(), history()], [good()[0]!, i32(0, -1, 2, 1, 8, 7)]),
      /inputs\[1\] \(history\): value -1 at position 1 is out of range/,
    );
    refuses(request([user(), history()], [good()[0]!]), /raw_input_contents: has 1 entries for 2 inputs/);
    refuses(
      request([
        input('user', 'FP32', [1, 2], { fp32Contents: [1] }),
        input('history', 'INT32', [1, 3], { intContents: [1, 2, 3] }),
      ]),
      /inputs\[0\] \(user\)\.contents\.fp32_contents: expected 2 values for shape \[1, 2\], got 1/,
    );
    refuses(
      request([
        input('user', 'FP32', [1, 2], { fp64Contents: [1, 2] }),
        input('history', 'INT32', [1, 3], { intContents: [1, 2, 3] }),
      ]),
      /inputs\[0\] \(user\)\.contents: has fp64_contents; an input of datatype FP32 takes fp32_contents/,
    );
    refuses(
      request([user(), history()], good(), ['logits']),
      /outputs\[0\]\.name: unknown output "logits"; model any has "probs", "value"/,
    );
    refuses(
      request([user(), history()], good(), ['value', 'value']),
      /outputs\[1\]\.name: output "value" asked for twice/,
    );
  });

  it("Triton's ModelConfig lists the declared tensors, batch dimension left out", () => {
    const c = tritonConfig(MODEL, 1024);
    assert.deepEqual(
      c.input!.map(t => [t.name, t.dataType, t.dims]),
      [
        ['user', 'TYPE_FP32', [2]],
        ['history', 'TYPE_INT32', [3]],
      ],
    );
    assert.deepEqual(
      c.output!.map(t => [t.name, t.dataType, t.dims]),
      [
        ['probs', 'TYPE_FP32', [3]],
        ['value', 'TYPE_FP32', [1]],
      ],
    );
    assert.equal(c.platform, 'tensorflowjs');
  });
});
