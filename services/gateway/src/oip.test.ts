import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelInferRequest__Output } from '@hera/proto';
import { toCatalogEntry } from './catalog';
import { tinyModel } from './test-fixtures';
import { fromInferRequest } from './oip';

const MODEL = toCatalogEntry(tinyModel());

const FIELDS = [
  'boolContents',
  'intContents',
  'int64Contents',
  'uintContents',
  'uint64Contents',
  'fp32Contents',
  'fp64Contents',
  'bytesContents',
] as const;
type Contents = Partial<Record<(typeof FIELDS)[number], unknown[]>>;
const EMPTY: Contents = Object.fromEntries(FIELDS.map(f => [f, []]));
type Input = ModelInferRequest__Output['inputs'][number];
const input = (name: string, datatype: string, shape: number[], contents: Contents | null = null): Input =>
  ({
    name,
    datatype,
    shape: shape.map(String),
    parameters: {},
    contents: contents && { ...EMPTY, ...contents },
  }) as unknown as Input;
const request = (inputs: Input[], raw: Buffer[] = []) =>
  ({
    modelName: 'tiny',
    modelVersion: '',
    id: '',
    parameters: {},
    inputs,
    outputs: [],
    rawInputContents: raw,
  }) as unknown as ModelInferRequest__Output;
const dense = (c?: Contents) => input('dense', 'FP32', [1, 2], c);
const sparse = (c?: Contents, datatype = 'INT32') => input('sparse', datatype, [1, 2, 2], c);
const raw = () => [Buffer.alloc(8), Buffer.alloc(16)];

describe('fromInferRequest', () => {
  it('takes each input in one form: raw, or the typed field of its datatype', () => {
    assert.equal(fromInferRequest(MODEL, request([dense(), sparse()], raw())).raw, true);
    const typed = fromInferRequest(
      MODEL,
      request([dense({ fp32Contents: [1, 2] }), sparse({ int64Contents: ['1', '2', '3', '4'] }, 'INT64')]),
    );
    assert.deepEqual(
      [typed.raw, typed.itemCount, Array.from(new Int32Array(typed.sparse.buffer, typed.sparse.byteOffset, 4))],
      [false, 1, [1, 2, 3, 4]],
    );
  });

  const refused: [string, ModelInferRequest__Output, RegExp][] = [
    [
      'raw and fp64_contents',
      request([dense(), sparse({ fp64Contents: [1] })], raw()),
      /^inputs\[1\] \(sparse\)\.contents: has fp64_contents as well as raw_input_contents\[1\]; give each input in exactly one form$/,
    ],
    [
      'raw and uint64_contents',
      request([dense({ uint64Contents: ['1'] }), sparse()], raw()),
      /^inputs\[0\] \(dense\)\.contents: has uint64_contents as well as raw_input_contents\[0\]/,
    ],
    [
      'raw and bytes_contents',
      request([dense(), sparse({ bytesContents: [Buffer.alloc(1)] })], raw()),
      /^inputs\[1\] \(sparse\)\.contents: has bytes_contents as well/,
    ],
    [
      'sparse twice',
      request([dense(), sparse(), sparse()], [...raw(), Buffer.alloc(16)]),
      /^inputs\[2\]\.name: duplicate input "sparse" \(also inputs\[1\]\); give each input once$/,
    ],
    [
      'dense twice',
      request([
        dense({ fp32Contents: [1, 2] }),
        dense({ fp32Contents: [1, 2] }),
        sparse({ intContents: [1, 2, 3, 4] }),
      ]),
      /^inputs\[1\]\.name: duplicate input "dense" \(also inputs\[0\]\)/,
    ],
    [
      'two typed fields',
      request([dense({ fp32Contents: [1, 2], fp64Contents: [1, 2] }), sparse({ intContents: [1, 2, 3, 4] })]),
      /^inputs\[0\] \(dense\)\.contents: has fp32_contents and fp64_contents; give exactly one content field$/,
    ],
    [
      'the field of another datatype',
      request([dense({ fp64Contents: [1, 2] }), sparse({ intContents: [1, 2, 3, 4] })]),
      /^inputs\[0\] \(dense\)\.contents: has fp64_contents; an input of datatype FP32 takes fp32_contents$/,
    ],
    [
      'an 80 KB input name',
      request([input('x'.repeat(80_000), 'FP32', [1, 2])]),
      /^inputs\[0\]\.name: unknown input "x{64}…" \(80000 chars\); model tiny takes dense and sparse$/,
    ],
    [
      'an 80 KB datatype',
      request([dense(), input('sparse', 'Q'.repeat(80_000), [1, 2, 2])], raw()),
      /^inputs\[1\] \(sparse\)\.datatype: must be INT32 or INT64, got "Q{64}…" \(80000 chars\)$/,
    ],
    [
      'a shape of 10,000 dimensions',
      request([dense(), input('sparse', 'INT32', Array(10_000).fill(1))], raw()),
      /^inputs\[1\] \(sparse\)\.shape: expected \[k, 2, 2\] or \[k, 4\], got \[1, 1, 1, 1, 1, 1, 1, 1, …\] \(10000 dimensions\)$/,
    ],
  ];
  for (const [what, req, want] of refused) {
    it(`refuses ${what} with INVALID_ARGUMENT naming the input`, () => {
      assert.throws(
        () => fromInferRequest(MODEL, req),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'INVALID_ARGUMENT');
          assert.match(err.message, want);
          return true;
        },
      );
    });
  }
});

describe('fromInferRequest: the model dense datatype', () => {
  const HALF = toCatalogEntry(tinyModel({ denseDatatype: 'FP16' }));
  const QUANT = toCatalogEntry(tinyModel({ denseDatatype: 'INT8', denseQuant: { scale: [0.5], zeroPoint: [0] } }));
  const ids = Buffer.alloc(16);
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };

  it('FP16: raw bytes pass through unconverted, 2 a value', () => {
    const half = Buffer.from([0x00, 0x3c, 0x00, 0xc0]); // 1, -2
    const got = fromInferRequest(HALF, request([input('dense', 'FP16', [1, 2]), sparse()], [half, ids]));
    assert.deepEqual(Buffer.from(got.dense), half);
    assert.equal(
      message(() =>
        fromInferRequest(HALF, request([input('dense', 'FP16', [1, 2]), sparse()], [Buffer.alloc(8), ids])),
      ),
      'raw_input_contents[0] (dense): expected 4 bytes for shape [1, 2] FP16 (float16), got 8',
    );
    assert.match(
      message(() =>
        fromInferRequest(HALF, request([input('dense', 'FP16', [1, 2], {}), sparse({ intContents: [1, 2, 3, 4] })])),
      ),
      /^inputs\[0\] \(dense\)\.contents: FP16 has no typed contents field in the protocol; send it as raw_input_contents/,
    );
  });

  it('a datatype other than the model declares is refused, naming the input', () => {
    assert.equal(
      message(() => fromInferRequest(HALF, request([dense(), sparse()], raw()))),
      'inputs[0] (dense).datatype: must be FP16, got "FP32" (model tiny declares its dense input FP16)',
    );
    assert.match(
      message(() =>
        fromInferRequest(MODEL, request([input('dense', 'FP16', [1, 2]), sparse()], [Buffer.alloc(4), ids])),
      ),
      /^inputs\[0\] \(dense\)\.datatype: must be FP32, got "FP16"/,
    );
  });

  it('INT8: raw (1 byte a value) or int_contents, each in [-128, 127]', () => {
    const q = Buffer.from([0x81, 0x7f]);
    assert.deepEqual(
      Buffer.from(fromInferRequest(QUANT, request([input('dense', 'INT8', [1, 2]), sparse()], [q, ids])).dense),
      q,
    );
    const typed = fromInferRequest(
      QUANT,
      request([input('dense', 'INT8', [1, 2], { intContents: [-127, 127] }), sparse({ intContents: [1, 2, 3, 4] })]),
    );
    assert.deepEqual(Buffer.from(typed.dense), q);
    assert.equal(
      message(() =>
        fromInferRequest(
          QUANT,
          request([input('dense', 'INT8', [1, 2], { intContents: [0, 200] }), sparse({ intContents: [1, 2, 3, 4] })]),
        ),
      ),
      'inputs[0] (dense).contents.int_contents: value 200 at position 1 is not an INT8 (-128 … 127)',
    );
    assert.match(
      message(() =>
        fromInferRequest(
          QUANT,
          request([input('dense', 'INT8', [1, 2], { fp32Contents: [0, 1] }), sparse({ intContents: [1, 2, 3, 4] })]),
        ),
      ),
      /^inputs\[0\] \(dense\)\.contents: has fp32_contents; an input of datatype INT8 takes int_contents/,
    );
  });
});
