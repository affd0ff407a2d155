/**
 * Any model, end to end (slow: trains a small model, starts `hera up`, profiles): a model with no
 * ranking layout — two inputs (FP32 user features, INT32 history ids read by an Embedding) and two
 * outputs (class probabilities, a value) — trained here with TF.js, saved in TF.js's format with a
 * signature in the tensors form, imported with `hera models import` (placement's registry queues
 * its quick profile from synthetic tensors), placed (`hera plan demand` + `apply`), then served by
 * ModelInfer with tensors by name: the outputs `model.predict` gives in this process, raw and
 * typed, the `outputs` selection honoured. Rank is refused (FAILED_PRECONDITION, use ModelInfer)
 * and an id outside the declared range is refused at the gateway (INVALID_ARGUMENT naming it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import type * as TFL from '@tensorflow/tfjs-layers';
import { createClient, unaryCall } from '@hera/grpc';
import { saveToDirectory, selectBackend, tfjs } from '@hera/models';
import { loadProtos, type GRPCInferenceServiceClient, type RankingServiceClient } from '@hera/proto';
import { Rng } from '@hera/stats';
import { type Child, childPids, HERA_UP_FREE_PORTS, isAlive, startChild, waitFor, waitForExit } from '@hera/testing';
import { HERA_CLI, hera } from './hera-cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tfl = require('@tensorflow/tfjs-layers') as typeof TFL;

const cli = HERA_CLI;
const dataDir = mkdtempSync(join(tmpdir(), 'hera-tensors-e2e-'));
const source = join(dataDir, 'trained');
const MODEL = 'anymodel';
const USER = 4;
const HISTORY = 5;
const VOCAB = 30;
const CLASSES = 3;
let model: TFL.LayersModel;
let up: Child | undefined;
let pids: Record<string, number> = {};
let hostPids: number[] = [];
const clients: { close(): void }[] = [];

before(async () => {
  await selectBackend('cpu');
  const tf = tfjs();
  const user = tfl.input({ shape: [USER], name: 'user' });
  const history = tfl.input({ shape: [HISTORY], dtype: 'int32', name: 'history' });
  const emb = tfl.layers
    .embedding({ inputDim: VOCAB, outputDim: 3, name: 'history_emb' })
    .apply(history) as TFL.SymbolicTensor;
  const x = tfl.layers.concatenate().apply([user, tfl.layers.flatten().apply(emb) as TFL.SymbolicTensor]);
  const h = tfl.layers.dense({ units: 12, activation: 'relu' }).apply(x);
  const probs = tfl.layers.dense({ units: CLASSES, activation: 'softmax', name: 'probs' }).apply(h);
  const value = tfl.layers.dense({ units: 1, name: 'value' }).apply(h);
  model = tfl.model({ inputs: [user, history], outputs: [probs, value] as TFL.SymbolicTensor[] });
  model.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'] });
  const rng = new Rng(11);
  const n = 192;
  const xu = Float32Array.from({ length: n * USER }, () => rng.next() * 2 - 1);
  const xh = Int32Array.from({ length: n * HISTORY }, () => Math.floor(rng.next() * VOCAB));
  const cls = Array.from({ length: n }, (_, i) => (xu[i * USER]! > 0 ? 0 : xh[i * HISTORY]! % 2 === 0 ? 1 : 2));
  const y1 = tf.oneHot(tf.tensor1d(cls, 'int32'), CLASSES);
  const y2 = tf.tensor2d(
    Float32Array.from({ length: n }, (_, i) => xu[i * USER + 1]! * 2),
    [n, 1],
  );
  const [tu, th] = [tf.tensor2d(xu, [n, USER]), tf.tensor2d(xh, [n, HISTORY], 'int32')];
  await model.fit([tu, th], [y1, y2], { epochs: 3, batchSize: 32, verbose: 0 });
  tf.dispose([tu, th, y1, y2]);
  await selectBackend('wasm');

  await saveToDirectory(model, source, 'weights.bin');
  writeFileSync(
    join(source, 'hera-signature.json'),
    JSON.stringify({
      inputs: [
        { name: 'user', datatype: 'FP32', shape: [-1, USER] },
        { name: 'history', datatype: 'INT32', shape: [-1, HISTORY], range: [0, VOCAB] },
      ],
      outputs: [
        { name: 'probs', datatype: 'FP32', shape: [-1, CLASSES] },
        { name: 'value', datatype: 'FP32', shape: [-1, 1] },
      ],
      slaMs: 100,
      subBatchSize: 32,
    }),
  );
});

after(async () => {
  for (const c of clients) c.close();
  if (pids['worker']) hostPids.push(...childPids(pids['worker']));
  await up?.stop('SIGINT', 20_000);
  for (const pid of [...Object.values(pids), ...hostPids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  model?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('any model: named tensors', () => {
  it('imports a two-input, two-output TF.js model, profiles and places it, and ModelInfer gives model.predict', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HERA_BACKEND: 'wasm' };
    delete env['REDIS_URL'];
    delete env['HERA_MODEL_REPO'];
    up = startChild(
      process.execPath,
      [cli, 'up', '--data-dir', dataDir, ...HERA_UP_FREE_PORTS, '--models', 'none', '--no-node-manager'],
      { env },
    );
    const ready = await up.waitForLine(/all services healthy — gateway at (\S+)/, 120_000);
    const gateway = /gateway at (\S+)/.exec(ready)![1]!;
    pids = (JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { pids: Record<string, number> }).pids;

    const imported = await hera('models', 'import', source, '--name', MODEL, '--data-dir', dataDir, '--wait');
    assert.match(imported, new RegExp(`^imported ${MODEL} version 1 \\(.*\\) through placement at \\S+`, 'm'));
    // The quick profile ran on synthetic tensors from the signature.
    assert.match(imported, /^quick profile on local-1: job p-[0-9a-f]{16} completed$/m);
    await hera('plan', 'demand', '--units', `${MODEL}=0.5`, '--replace', '--data-dir', dataDir);
    await hera('plan', 'apply', '--data-dir', dataDir);

    const oip: GRPCInferenceServiceClient = createClient(loadProtos().proto.inference.GRPCInferenceService, gateway, {
      defaultDeadlineMs: 10_000,
    });
    const rank: RankingServiceClient = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway, {
      defaultDeadlineMs: 10_000,
    });
    clients.push(oip, rank);
    await waitFor(
      async () => (await unaryCall(oip, 'ModelReady', { name: MODEL }).catch(() => ({ ready: false }))).ready,
      120_000,
      `the gateway to route ${MODEL}`,
    );
    hostPids = childPids(pids['worker']!);

    const meta = await unaryCall(oip, 'ModelMetadata', { name: MODEL });
    assert.deepEqual(
      meta.inputs.map(t => [t.name, t.datatype, t.shape.map(Number)]),
      [
        ['user', 'FP32', [-1, USER]],
        ['history', 'INT32', [-1, HISTORY]],
      ],
    );
    assert.deepEqual(
      meta.outputs.map(t => [t.name, t.datatype, t.shape.map(Number)]),
      [
        ['probs', 'FP32', [-1, CLASSES]],
        ['value', 'FP32', [-1, 1]],
      ],
    );

    const k = 40;
    const rng = new Rng(9);
    const user = Float32Array.from({ length: k * USER }, () => rng.next() * 2 - 1);
    const history = Int32Array.from({ length: k * HISTORY }, () => Math.floor(rng.next() * VOCAB));
    const tf = tfjs();
    const [wantProbs, wantValue] = tf.tidy(() =>
      (model.predict([tf.tensor2d(user, [k, USER]), tf.tensor2d(history, [k, HISTORY], 'int32')]) as TF.Tensor[]).map(
        t => t.dataSync() as Float32Array,
      ),
    ) as [Float32Array, Float32Array];
    const bytes = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const f32 = (b: Uint8Array) => {
      const out = new Float32Array(b.byteLength / 4);
      new Uint8Array(out.buffer).set(b);
      return out;
    };
    const close = (got: ArrayLike<number>, want: Float32Array, via: string) => {
      assert.equal(got.length, want.length, via);
      for (let i = 0; i < want.length; i++)
        assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5, `${via} value ${i}: ${got[i]} vs ${want[i]}`);
    };
    const inputs = [
      { name: 'user', datatype: 'FP32', shape: [k, USER] },
      { name: 'history', datatype: 'INT32', shape: [k, HISTORY] },
    ];

    // Raw contents, every output.
    const raw = await unaryCall(oip, 'ModelInfer', {
      modelName: MODEL,
      inputs,
      rawInputContents: [bytes(user), bytes(history)],
    });
    assert.deepEqual(
      raw.outputs.map(o => [o.name, o.datatype, o.shape.map(Number)]),
      [
        ['probs', 'FP32', [k, CLASSES]],
        ['value', 'FP32', [k, 1]],
      ],
    );
    close(f32(raw.rawOutputContents[0]!), wantProbs, 'ModelInfer raw probs');
    close(f32(raw.rawOutputContents[1]!), wantValue, 'ModelInfer raw value');

    // Typed contents, inputs in another order, one output asked for.
    const typed = await unaryCall(oip, 'ModelInfer', {
      modelName: MODEL,
      inputs: [
        { ...inputs[1]!, contents: { intContents: Array.from(history) } },
        { ...inputs[0]!, contents: { fp32Contents: Array.from(user) } },
      ],
      outputs: [{ name: 'value' }],
    });
    assert.deepEqual(
      typed.outputs.map(o => o.name),
      ['value'],
    );
    close(typed.outputs[0]!.contents!.fp32Contents, wantValue, 'ModelInfer typed value');

    // Rank: this model has no ranking layout.
    await assert.rejects(
      unaryCall(rank, 'Rank', {
        model: MODEL,
        items: { itemCount: 1, dense: Buffer.alloc(0), sparse: Buffer.alloc(4) },
      }),
      (err: Error & { code?: number }) => {
        assert.equal(err.code, 9, err.message); // FAILED_PRECONDITION
        assert.match(err.message, new RegExp(`model ${MODEL} takes named tensors .*use ModelInfer`));
        return true;
      },
    );

    // An id outside the declared range: refused at the gateway, naming the tensor.
    const bad = Int32Array.from(history);
    bad[7] = VOCAB;
    await assert.rejects(
      unaryCall(oip, 'ModelInfer', { modelName: MODEL, inputs, rawInputContents: [bytes(user), bytes(bad)] }),
      (err: Error & { code?: number }) => {
        assert.equal(err.code, 3, err.message); // INVALID_ARGUMENT
        assert.match(
          err.message,
          new RegExp(`inputs\\[1\\] \\(history\\): value ${VOCAB} at position 7 is out of range \\[0, ${VOCAB}\\)`),
        );
        return true;
      },
    );
    // A wrong shape: named too.
    await assert.rejects(
      unaryCall(oip, 'ModelInfer', {
        modelName: MODEL,
        inputs: [inputs[0]!, { ...inputs[1]!, shape: [k, HISTORY + 1] }],
        rawInputContents: [bytes(user), bytes(history)],
      }),
      /INVALID_ARGUMENT: inputs\[1\] \(history\)\.shape: expected \[n, 5\]/,
    );

    up.proc.kill('SIGINT');
    assert.equal(await up.exited, 0);
    for (const pid of [...Object.values(pids), ...hostPids])
      await waitForExit(pid, 10_000).catch(() => assert.fail(`pid ${pid} still running after hera up stopped`));
  });
});
