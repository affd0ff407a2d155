/**
 * Several versions of a model served at once, end to end (slow: starts `hera up`, profiles):
 * two TF.js models of the same signature and other weights are imported as versions 1 and 2
 * of one model under Triton's version policy latest 2, then loaded (`hera models load`): one
 * tenant host serves both, each answers by name (Rank's version, ModelInfer's model_version)
 * with its own scores (model.predict here), a query naming none gets version 2, and the
 * gateway's Triton RPCs (ModelReady, ModelMetadata, RepositoryIndex, ModelConfig,
 * ModelStatistics) speak per version. Then `hera models load --version-policy latest:1` under
 * steady load on version 2: the tenant rolls make-before-break, no version 2 query fails, and
 * version 1 answers NOT_FOUND naming the version served.
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
const dataDir = mkdtempSync(join(tmpdir(), 'hera-versions-e2e-'));
const MODEL = 'twin';
const DENSE = 4;
const VOCAB = 20;
const models: TFL.LayersModel[] = [];
let up: Child | undefined;
let pids: Record<string, number> = {};
const hostPids = new Set<number>();
const clients: { close(): void }[] = [];
let stopLoad: (() => Promise<void>) | undefined;

/** A small model of the one signature: dense features and one id slot, sigmoid score (random weights). */
function build(): TFL.LayersModel {
  const dense = tfl.input({ shape: [DENSE], name: 'features' });
  const ids = tfl.input({ shape: [1], dtype: 'int32', name: 'item_id' });
  const emb = tfl.layers.embedding({ inputDim: VOCAB, outputDim: 4 }).apply(ids) as TFL.SymbolicTensor;
  const x = tfl.layers.concatenate().apply([dense, tfl.layers.flatten().apply(emb) as TFL.SymbolicTensor]);
  const h = tfl.layers.dense({ units: 8, activation: 'relu' }).apply(x);
  const out = tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(h) as TFL.SymbolicTensor;
  return tfl.model({ inputs: [dense, ids], outputs: out });
}

before(async () => {
  await selectBackend('wasm');
  for (const v of [1, 2]) {
    const m = build();
    models.push(m);
    const dir = join(dataDir, `v${v}`);
    await saveToDirectory(m, dir, 'weights.bin');
    writeFileSync(
      join(dir, 'hera-signature.json'),
      JSON.stringify({
        dense: 'features',
        sparse: [{ input: 'item_id' }],
        score: 'score',
        slaMs: 100,
        subBatchSize: 32,
      }),
    );
  }
});

after(async () => {
  await stopLoad?.();
  for (const c of clients) c.close();
  if (pids['worker']) for (const p of childPids(pids['worker'])) hostPids.add(p);
  await up?.stop('SIGINT', 20_000);
  for (const pid of [...Object.values(pids), ...hostPids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const m of models) m.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('version policies: several versions served at once', () => {
  it('serves latest 2 by name with each version its own scores, then rolls to latest 1 under load', async t => {
    // The profiler's quick job at its shortest (its settings, inherited from `hera up`): the
    // profile only lets placement plan the model here; what it measures is not under test.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HERA_BACKEND: 'wasm',
      POINT_SECONDS: '1',
      WARMUP_SECONDS: '0',
      MIN_QUERIES: '10',
      RECHECK_SECONDS: '1',
      PRECISION: '0.5',
    };
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

    const t0 = Date.now();
    const step = (what: string) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    step('hera up healthy');
    // Version 1 under latest 2, then version 2 (the policy is stored). Version 1's quick profile is
    // still queued or running when version 2 comes, so version 2's import follows that one job
    // (--wait): one profile, done before the tenant is planned, so none runs beside it.
    await hera(
      'models',
      'import',
      join(dataDir, 'v1'),
      '--name',
      MODEL,
      '--version-policy',
      'latest:2',
      '--data-dir',
      dataDir,
    );
    const second = await hera(
      'models',
      'import',
      join(dataDir, 'v2'),
      '--name',
      MODEL,
      '--wait',
      '--data-dir',
      dataDir,
    );
    assert.match(second, new RegExp(`^imported ${MODEL} version 2 .*; serving version 2$`, 'm'));
    step('imported and profiled');
    await hera('plan', 'demand', '--units', `${MODEL}=0.5`, '--replace', '--data-dir', dataDir);
    await hera('plan', 'apply', '--data-dir', dataDir);
    const loaded = await hera('models', 'load', MODEL, '--data-dir', dataDir, '--timeout', '120');
    step('loaded: versions 1 and 2 served');
    assert.match(loaded, new RegExp(`^${MODEL} version 2: served \\(plan v\\d+\\)$`, 'm'));

    const oip: GRPCInferenceServiceClient = createClient(loadProtos().proto.inference.GRPCInferenceService, gateway, {
      defaultDeadlineMs: 10_000,
    });
    const rank: RankingServiceClient = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway, {
      defaultDeadlineMs: 10_000,
    });
    clients.push(oip, rank);
    const isReady = async (version: string) =>
      (await unaryCall(oip, 'ModelReady', { name: MODEL, version }).catch(() => ({ ready: false }))).ready;
    try {
      await waitFor(async () => (await isReady('1')) && (await isReady('2')), 60_000, 'versions 1 and 2 routed');
    } catch (err) {
      t.diagnostic(JSON.stringify(await unaryCall(oip, 'RepositoryIndex', {}).catch(e => String(e))));
      t.diagnostic(JSON.stringify(await unaryCall(oip, 'ModelMetadata', { name: MODEL }).catch(e => String(e))));
      t.diagnostic(JSON.stringify(await unaryCall(oip, 'ModelReady', { name: MODEL }).catch(e => String(e))));
      t.diagnostic(await hera('status', '--data-dir', dataDir).catch(e => String(e)));
      throw err;
    }
    for (const p of childPids(pids['worker']!)) hostPids.add(p);

    const k = 40;
    const rng = new Rng(3);
    const dense = Float32Array.from({ length: k * DENSE }, () => rng.next() * 2 - 1);
    const ids = Int32Array.from({ length: k }, () => Math.floor(rng.next() * VOCAB));
    const tf = tfjs();
    const want = models.map(m =>
      tf.tidy(() =>
        (m.predict([tf.tensor2d(dense, [k, DENSE]), tf.tensor2d(ids, [k, 1], 'int32')]) as TF.Tensor).dataSync(),
      ),
    );
    assert.ok(
      want[0]!.some((s, i) => Math.abs(s - want[1]![i]!) > 1e-4),
      'the versions score differently (else the test could not tell them apart)',
    );
    const bytes = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const f32 = (b: Uint8Array) => {
      const out = new Float32Array(b.byteLength / 4);
      new Uint8Array(out.buffer).set(b);
      return out;
    };
    const close = (got: Float32Array, w: Float32Array | Int32Array | Uint8Array, via: string) => {
      assert.equal(got.length, k, via);
      for (let i = 0; i < k; i++)
        assert.ok(Math.abs(got[i]! - w[i]!) <= 1e-5, `${via} item ${i}: ${got[i]} vs ${w[i]}`);
    };
    const items = { itemCount: k, dense: bytes(dense), sparse: bytes(ids) };
    const ranked = (version: string) => unaryCall(rank, 'Rank', { model: MODEL, version, items });

    const r1 = await ranked('1');
    assert.equal(r1.version, '1');
    close(f32(r1.scores), want[0]!, 'Rank version 1');
    const r2 = await ranked('2');
    assert.equal(r2.version, '2');
    close(f32(r2.scores), want[1]!, 'Rank version 2');
    const none = await ranked('');
    assert.equal(none.version, '2', 'a query naming no version gets the newest');
    close(f32(none.scores), want[1]!, 'Rank, no version');
    const infer1 = await unaryCall(oip, 'ModelInfer', {
      modelName: MODEL,
      modelVersion: '1',
      inputs: [
        { name: 'dense', datatype: 'FP32', shape: [k, DENSE] },
        { name: 'sparse', datatype: 'INT32', shape: [k, 1] },
      ],
      rawInputContents: [bytes(dense), bytes(ids)],
    });
    assert.equal(infer1.modelVersion, '1');
    close(f32(infer1.rawOutputContents[0]!), want[0]!, 'ModelInfer version 1');
    await assert.rejects(ranked('3'), /NOT_FOUND: model twin has no version "3" \(serving 1, 2\)/);

    step('both versions answered');
    // Triton's RPCs, per version.
    assert.deepEqual((await unaryCall(oip, 'ModelMetadata', { name: MODEL })).versions, ['1', '2']);
    const index = await unaryCall(oip, 'RepositoryIndex', {});
    assert.deepEqual(
      index.models.filter(m => m.name === MODEL).map(m => [m.version, m.state]),
      [
        ['1', 'READY'],
        ['2', 'READY'],
      ],
    );
    const config = await unaryCall(oip, 'ModelConfig', { name: MODEL, version: '1' });
    assert.equal(config.config?.versionPolicy?.latest?.numVersions, 2);
    const stats = await unaryCall(oip, 'ModelStatistics', { name: MODEL });
    const count = (v: string) => Number(stats.modelStats.find(s => s.version === v)?.inferenceCount ?? 0);
    assert.equal(count('1'), 2 * k, 'version 1: one Rank and one ModelInfer');
    assert.equal(count('2'), 2 * k, 'version 2: one by name, one unversioned');

    // Steady load on version 2 while the policy drops version 1.
    const outcome = { ok: 0, failed: [] as string[] };
    let running = true;
    const loop = async () => {
      while (running) {
        try {
          const r = await ranked('2');
          assert.equal(r.version, '2');
          close(f32(r.scores), want[1]!, 'version 2 under load');
          outcome.ok++;
        } catch (err) {
          outcome.failed.push((err as Error).message);
        }
      }
    };
    const loops = [loop(), loop()];
    stopLoad = async () => {
      running = false;
      await Promise.all(loops);
    };
    await waitFor(() => outcome.ok >= 20, 30_000, 'load on version 2');
    // The host serving 1 and 2; a new host serving 2 starts beside it (make-before-break).
    const oldHosts = childPids(pids['worker']!);
    assert.ok(oldHosts.length > 0, 'a tenant host runs');
    const dropped = await hera(
      'models',
      'load',
      MODEL,
      '--version-policy',
      'latest:1',
      '--data-dir',
      dataDir,
      '--timeout',
      '120',
    );
    assert.match(dropped, new RegExp(`^${MODEL} version 2: served \\(plan v\\d+\\)$`, 'm'));
    step('loaded latest 1: a host serving version 2 serves');
    for (const p of childPids(pids['worker']!)) hostPids.add(p);
    await waitFor(
      async () =>
        /NOT_FOUND/.test(
          await ranked('1').then(
            () => 'OK',
            (e: Error) => e.message,
          ),
        ),
      30_000,
      'version 1 to leave the served set',
    );
    await assert.rejects(ranked('1'), /NOT_FOUND: model twin has no version "1" \(serving 2\)/);
    await waitFor(() => oldHosts.every(p => !isAlive(p)), 30_000, 'the host of versions 1 and 2 to drain and exit');
    step('version 1 NOT_FOUND; the old host is gone');
    const at = outcome.ok;
    await waitFor(() => outcome.ok >= at + 20, 30_000, 'load on version 2 after the handoff');
    await stopLoad();
    stopLoad = undefined;
    assert.deepEqual(outcome.failed, [], 'no version 2 query failed');
    assert.equal((await ranked('')).version, '2');
    assert.deepEqual((await unaryCall(oip, 'ModelMetadata', { name: MODEL })).versions, ['2']);
    t.diagnostic(`version 2 answered ${outcome.ok} queries across the change of the served set`);

    up.proc.kill('SIGINT');
    assert.equal(await up.exited, 0);
    for (const pid of [...Object.values(pids), ...hostPids])
      await waitForExit(pid, 10_000).catch(() => assert.fail(`pid ${pid} still running after hera up stopped`));
  });
});
