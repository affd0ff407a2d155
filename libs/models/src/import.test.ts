import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import type * as TFL from '@tensorflow/tfjs-layers';
import { isHeraError } from '@hera/errors';
import { toModelRecord, validateBatch, type ModelConfig } from '@hera/model-schema';
import { selectBackend } from './backend';
import { importModel } from './import';
import { ImportedModel, loadTfjsModel } from './imported-model';
import { loadModel } from './model';
import { mlpStacks } from './network';
import { listRepository, readModelConfig, readModelJson } from './repository';
import { loadTables } from './shared-tables';
import { saveToDirectory } from './save-model';
import { tfjs } from './tfjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tfl = () => require('@tensorflow/tfjs-layers') as typeof TFL;

/** Every path under dir (directories too) → sha256 of its content ('' for a directory). */
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

/** A small ranking model: dense [4] and two ids per item into one Embedding (vocab 50, dim 3). */
function rankingModel(): TFL.LayersModel {
  const l = tfl();
  const dense = l.input({ shape: [4], name: 'features' });
  const ids = l.input({ shape: [2], dtype: 'int32', name: 'item_ids' });
  const emb = l.layers.embedding({ inputDim: 50, outputDim: 3, name: 'item_emb' }).apply(ids) as TFL.SymbolicTensor;
  const x = l.layers.concatenate().apply([dense, l.layers.flatten().apply(emb) as TFL.SymbolicTensor]);
  const h = l.layers.dense({ units: 8, activation: 'relu' }).apply(x);
  const out = l.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(h) as TFL.SymbolicTensor;
  return l.model({ inputs: [dense, ids], outputs: out });
}

const SIGNATURE = { dense: 'features', sparse: [{ input: 'item_ids' }], score: 'score', slaMs: 20, subBatchSize: 32 };

/**
 * A graph model written by hand (what the converter makes of a SavedModel): score =
 * sigmoid(x · w + emb[id]) over Placeholders x [-1, 2] and ids [-1, 1].
 */
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
    generatedBy: 'hand',
    convertedBy: 'hand',
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
        { name: 'add', op: 'AddV2', input: ['mm', 'r'] },
        { name: 'score', op: 'Sigmoid', input: ['add'] },
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
  const bytes = Buffer.concat([
    Buffer.from(new Float32Array([...w, ...emb]).buffer),
    Buffer.from(new Int32Array([0, -1, 1]).buffer),
  ]);
  writeFileSync(join(dir, 'weights.bin'), bytes);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return { w, emb };
}

describe('hera models import', () => {
  let root: string;
  let source: string;
  let model: TFL.LayersModel;
  before(async () => {
    await selectBackend('wasm');
    root = mkdtempSync(join(tmpdir(), 'hera-import-test-'));
    source = join(root, 'src');
    model = rankingModel();
    await saveToDirectory(model, source);
    writeFileSync(join(source, 'hera-signature.json'), JSON.stringify(SIGNATURE));
  });
  after(() => {
    model?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  /** A copy of the good source with `change` applied, for one refusal. */
  function variant(name: string, change: (dir: string) => void): string {
    const dir = join(root, `src-${name}`);
    mkdirSync(dir);
    for (const f of readdirSync(source)) writeFileSync(join(dir, f), readFileSync(join(source, f)));
    change(dir);
    return dir;
  }
  const editJson = (path: string, edit: (j: Record<string, unknown>) => void) => {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    edit(j);
    writeFileSync(path, JSON.stringify(j));
  };
  const manifest = (j: Record<string, unknown>) => (j['weightsManifest'] as { paths: string[] }[])[0]!;

  it('imports a layers model: config from the signature and the Embedding layer, files copied, scores as predict', async () => {
    const repo = join(root, 'repo-ok');
    const config = await importModel({ repo, source, name: 'mine' });
    assert.equal(config.family, 'imported');
    assert.deepEqual(config.arch, {
      family: 'imported',
      kind: 'layers-model',
      dense: 'features',
      sparse: [{ input: 'item_ids', tables: 1 }],
      score: 'score',
    });
    assert.equal(config.denseDim, 4);
    assert.deepEqual(config.tables, [{ name: 'item_ids', rows: 50, lookups: 2, dim: 3, pooling: 'none' }]);
    assert.equal(config.idsPerItem, 2);
    assert.equal(config.slaMs, 20);
    assert.equal(config.subBatchSize, 32);
    assert.equal(config.engine, undefined, 'served on TF.js, like the zoo');
    assert.deepEqual([...digest(join(repo, 'mine')).keys()].sort(), [
      '1/',
      '1/config.json',
      '1/group1-shard1of1.bin',
      '1/hera-signature.json',
      '1/model.json',
      'config.json',
    ]);
    assert.deepEqual(await readModelConfig(repo, 'mine'), config);
    assert.deepEqual(await readModelConfig(repo, 'mine', '1'), config);
    assert.equal((await listRepository(repo))[0]!.name, 'mine');
    assert.deepEqual(toModelRecord(config).tables, [{ name: 'item_ids', rows: 50, lookups: 2, dim: 3 }]);
    assert.equal(toModelRecord(config).sharedTables, false, 'each thread holds the embeddings');
    assert.equal((await loadTables(repo, 'mine')).tables.length, 0, 'the embeddings are weights of the model');

    const served = await loadTfjsModel(repo, 'mine');
    try {
      assert.ok(served instanceof ImportedModel);
      const n = 5;
      const dense = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i));
      const ids = Int32Array.from({ length: n * 2 }, (_, i) => (i * 7) % 50);
      const got = served.score(validateBatch(config, { count: n, dense, ids }));
      const tf = tfjs();
      const want = tf.tidy(() =>
        (model.predict([tf.tensor2d(dense, [n, 4]), tf.tensor2d(ids, [n, 2], 'int32')]) as TF.Tensor).dataSync(),
      );
      assert.equal(got.length, n);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `item ${i}: ${got[i]} vs ${want[i]}`);
      // The one validator checks imported ids against the vocabulary.
      assert.throws(
        () => validateBatch(config, { count: 1, dense: dense.subarray(0, 4), ids: Int32Array.from([3, 50]) }),
        /table item_ids id 50 is out of range/,
      );
    } finally {
      served.dispose();
    }

    // The consumers built on the zoo's layout refuse it by name instead of failing inside.
    const zooOnly = /model mine is an imported TF\.js layers-model: .* covers the zoo's models only/;
    await assert.rejects(
      loadModel(repo, 'mine'),
      (e: unknown) => isHeraError(e, 'PRECONDITION') && zooOnly.test(String(e)),
    );
    assert.throws(() => mlpStacks(config), zooOnly);
    await assert.rejects(
      readModelJson(repo, 'mine', '1'),
      /is an imported TF\.js layers-model: it has no zoo model\.json/,
    );

    // The next import is version 2 and becomes current; version 1 stays readable.
    const v2 = await importModel({ repo, source, name: 'mine' });
    assert.equal(v2.version, '2');
    assert.equal((await readModelConfig(repo, 'mine')).version, '2');
    assert.equal((await readModelConfig(repo, 'mine', '1')).version, '1');
  });

  it('takes the dense datatype from the signature: FP16, INT8 per feature (config, record, OIP input)', async () => {
    const repo = join(root, 'repo-dtype');
    const fp16 = variant('fp16', dir =>
      writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ ...SIGNATURE, denseDatatype: 'FP16' })),
    );
    const a = await importModel({ repo, source: fp16, name: 'half' });
    assert.equal(a.denseDatatype, 'FP16');
    assert.equal(a.denseQuant, undefined);
    assert.deepEqual(a.inputs[0], { name: 'dense', datatype: 'FP16', shape: [-1, 4] });
    assert.equal(toModelRecord(a).denseDatatype, 'FP16');
    const quant = { scale: [0.5, 0.25, 0.125, 1], zeroPoint: [0, 1, -1, 2] };
    const int8 = variant('int8', dir =>
      writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ ...SIGNATURE, denseDatatype: { INT8: quant } })),
    );
    const b = await importModel({ repo, source: int8, name: 'quant' });
    assert.equal(b.denseDatatype, 'INT8');
    assert.deepEqual(b.denseQuant, quant);
    assert.deepEqual(toModelRecord(b).denseQuant, quant);
    assert.deepEqual(await readModelConfig(repo, 'quant'), b);
    // FP32 declared is the default: nothing recorded.
    const fp32 = variant('fp32', dir =>
      writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ ...SIGNATURE, denseDatatype: 'FP32' })),
    );
    const c = await importModel({ repo, source: fp32, name: 'full' });
    assert.equal(c.denseDatatype, undefined);
    assert.equal(c.inputs[0]!.datatype, 'FP32');
  });

  it('imports a graph model and scores it with tfjs-converter', async () => {
    const dir = join(root, 'graph');
    const { w, emb } = writeGraphModel(dir);
    const signature = join(root, 'graph-signature.json');
    writeFileSync(signature, JSON.stringify({ dense: 'x', sparse: [{ input: 'ids', vocab: 5 }], score: 'score' }));
    const repo = join(root, 'repo-graph');
    const config = await importModel({ repo, source: dir, name: 'g', signature, version: '7' });
    assert.equal(config.version, '7');
    assert.equal(config.slaMs, 50, 'default SLA');
    assert.deepEqual(config.tables, [{ name: 'ids', rows: 5, lookups: 1, dim: 0, pooling: 'none' }]);
    const served = await loadTfjsModel(repo, 'g');
    try {
      const dense = Float32Array.from([1, 2, -1, 0.5, 0, 0]);
      const ids = Int32Array.from([4, 0, 2]);
      const got = served.score(validateBatch(config, { count: 3, dense, ids }));
      for (let i = 0; i < 3; i++) {
        const want = 1 / (1 + Math.exp(-(dense[2 * i]! * w[0]! + dense[2 * i + 1]! * w[1]! + emb[ids[i]!]!)));
        assert.ok(Math.abs(got[i]! - want) < 1e-6, `item ${i}: ${got[i]} vs ${want}`);
      }
    } finally {
      served.dispose();
    }
  });

  it("imports a Keras topology (the Python converter's model_config, no format) and a Sequential model", async () => {
    const keras = variant('keras', dir =>
      editJson(join(dir, 'model.json'), j => {
        j['modelTopology'] = { keras_version: '2.15.0', backend: 'tensorflow', model_config: j['modelTopology'] };
        delete j['format'];
      }),
    );
    const repo = join(root, 'repo-keras');
    assert.equal((await importModel({ repo, source: keras, name: 'k' })).arch.family, 'imported');
    const l = tfl();
    const seq = l.sequential({
      layers: [
        l.layers.embedding({ inputDim: 20, outputDim: 2, inputShape: [3], name: 'emb' }),
        l.layers.flatten(),
        l.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
      ],
    });
    const dir = join(root, 'seq');
    await saveToDirectory(seq, dir);
    // tfjs-layers names a Sequential model's input after its first layer.
    writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ sparse: [{ input: 'emb_input' }], score: 'out' }));
    const config = await importModel({ repo, source: dir, name: 's' });
    assert.deepEqual(config.tables, [{ name: 'emb_input', rows: 20, lookups: 3, dim: 2, pooling: 'none' }]);
    assert.equal(config.denseDim, 0);
    const served = await loadTfjsModel(repo, 's');
    try {
      const ids = Int32Array.from([1, 2, 3, 19, 0, 5]);
      const got = served.score(validateBatch(config, { count: 2, dense: new Float32Array(0), ids }));
      const tf = tfjs();
      const want = tf.tidy(() => (seq.predict(tf.tensor2d(ids, [2, 3], 'int32')) as TF.Tensor).dataSync());
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `item ${i}: ${got[i]} vs ${want[i]}`);
    } finally {
      served.dispose();
      seq.dispose();
    }
  });

  it('requires the vocabulary where no Embedding layer gives it (a graph model)', async () => {
    const dir = join(root, 'graph-novocab');
    writeGraphModel(dir);
    writeFileSync(
      join(dir, 'hera-signature.json'),
      JSON.stringify({ dense: 'x', sparse: [{ input: 'ids' }], score: 'score' }),
    );
    const repo = join(root, 'repo-novocab');
    await assert.rejects(
      importModel({ repo, source: dir, name: 'g' }),
      (e: unknown) =>
        isHeraError(e, 'INVALID_ARGUMENT') &&
        /hera-signature\.json: sparse\[0\]\.vocab: required: no Embedding layer reads input ids/.test(String(e)),
    );
    assert.equal(existsSync(repo), false, 'nothing written');
  });

  describe('refuses bad artifacts with INVALID_ARGUMENT naming the file or field, leaving the repository unchanged', () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['missing shard', dir => rmSync(join(dir, 'group1-shard1of1.bin')), /group1-shard1of1\.bin: not found/],
      [
        'shard size differs from the manifest',
        dir => {
          const p = join(dir, 'group1-shard1of1.bin');
          writeFileSync(p, readFileSync(p).subarray(4));
        },
        /model\.json: weightsManifest\[0\]: the weights need \d+ bytes \(shape × dtype size\), the shards group1-shard1of1\.bin hold \d+/,
      ],
      [
        'a manifest shape that does not match the shard',
        dir =>
          editJson(join(dir, 'model.json'), j => {
            (manifest(j) as unknown as { weights: { shape: number[] }[] }).weights[0]!.shape = [51, 3];
          }),
        /model\.json: weightsManifest\[0\]: the weights need \d+ bytes/,
      ],
      [
        'a path with ..',
        dir => editJson(join(dir, 'model.json'), j => (manifest(j).paths = ['../src/group1-shard1of1.bin'])),
        /model\.json: weightsManifest\[0\]\.paths\[0\]: \.\.\/src\/group1-shard1of1\.bin leaves the model directory/,
      ],
      [
        "a shard named like the version's own files",
        dir => editJson(join(dir, 'model.json'), j => (manifest(j).paths = ['./hera-signature.json'])),
        /model\.json: weightsManifest\[0\]\.paths\[0\]: \.\/hera-signature\.json is a name the version directory keeps/,
      ],
      [
        'an absolute path',
        dir => editJson(join(dir, 'model.json'), j => (manifest(j).paths = [join(source, 'group1-shard1of1.bin')])),
        /model\.json: weightsManifest\[0\]\.paths\[0\]: .* is absolute/,
      ],
      [
        'a symlink out of the directory',
        dir => {
          rmSync(join(dir, 'group1-shard1of1.bin'));
          symlinkSync(join(source, 'group1-shard1of1.bin'), join(dir, 'group1-shard1of1.bin'));
        },
        /group1-shard1of1\.bin: is a link to .*, outside the model directory/,
      ],
      [
        'a model.json that is not TF.js',
        dir => writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'x', layers: [] })),
        /model\.json: modelTopology: missing: this is not a TF\.js model\.json/,
      ],
      [
        'a model.json that is not JSON',
        dir => writeFileSync(join(dir, 'model.json'), '{'),
        /model\.json: is not valid JSON/,
      ],
      [
        'an unknown input name in the signature',
        dir => writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ ...SIGNATURE, dense: 'feature' })),
        /hera-signature\.json: dense: the model has no input "feature" \(its inputs: features, item_ids\)/,
      ],
      [
        'an unknown output name in the signature',
        dir => writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ ...SIGNATURE, score: 'logit' })),
        /hera-signature\.json: score: the model has no output "logit" \(its outputs: score\)/,
      ],
      [
        'a vocabulary that disagrees with the Embedding layer',
        dir =>
          writeFileSync(
            join(dir, 'hera-signature.json'),
            JSON.stringify({ ...SIGNATURE, sparse: [{ input: 'item_ids', vocab: 60 }] }),
          ),
        /hera-signature\.json: sparse\[0\]\.vocab: 60, but Embedding layer item_emb has inputDim 50/,
      ],
      [
        'an input left unmapped',
        dir => writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ ...SIGNATURE, sparse: [] })),
        /hera-signature\.json: dense, sparse: model input\(s\) item_ids are not mapped/,
      ],
      [
        'ids mapped to the dense input (dtype)',
        dir =>
          writeFileSync(
            join(dir, 'hera-signature.json'),
            JSON.stringify({ dense: 'item_ids', sparse: [{ input: 'features', vocab: 10 }], score: 'score' }),
          ),
        /hera-signature\.json: dense: input item_ids is int32, expected float32/,
      ],
      ['a missing signature', dir => rmSync(join(dir, 'hera-signature.json')), /hera-signature\.json: not found/],
      [
        'an unknown dense datatype',
        dir => writeFileSync(join(dir, 'hera-signature.json'), JSON.stringify({ ...SIGNATURE, denseDatatype: 'BF16' })),
        /hera-signature\.json: denseDatatype: must be "FP32", "FP16" or \{ "INT8": \{ "scale": …, "zeroPoint": … \} \}, got "BF16"/,
      ],
      [
        'an INT8 zero point out of range',
        dir =>
          writeFileSync(
            join(dir, 'hera-signature.json'),
            JSON.stringify({ ...SIGNATURE, denseDatatype: { INT8: { scale: 0.1, zeroPoint: 200 } } }),
          ),
        /hera-signature\.json: denseDatatype\.INT8\.zeroPoint\[0\]: must be an integer in \[-128, 127\], got 200/,
      ],
      [
        'INT8 scales that are neither one nor one per feature',
        dir =>
          writeFileSync(
            join(dir, 'hera-signature.json'),
            JSON.stringify({ ...SIGNATURE, denseDatatype: { INT8: { scale: [0.1, 0.2], zeroPoint: 0 } } }),
          ),
        /hera-signature\.json: denseDatatype\.INT8\.scale: must be one number \(per tensor\) or 4 \(one per dense feature\)/,
      ],
    ];
    for (const [name, change, want] of cases) {
      it(name, async () => {
        const repo = join(root, 'repo-refusals');
        await importModel({ repo, source, name: 'kept' }); // something to leave alone
        const before = digest(repo);
        const dir = variant(name.replace(/\W+/g, '-'), change);
        for (const target of ['kept', 'fresh']) {
          await assert.rejects(importModel({ repo, source: dir, name: target }), (err: unknown) => {
            assert.ok(isHeraError(err, 'INVALID_ARGUMENT'), `${String(err)}`);
            assert.match((err as Error).message, want);
            return true;
          });
          assert.deepEqual(digest(repo), before, `${target}: the repository is unchanged`);
        }
        rmSync(repo, { recursive: true, force: true });
      });
    }

    it("an existing version, a zoo model's name, and a zoo model's directory", async () => {
      const repo = join(root, 'repo-exists');
      await importModel({ repo, source, name: 'mine' });
      mkdirSync(join(repo, 'other'));
      writeFileSync(
        join(repo, 'other', 'config.json'),
        JSON.stringify({ format: 'hera-model/1', name: 'other', version: '1', family: 'ncf' } as Partial<ModelConfig>),
      );
      const before = digest(repo);
      await assert.rejects(
        importModel({ repo, source, name: 'mine', version: '1' }),
        /mine[/\\]1: version 1 of mine already exists/,
      );
      await assert.rejects(importModel({ repo, source, name: 'ncf' }), /--name: ncf is a zoo model's name/);
      await assert.rejects(
        importModel({ repo, source, name: 'other' }),
        /other[/\\]config\.json: other is a zoo model/,
      );
      assert.deepEqual(digest(repo), before);
    });
  });
});
