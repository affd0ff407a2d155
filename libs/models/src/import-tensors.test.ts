import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import type * as TFL from '@tensorflow/tfjs-layers';
import { isHeraError } from '@hera/errors';
import { randomTensors, requireZoo, toModelRecord, validateBatch, type TensorSpec } from '@hera/model-schema';
import { selectBackend } from './backend';
import { importModel } from './import';
import { type ImportedModel, loadTfjsModel } from './imported-model';
import { saveToDirectory } from './save-model';
import { tfjs } from './tfjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tfl = () => require('@tensorflow/tfjs-layers') as typeof TFL;

function digest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) {
        out.set(`${relative(dir, p)}/`, '');
        walk(p);
      } else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** Two inputs (user FP32 [4], history ids [5] into an Embedding of 30), two outputs (probs [3], value [1]). */
function anyModel(): TFL.LayersModel {
  const l = tfl();
  const user = l.input({ shape: [4], name: 'user' });
  const history = l.input({ shape: [5], dtype: 'int32', name: 'history' });
  const emb = l.layers.embedding({ inputDim: 30, outputDim: 2, name: 'history_emb' }).apply(history);
  const x = l.layers.concatenate().apply([user, l.layers.flatten().apply(emb) as TFL.SymbolicTensor]);
  const h = l.layers.dense({ units: 6, activation: 'relu' }).apply(x);
  const probs = l.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(h);
  const value = l.layers.dense({ units: 1, name: 'value' }).apply(h);
  return l.model({ inputs: [user, history], outputs: [probs, value] as TFL.SymbolicTensor[] });
}

const SIGNATURE = {
  inputs: [
    { name: 'user', datatype: 'FP32', shape: [-1, 4] },
    { name: 'history', datatype: 'INT32', shape: [-1, 5], range: [0, 30] },
  ],
  outputs: [
    { name: 'probs', datatype: 'FP32', shape: [-1, 3] },
    { name: 'value', datatype: 'FP32', shape: [-1, 1] },
  ],
  slaMs: 30,
};

/** A hand-written graph model: out = x · w + emb[id] over Placeholders x [-1, 2] and ids [-1, 1]. */
function writeGraphModel(dir: string): { w: number[]; emb: number[] } {
  mkdirSync(dir, { recursive: true });
  const w = [0.5, -0.25];
  const emb = [0.1, 0.2, -0.3, 0.4, -0.5];
  const shape = (...d: number[]) => ({ dim: d.map(size => ({ size: String(size) })) });
  const placeholder = (name: string, type: string, d: number) => ({
    name,
    op: 'Placeholder',
    attr: { dtype: { type }, shape: { shape: shape(-1, d) } },
  });
  const constant = (name: string, type: string, ...d: number[]) => ({
    name,
    op: 'Const',
    attr: { dtype: { type }, value: { tensor: { dtype: type, tensorShape: shape(...d) } } },
  });
  const json = {
    format: 'graph-model',
    modelTopology: {
      node: [
        placeholder('x', 'DT_FLOAT', 2),
        placeholder('ids', 'DT_INT32', 1),
        constant('w', 'DT_FLOAT', 2, 1),
        constant('emb', 'DT_FLOAT', 5, 1),
        constant('axis', 'DT_INT32'),
        constant('shp', 'DT_INT32', 2),
        { name: 'mm', op: 'MatMul', input: ['x', 'w'], attr: { transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'g', op: 'GatherV2', input: ['emb', 'ids', 'axis'], attr: { batch_dims: { i: '0' } } },
        { name: 'r', op: 'Reshape', input: ['g', 'shp'] },
        { name: 'out', op: 'AddV2', input: ['mm', 'r'] },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'w', shape: [2, 1], dtype: 'float32' },
          { name: 'emb', shape: [5, 1], dtype: 'float32' },
          { name: 'axis', shape: [], dtype: 'int32' },
          { name: 'shp', shape: [2], dtype: 'int32' },
        ],
      },
    ],
  };
  writeFileSync(
    join(dir, 'weights.bin'),
    Buffer.concat([
      Buffer.from(new Float32Array([...w, ...emb]).buffer),
      Buffer.from(new Int32Array([0, -1, 1]).buffer),
    ]),
  );
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return { w, emb };
}

describe('hera models import: the tensors form (named tensors, no ranking layout)', () => {
  let root: string;
  let source: string;
  let model: TFL.LayersModel;
  before(async () => {
    await selectBackend('wasm');
    root = mkdtempSync(join(tmpdir(), 'hera-import-tensors-test-'));
    source = join(root, 'src');
    model = anyModel();
    await saveToDirectory(model, source);
    writeFileSync(join(source, 'hera-signature.json'), JSON.stringify(SIGNATURE));
  });
  after(() => {
    model?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('imports a two-input, two-output layers model; served by name as predict computes it', async () => {
    const repo = join(root, 'repo-ok');
    const config = await importModel({ repo, source, name: 'any' });
    assert.deepEqual(config.arch, {
      family: 'imported',
      layout: 'tensors',
      kind: 'layers-model',
      inputs: SIGNATURE.inputs,
      outputs: SIGNATURE.outputs,
    });
    assert.equal(config.slaMs, 30);
    assert.deepEqual(config.tables, []);
    assert.equal(config.output, undefined);
    assert.equal(config.tableBytes, 30 * 2 * 4, 'the Embedding counts as tables for the memory-bound guess');
    const record = toModelRecord(config);
    assert.deepEqual(record.tensors, { inputs: SIGNATURE.inputs, outputs: SIGNATURE.outputs });
    assert.equal(record.sharedTables, false);
    assert.throws(
      () => requireZoo(config, 'the roofline'),
      /model any is an imported TF\.js layers-model: the roofline covers the zoo's models only/,
    );

    const served = (await loadTfjsModel(repo, 'any')) as ImportedModel;
    try {
      const inputs = randomTensors(SIGNATURE.inputs as TensorSpec[], 7, 3);
      const tf = tfjs();
      const want = tf.tidy(() =>
        (
          model.predict([
            tf.tensor2d(new Float32Array(inputs[0]!.data.buffer), [7, 4]),
            tf.tensor2d(new Int32Array(inputs[1]!.data.buffer), [7, 5], 'int32'),
          ]) as TF.Tensor[]
        ).map(t => Array.from(t.dataSync())),
      );
      const got = served.infer(inputs);
      assert.deepEqual(
        got.map(o => [o.name, o.datatype, o.shape]),
        [
          ['probs', 'FP32', [7, 3]],
          ['value', 'FP32', [7, 1]],
        ],
      );
      got.forEach((o, i) => {
        const v = new Float32Array(o.data.buffer, o.data.byteOffset, o.data.byteLength / 4);
        v.forEach((x, j) => assert.ok(Math.abs(x - want[i]![j]!) < 1e-6, `${o.name}[${j}]: ${x} vs ${want[i]![j]}`));
      });
      const one = served.infer(inputs, ['value']);
      assert.deepEqual(
        one.map(o => o.name),
        ['value'],
      );
      assert.throws(
        () => served.score(validateBatch(config, { count: 0, dense: new Float32Array(0), ids: new Int32Array(0) })),
        /model any takes named tensors, not the ranking layout: use ModelInfer/,
      );
    } finally {
      served.dispose();
    }
  });

  it('imports a graph model in the tensors form and runs it with tfjs-converter', async () => {
    const dir = join(root, 'graph');
    const { w, emb } = writeGraphModel(dir);
    const signature = join(root, 'graph-signature.json');
    writeFileSync(
      signature,
      JSON.stringify({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [-1, 2] },
          { name: 'ids', datatype: 'INT32', shape: [-1, 1], range: [0, 5] },
        ],
        outputs: [{ name: 'out', datatype: 'FP32', shape: [-1, 1] }],
      }),
    );
    const repo = join(root, 'repo-graph');
    await importModel({ repo, source: dir, name: 'g', signature });
    const served = (await loadTfjsModel(repo, 'g')) as ImportedModel;
    try {
      const x = Float32Array.from([1, 2, -1, 0.5]);
      const ids = Int32Array.from([4, 0]);
      const [out] = served.infer([
        { name: 'x', datatype: 'FP32', shape: [2, 2], data: new Uint8Array(x.buffer) },
        { name: 'ids', datatype: 'INT32', shape: [2, 1], data: new Uint8Array(ids.buffer) },
      ]);
      const v = new Float32Array(out!.data.buffer, out!.data.byteOffset, 2);
      for (let i = 0; i < 2; i++) {
        const want = x[2 * i]! * w[0]! + x[2 * i + 1]! * w[1]! + emb[ids[i]!]!;
        assert.ok(Math.abs(v[i]! - want) < 1e-6, `row ${i}: ${v[i]} vs ${want}`);
      }
    } finally {
      served.dispose();
    }
  });

  describe('refuses a bad tensors signature with INVALID_ARGUMENT naming the field, leaving the repository unchanged', () => {
    const input = (i: number, change: Record<string, unknown>) => ({
      ...SIGNATURE,
      inputs: SIGNATURE.inputs.map((x, j) => (j === i ? { ...x, ...change } : x)),
    });
    const output = (i: number, change: Record<string, unknown>) => ({
      ...SIGNATURE,
      outputs: SIGNATURE.outputs.map((x, j) => (j === i ? { ...x, ...change } : x)),
    });
    const cases: [string, unknown, RegExp][] = [
      [
        'an unknown input name',
        input(1, { name: 'clicks' }),
        /inputs\[1\]\.name: the model has no input "clicks" \(its inputs: user, history\)/,
      ],
      [
        'an input declared twice',
        input(1, { name: 'user', datatype: 'FP32', range: undefined }),
        /inputs\[1\]\.name: user is declared twice \(also inputs\[0\]\)/,
      ],
      [
        'a model input left undeclared',
        { ...SIGNATURE, inputs: [SIGNATURE.inputs[0]] },
        /inputs: model input\(s\) history are not declared/,
      ],
      [
        'a datatype other than FP32/INT32',
        input(0, { datatype: 'FP64' }),
        /inputs\[0\]\.datatype: "FP64" is not supported: named tensors are FP32 or INT32/,
      ],
      [
        'a datatype the model input does not have',
        input(1, { datatype: 'FP32', range: undefined }),
        /inputs\[1\]\.datatype: FP32, but the model's input history is int32/,
      ],
      [
        'a shape the model input does not have',
        input(0, { shape: [-1, 5] }),
        /inputs\[0\]\.shape: \[-1, 5\], but the model's input user has shape \[-1, 4\]/,
      ],
      ['a shape without the batch first', input(0, { shape: [4] }), /inputs\[0\]\.shape: must be \[-1, d1, …\]/],
      [
        'an INT32 input without a range',
        input(1, { range: undefined }),
        /inputs\[1\]\.range: an INT32 input needs its value range \[lo, hi\)/,
      ],
      [
        'a range past the Embedding',
        input(1, { range: [0, 31] }),
        /inputs\[1\]\.range: \[0, 31\) passes Embedding layer history_emb's ids 0 … 29/,
      ],
      ['a range on an FP32 input', input(0, { range: [0, 1] }), /inputs\[0\]\.range: only INT32 inputs take a range/],
      [
        'an unknown output name',
        output(1, { name: 'logits' }),
        /outputs\[1\]\.name: the model has no output "logits" \(its outputs: probs, value\)/,
      ],
      [
        'an output shape the model does not give',
        output(0, { shape: [-1, 4] }),
        /outputs\[0\]\.shape: declared \[-1, 4\], the model gives \[-1, 3\]/,
      ],
      [
        'an output datatype the model does not give',
        output(1, { datatype: 'INT32' }),
        /outputs\[1\]\.datatype: declared INT32, the model gives FP32/,
      ],
      ['no outputs', { ...SIGNATURE, outputs: [] }, /outputs: must be a non-empty list/],
      [
        'the two forms mixed',
        { ...SIGNATURE, score: 'value' },
        /score: the ranking form's field; a signature with inputs\/outputs \(the tensors form\) takes none/,
      ],
      [
        'an unknown field',
        input(0, { vocab: 3 }),
        /inputs\[0\]\.vocab: unknown field \(known: name, datatype, shape, range\)/,
      ],
    ];
    for (const [name, sig, want] of cases) {
      it(name, async () => {
        const repo = join(root, 'repo-refusals');
        await importModel({ repo, source, name: 'kept' });
        const before = digest(repo);
        const file = join(root, `sig-${name.replace(/\W+/g, '-')}.json`);
        writeFileSync(file, JSON.stringify(sig));
        for (const target of ['kept', 'fresh']) {
          await assert.rejects(importModel({ repo, source, name: target, signature: file }), (err: unknown) => {
            assert.ok(isHeraError(err, 'INVALID_ARGUMENT'), String(err));
            assert.match((err as Error).message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
            assert.match((err as Error).message, want);
            return true;
          });
          assert.deepEqual(digest(repo), before, `${target}: the repository is unchanged`);
        }
        rmSync(repo, { recursive: true, force: true });
      });
    }
  });
});
