/**
 * Bring your own model, end to end (slow: trains a small model, starts `hera up`, profiles):
 * a model built and trained here with TF.js (an MLP over dense features and an Embedding over one
 * id slot, sigmoid output), saved in TF.js's format, imported with `hera models import` (uploaded
 * to placement's model registry, which queues a quick profile of it: no `hera profile`), placed
 * (`hera plan demand` + `apply`), then served: Rank and the Open Inference Protocol's ModelInfer
 * answer the scores `model.predict` gives in this process. Then `hera models unload` takes it out
 * of service (the gateway answers UNAVAILABLE "unloaded") and `hera models load` brings it back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { tritonCall, tritonClient } from './triton-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tfl = require('@tensorflow/tfjs-layers') as typeof TFL;

const cli = HERA_CLI;
const dataDir = mkdtempSync(join(tmpdir(), 'hera-import-e2e-'));
const source = join(dataDir, 'trained');
const MODEL = 'mine';
const DENSE = 6;
const VOCAB = 40;
let model: TFL.LayersModel;
let up: Child | undefined;
let pids: Record<string, number> = {};
let hostPids: number[] = [];
const clients: { close(): void }[] = [];

before(async () => {
  // Trained on the plain CPU backend (every gradient kernel is there), scored on wasm as the hosts do.
  await selectBackend('cpu');
  const tf = tfjs();
  const dense = tfl.input({ shape: [DENSE], name: 'features' });
  const ids = tfl.input({ shape: [1], dtype: 'int32', name: 'item_id' });
  const emb = tfl.layers
    .embedding({ inputDim: VOCAB, outputDim: 4, name: 'item_emb' })
    .apply(ids) as TFL.SymbolicTensor;
  const x = tfl.layers.concatenate().apply([dense, tfl.layers.flatten().apply(emb) as TFL.SymbolicTensor]);
  const h = tfl.layers.dense({ units: 16, activation: 'relu' }).apply(x);
  const out = tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(h) as TFL.SymbolicTensor;
  model = tfl.model({ inputs: [dense, ids], outputs: out });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const rng = new Rng(5);
  const n = 256;
  const xd = Float32Array.from({ length: n * DENSE }, () => rng.next() * 2 - 1);
  const xi = Int32Array.from({ length: n }, () => Math.floor(rng.next() * VOCAB));
  // A learnable rule: label 1 when the first feature is positive or the id is even.
  const y = Float32Array.from({ length: n }, (_, i) => (xd[i * DENSE]! > 0 || xi[i]! % 2 === 0 ? 1 : 0));
  const [td, ti, ty] = [tf.tensor2d(xd, [n, DENSE]), tf.tensor2d(xi, [n, 1], 'int32'), tf.tensor2d(y, [n, 1])];
  await model.fit([td, ti], ty, { epochs: 4, batchSize: 32, verbose: 0 });
  tf.dispose([td, ti, ty]);
  await selectBackend('wasm');

  // Saved as the TF.js converter lays a layers model out: model.json and one weight shard.
  await saveToDirectory(model, source, 'weights.bin');
  // The vocabulary comes from the Embedding layer; the SLA is loose for a shared 2-core machine.
  writeFileSync(
    join(source, 'hera-signature.json'),
    JSON.stringify({ dense: 'features', sparse: [{ input: 'item_id' }], score: 'score', slaMs: 100, subBatchSize: 32 }),
  );
});

after(async () => {
  for (const c of clients) c.close();
  if (pids['worker']) hostPids.push(...childPids(pids['worker']));
  // SIGINT: `hera up` stops what it started, tenant hosts included; then whatever is left, by pid.
  await up?.stop('SIGINT', 20_000);
  for (const pid of [...Object.values(pids), ...hostPids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  model?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('bring your own model', () => {
  it('imports a model trained with TF.js, profiles and places it, and serves the scores model.predict gives', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HERA_BACKEND: 'wasm' };
    delete env['REDIS_URL']; // `hera up` starts its own redis-server
    delete env['HERA_MODEL_REPO'];
    up = startChild(
      process.execPath,
      [cli, 'up', '--data-dir', dataDir, ...HERA_UP_FREE_PORTS, '--models', 'none', '--no-node-manager'],
      { env },
    );
    const ready = await up.waitForLine(/all services healthy — gateway at (\S+)/, 120_000);
    const gateway = /gateway at (\S+)/.exec(ready)![1]!;
    pids = (JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { pids: Record<string, number> }).pids;

    // Through the registry (the running cluster's placement); --wait follows the quick profile it queued.
    const imported = await hera('models', 'import', source, '--name', MODEL, '--data-dir', dataDir, '--wait');
    assert.match(
      imported,
      new RegExp(`^imported ${MODEL} version 1 \\(.*\\) through placement at \\S+; serving version 1$`, 'm'),
    );
    assert.match(imported, /^quick profile on local-1: job p-[0-9a-f]{16} completed$/m);
    const repoVersion = join(dataDir, 'models', MODEL, '1');
    assert.deepEqual(
      ['hera-signature.json', 'model.json', 'weights.bin'].map(f => existsSync(join(repoVersion, f))),
      [true, true, true],
      "written into placement's repository",
    );
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

    // More items than a sub-batch, so the gateway splits and gathers.
    const k = 75;
    const rng = new Rng(9);
    const dense = Float32Array.from({ length: k * DENSE }, () => rng.next() * 2 - 1);
    const ids = Int32Array.from({ length: k }, () => Math.floor(rng.next() * VOCAB));
    const tf = tfjs();
    const want = tf.tidy(() =>
      (model.predict([tf.tensor2d(dense, [k, DENSE]), tf.tensor2d(ids, [k, 1], 'int32')]) as TF.Tensor).dataSync(),
    );
    const bytes = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const f32 = (b: Uint8Array) => {
      const out = new Float32Array(b.byteLength / 4);
      new Uint8Array(out.buffer).set(b);
      return out;
    };
    const close = (got: Float32Array, via: string) => {
      assert.equal(got.length, k, via);
      for (let i = 0; i < k; i++)
        assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5, `${via} item ${i}: ${got[i]} vs ${want[i]}`);
    };

    const ranked = await unaryCall(rank, 'Rank', {
      model: MODEL,
      items: { itemCount: k, dense: bytes(dense), sparse: bytes(ids) },
      topK: 3,
    });
    close(f32(ranked.scores), 'Rank');
    assert.ok((ranked.timing?.subBatches ?? 0) >= 3, 'split into sub-batches of 32');

    const inferred = await unaryCall(oip, 'ModelInfer', {
      modelName: MODEL,
      inputs: [
        { name: 'dense', datatype: 'FP32', shape: [k, DENSE] },
        { name: 'sparse', datatype: 'INT32', shape: [k, 1] },
      ],
      rawInputContents: [bytes(dense), bytes(ids)],
    });
    assert.equal(inferred.outputs[0]?.name, 'score');
    close(f32(inferred.rawOutputContents[0]!), 'ModelInfer');

    // An id past the vocabulary is refused by the one validator, naming the table and id.
    const bad = Int32Array.from(ids);
    bad[2] = VOCAB;
    await assert.rejects(
      unaryCall(rank, 'Rank', { model: MODEL, items: { itemCount: k, dense: bytes(dense), sparse: bytes(bad) } }),
      new RegExp(`item 2 table item_id id ${VOCAB} is out of range`),
    );

    // Unload: out of service, kept in the repository; load: served again.
    const unloaded = await hera('models', 'unload', MODEL, '--data-dir', dataDir);
    assert.match(unloaded, new RegExp(`^${MODEL}: unloaded; no tenant of it runs`, 'm'));
    assert.ok(existsSync(join(repoVersion, 'model.json')), 'the repository keeps it');
    await waitFor(
      async () =>
        /UNAVAILABLE.*unloaded/.test(
          await unaryCall(rank, 'Rank', {
            model: MODEL,
            items: { itemCount: k, dense: bytes(dense), sparse: bytes(ids) },
          }).then(
            () => 'OK',
            (err: Error) => `${(err as { code?: number }).code === 14 ? 'UNAVAILABLE' : 'other'}: ${err.message}`,
          ),
        ),
      10_000,
      'Rank to answer UNAVAILABLE unloaded',
    );
    const loaded = await hera('models', 'load', MODEL, '--data-dir', dataDir, '--timeout', '120');
    assert.match(loaded, new RegExp(`^${MODEL} version 1: served \\(plan v\\d+\\)$`, 'm'));
    await waitFor(
      async () => (await unaryCall(oip, 'ModelReady', { name: MODEL }).catch(() => ({ ready: false }))).ready,
      30_000,
      `the gateway to route ${MODEL} again`,
    );
    hostPids.push(...childPids(pids['worker']!));
    close(
      f32(
        (
          await unaryCall(rank, 'Rank', {
            model: MODEL,
            items: { itemCount: k, dense: bytes(dense), sparse: bytes(ids) },
            topK: 3,
          })
        ).scores,
      ),
      'Rank after load',
    );

    // The same through Triton's repository RPCs on the gateway (placement's registry behind them),
    // with a client generated from Triton's own proto.
    const triton = tritonClient(gateway);
    clients.push(triton);
    assert.deepEqual(await tritonCall(triton, 'RepositoryModelUnload', { model_name: MODEL }, 120_000), {});
    await waitFor(
      async () => (await tritonCall(triton, 'ModelReady', { name: MODEL })).ready === false,
      10_000,
      `ModelReady ${MODEL} false after Triton's unload`,
    );
    const index = await tritonCall(triton, 'RepositoryIndex', {});
    assert.equal(index.models.find((m: { name: string }) => m.name === MODEL)?.state, 'UNAVAILABLE');
    assert.deepEqual(await tritonCall(triton, 'RepositoryModelLoad', { model_name: MODEL }, 180_000), {});
    await waitFor(
      async () => (await tritonCall(triton, 'ModelReady', { name: MODEL })).ready === true,
      30_000,
      `ModelReady ${MODEL} after Triton's load`,
    );
    hostPids.push(...childPids(pids['worker']!));
    await assert.rejects(tritonCall(triton, 'RepositoryModelLoad', { model_name: 'nope' }), {
      code: 5, // NOT_FOUND: not in the repository, as the registry says
    });

    up.proc.kill('SIGINT');
    assert.equal(await up.exited, 0);
    for (const pid of [...Object.values(pids), ...hostPids])
      await waitForExit(pid, 10_000).catch(() => assert.fail(`pid ${pid} still running after hera up stopped`));
  });
});
