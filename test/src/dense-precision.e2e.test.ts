/**
 * Dense feature precision end to end (slow-ish: real Redis, a real node agent with real tenant
 * hosts, a real gateway): zoo models built with `--dense-dtype FP16` (rmc1) and `INT8` (rmc2, per
 * tensor) take their dense features in that datatype over Rank and ModelInfer; the gateway
 * forwards the bytes as they came and the hosts widen them to FP32. The scores equal the
 * in-process engine's on the same values as FP32 (values FP16 represents exactly; INT8's
 * dequantised values); what the model does not declare is refused naming the field. And a
 * model made here with TF.js, imported with a signature declaring INT8 with a scale and zero
 * point per feature, scores as `model.predict` on the dequantised values.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import type * as TFL from '@tensorflow/tfjs-layers';
import { createClient, unaryCall } from '@hera/grpc';
import { randomItems } from '@hera/loadgen';
import { Rng } from '@hera/stats';
import {
  dequantize,
  encodeFp16,
  encodeInt8,
  floatToHalf,
  halfToFloat,
  validateBatch,
  type DenseQuantization,
  type ModelConfig,
} from '@hera/model-schema';
import {
  buildRepository,
  importModel,
  loadModel,
  saveToDirectory,
  selectBackend,
  tfjs,
  type Model,
} from '@hera/models';
import {
  loadProtos,
  type GRPCInferenceServiceClient,
  type RankingServiceClient,
  type WorkerServiceClient,
} from '@hera/proto';
import { startRedis, startService, waitFor, type TestRedis, type TestService } from '@hera/testing';
import { serviceEntry } from './service-entry';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tfl = require('@tensorflow/tfjs-layers') as typeof TFL;

const repo = mkdtempSync(join(tmpdir(), 'hera-precision-repo-'));
const HALF = 'rmc1';
const QUANT = 'rmc2';
const QUANT_PARAMS: DenseQuantization = { scale: [2 ** -7], zeroPoint: [3] };
/** The imported model: 4 dense features, INT8 with a scale and zero point per feature. */
const MINE = 'mine8';
const MINE_QUANT: DenseQuantization = { scale: [0.5, 0.01, 2 ** -6, 3], zeroPoint: [0, -20, 7, 127] };
let mine: TFL.LayersModel | undefined;
let redisServer: TestRedis;
let worker: TestService | undefined;
let gateway: TestService | undefined;
let rank: RankingServiceClient;
let oip: GRPCInferenceServiceClient;
const configs: Record<string, ModelConfig> = {};
const engines: Record<string, Model> = {};
const rng = new Rng(22);

before(async () => {
  const scale = 0.0005;
  for (const c of await buildRepository({ repo, scale, only: [HALF], dense: { denseDatatype: 'FP16' } }))
    configs[c.name] = c;
  for (const c of await buildRepository({
    repo,
    scale,
    only: [QUANT],
    dense: { denseDatatype: 'INT8', denseQuant: QUANT_PARAMS },
  }))
    configs[c.name] = c;
  // A small TF.js model (untrained: its random weights are what both sides score with), saved as
  // the converter lays a layers model out, imported with an INT8 per-feature signature.
  await selectBackend('wasm');
  const features = tfl.input({ shape: [4], name: 'features' });
  const ids = tfl.input({ shape: [2], dtype: 'int32', name: 'item_ids' });
  const emb = tfl.layers.embedding({ inputDim: 30, outputDim: 3 }).apply(ids) as TFL.SymbolicTensor;
  const x = tfl.layers.concatenate().apply([features, tfl.layers.flatten().apply(emb) as TFL.SymbolicTensor]);
  const h = tfl.layers.dense({ units: 8, activation: 'relu' }).apply(x);
  const out = tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(h) as TFL.SymbolicTensor;
  mine = tfl.model({ inputs: [features, ids], outputs: out });
  const source = join(repo, '..', `${MINE}-src-${process.pid}`);
  await saveToDirectory(mine, source, 'weights.bin');
  writeFileSync(
    join(source, 'hera-signature.json'),
    JSON.stringify({
      dense: 'features',
      sparse: [{ input: 'item_ids' }],
      score: 'score',
      slaMs: 200,
      subBatchSize: 16,
      denseDatatype: { INT8: MINE_QUANT },
    }),
  );
  try {
    configs[MINE] = await importModel({ repo, source, name: MINE });
  } finally {
    rmSync(source, { recursive: true, force: true });
  }

  redisServer = await startRedis();
  const env = { REDIS_URL: redisServer.url, HERA_REDIS_PREFIX: 'dp', HERA_MODEL_REPO: repo, HERA_BACKEND: 'wasm' };
  worker = await startService(serviceEntry('worker'), { ...env, NODE_ID: 'dp1', HEARTBEAT_MS: '300' });
  const w: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
    defaultDeadlineMs: 60_000,
  });
  const cpuset = availableParallelism() > 1 ? [availableParallelism() - 1] : [];
  try {
    for (const model of [HALF, QUANT, MINE])
      await unaryCall(w, 'ApplyAllocation', { allocation: { model, workers: 1, cpuset } });
  } finally {
    w.close();
  }
  gateway = await startService(serviceEntry('gateway'), { ...env, ROUTING_REFRESH_MS: '200' });
  rank = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway.address, {
    maxAttempts: 1,
    defaultDeadlineMs: 30_000,
  });
  oip = createClient(loadProtos().proto.inference.GRPCInferenceService, gateway.address, {
    maxAttempts: 1,
    defaultDeadlineMs: 30_000,
  });
  await waitFor(
    async () =>
      (await unaryCall(oip, 'ModelReady', { name: HALF })).ready &&
      (await unaryCall(oip, 'ModelReady', { name: QUANT })).ready &&
      (await unaryCall(oip, 'ModelReady', { name: MINE })).ready,
    60_000,
    'the three models routed',
  );
  for (const m of [HALF, QUANT]) engines[m] = await loadModel(repo, m);
});

after(async () => {
  rank?.close();
  oip?.close();
  await gateway?.stop();
  await worker?.stop();
  await redisServer?.stop();
  for (const m of Object.values(engines)) m.dispose();
  mine?.dispose();
  rmSync(repo, { recursive: true, force: true });
});

const f32 = (b: Uint8Array) => {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
};
const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** k random items of `model`, with dense values the model's datatype represents exactly (as FP32) and as sent. */
function items(model: string, k: number) {
  const c = configs[model]!;
  const it = randomItems(c, k, rng);
  let wire: Uint8Array;
  if (c.denseDatatype === 'FP16') {
    for (let i = 0; i < it.dense.length; i++) it.dense[i] = halfToFloat(floatToHalf(it.dense[i]!));
    wire = encodeFp16(it.dense);
  } else {
    wire = encodeInt8(it.dense, c.denseDim, c.denseQuant!);
    const q = new Int8Array(wire.buffer, wire.byteOffset, wire.byteLength);
    for (let i = 0; i < it.dense.length; i++) it.dense[i] = dequantize(q[i]!, i % c.denseDim, c.denseQuant!);
  }
  const want = engines[model]!.score(validateBatch(c, { count: k, dense: it.dense, ids: it.ids }));
  return { k, fp32: it.dense, ids: it.ids, wire: Buffer.from(wire), want };
}

function same(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `${what} item ${i}: ${got[i]} vs FP32 ${want[i]}`);
}

describe('dense feature precision', () => {
  it('lists each model with its dense datatype (ListModels, ModelMetadata)', async () => {
    const listed = (await unaryCall(rank, 'ListModels', {})).models;
    const half = listed.find(m => m.name === HALF)!;
    const quant = listed.find(m => m.name === QUANT)!;
    assert.equal(half.denseDatatype, 'FP16');
    assert.deepEqual(half.denseScale, []);
    assert.equal(quant.denseDatatype, 'INT8');
    assert.deepEqual(quant.denseScale, QUANT_PARAMS.scale);
    assert.deepEqual(quant.denseZeroPoint, QUANT_PARAMS.zeroPoint);
    const meta = await unaryCall(oip, 'ModelMetadata', { name: QUANT });
    const dense = meta.inputs.find(i => i.name === 'dense')!;
    assert.equal(dense.datatype, 'INT8');
    assert.deepEqual(dense.shape.map(Number), [-1, configs[QUANT]!.denseDim]);
    assert.equal((await unaryCall(oip, 'ModelMetadata', { name: HALF })).inputs[0]!.datatype, 'FP16');
  });

  it('FP16 over Rank and ModelInfer scores as the same values in FP32, at half the dense bytes', async () => {
    const c = configs[HALF]!;
    // Larger than a sub-batch: the host splits the FP16 bytes into parts before widening each.
    const q = items(HALF, c.subBatchSize * 2 + 5);
    assert.equal(q.wire.byteLength, q.k * c.denseDim * 2);
    const r = await unaryCall(rank, 'Rank', {
      model: HALF,
      items: { itemCount: q.k, dense: q.wire, sparse: bytes(q.ids) },
    });
    same(f32(r.scores), q.want, 'Rank FP16');
    const inferred = await unaryCall(oip, 'ModelInfer', {
      modelName: HALF,
      inputs: [
        { name: 'dense', datatype: 'FP16', shape: [q.k, c.denseDim] },
        { name: 'sparse', datatype: 'INT32', shape: [q.k, c.idsPerItem] },
      ],
      rawInputContents: [q.wire, bytes(q.ids)],
    });
    same(f32(inferred.rawOutputContents[0]!), q.want, 'ModelInfer FP16');
  });

  it('INT8 over Rank and ModelInfer (raw and int_contents) scores as the dequantised values in FP32', async () => {
    const c = configs[QUANT]!;
    const q = items(QUANT, c.subBatchSize + 3);
    assert.equal(q.wire.byteLength, q.k * c.denseDim);
    const r = await unaryCall(rank, 'Rank', {
      model: QUANT,
      items: { itemCount: q.k, dense: q.wire, sparse: bytes(q.ids) },
    });
    same(f32(r.scores), q.want, 'Rank INT8');
    const inputs = [
      { name: 'dense', datatype: 'INT8', shape: [q.k, c.denseDim] },
      { name: 'sparse', datatype: 'INT32', shape: [q.k, c.idsPerItem] },
    ];
    const raw = await unaryCall(oip, 'ModelInfer', {
      modelName: QUANT,
      inputs,
      rawInputContents: [q.wire, bytes(q.ids)],
    });
    same(f32(raw.rawOutputContents[0]!), q.want, 'ModelInfer INT8 raw');
    const typed = await unaryCall(oip, 'ModelInfer', {
      modelName: QUANT,
      inputs: [
        {
          ...inputs[0]!,
          contents: { intContents: [...new Int8Array(q.wire.buffer, q.wire.byteOffset, q.wire.byteLength)] },
        },
        { ...inputs[1]!, contents: { intContents: [...q.ids] } },
      ],
    });
    same(Float32Array.from(typed.outputs[0]!.contents!.fp32Contents), q.want, 'ModelInfer INT8 int_contents');
  });

  it('an imported model with INT8 per feature scores as model.predict on the dequantised values', async () => {
    const c = configs[MINE]!;
    // Scales are kept as the float32s the host multiplies by.
    assert.deepEqual(c.denseQuant, { scale: MINE_QUANT.scale.map(Math.fround), zeroPoint: MINE_QUANT.zeroPoint });
    const k = 37; // over two sub-batches of 16 and a part
    const values = Float32Array.from({ length: k * 4 }, () => (rng.next() * 2 - 1) * 40);
    const wire = Buffer.from(encodeInt8(values, 4, MINE_QUANT));
    const q = new Int8Array(wire.buffer, wire.byteOffset, wire.byteLength);
    const dense = Float32Array.from(q, (v, i) => dequantize(v, i % 4, MINE_QUANT));
    const ids = Int32Array.from({ length: k * 2 }, () => Math.floor(rng.next() * 30));
    const tf = tfjs();
    const want = tf.tidy(() =>
      (mine!.predict([tf.tensor2d(dense, [k, 4]), tf.tensor2d(ids, [k, 2], 'int32')]) as TF.Tensor).dataSync(),
    ) as Float32Array;
    const r = await unaryCall(rank, 'Rank', { model: MINE, items: { itemCount: k, dense: wire, sparse: bytes(ids) } });
    const got = f32(r.scores);
    for (let i = 0; i < k; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `item ${i}: ${got[i]} vs ${want[i]}`);
    const listed = (await unaryCall(rank, 'ListModels', {})).models.find(m => m.name === MINE)!;
    assert.equal(listed.denseDatatype, 'INT8');
    assert.deepEqual(listed.denseZeroPoint, MINE_QUANT.zeroPoint);
    assert.deepEqual(listed.denseScale.map(Math.fround), MINE_QUANT.scale.map(Math.fround));
  });

  it('refuses what the model does not declare, naming the field and the reason', async () => {
    const c = configs[HALF]!;
    const q = items(HALF, 4);
    // FP32 bytes to an FP16 model: twice the length.
    await assert.rejects(
      unaryCall(rank, 'Rank', { model: HALF, items: { itemCount: 4, dense: bytes(q.fp32), sparse: bytes(q.ids) } }),
      new RegExp(
        `^Error: 3 INVALID_ARGUMENT: items\\.dense: expected ${4 * c.denseDim * 2} bytes \\(4 items × ${c.denseDim} float16\\), got ${4 * c.denseDim * 4}`,
      ),
    );
    const nan = Buffer.from(q.wire);
    nan.writeUInt16LE(0x7c00, (2 * c.denseDim + 5) * 2);
    await assert.rejects(
      unaryCall(rank, 'Rank', { model: HALF, items: { itemCount: 4, dense: nan, sparse: bytes(q.ids) } }),
      /INVALID_ARGUMENT: items\.dense: item 2 feature 5 is Infinity \(FP16 0x7c00; must be finite\)/,
    );
    await assert.rejects(
      unaryCall(oip, 'ModelInfer', {
        modelName: HALF,
        inputs: [
          { name: 'dense', datatype: 'FP32', shape: [4, c.denseDim] },
          { name: 'sparse', datatype: 'INT32', shape: [4, c.idsPerItem] },
        ],
        rawInputContents: [bytes(q.fp32), bytes(q.ids)],
      }),
      /INVALID_ARGUMENT: inputs\[0\] \(dense\)\.datatype: must be FP16, got "FP32" \(model rmc1 declares its dense input FP16\)/,
    );
  });
});
