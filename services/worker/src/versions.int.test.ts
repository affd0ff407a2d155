/**
 * Several versions of a model served by one tenant host (issue 22, Triton's version policies):
 * a NodeAgent runs a real host of a tiny zoo model (ncf) whose allocation names versions 1 and
 * 2 (other weights); each version answers by name with its own scores (checked against the
 * engine in-process), a request naming none gets the newest, and a version it does not serve
 * is NOT_FOUND naming those it does. Then the allocation drops version 1 while a caller keeps
 * querying version 2: a new host starts beside the old (make-before-break), no query for
 * version 2 fails, and once the handoff is done version 1 is NOT_FOUND.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnconfinedManager } from '@hera/cgroups';
import { createClient, unaryCall } from '@hera/grpc';
import { silentLogger } from '@hera/logger';
import { randomBatch, type ModelConfig } from '@hera/model-schema';
import { buildRepository, loadModel, loadTables, selectBackend } from '@hera/models';
import { loadProtos, type TenantAllocation, type WorkerServiceClient } from '@hera/proto';
import { isAlive, waitFor } from '@hera/testing';
import { NodeAgent } from './node-agent';
import { clusterId, StateDir } from './state-dir';

const dir = mkdtempSync(join(tmpdir(), 'hera-versions-int-'));
const repo = join(dir, 'models');
let ncf: ModelConfig;
let agent: NodeAgent | undefined;
const clients = new Map<string, WorkerServiceClient>();
let stopLoad: (() => Promise<void>) | undefined;

before(async () => {
  ncf = (await buildRepository({ repo, scale: 0.0005, only: ['ncf'] }))[0]!;
  await buildRepository({ repo, scale: 0.0005, only: ['ncf'], seed: 2, version: '2' });
});

after(async () => {
  await stopLoad?.();
  for (const c of clients.values()) c.close();
  await agent?.shutdown(5_000);
  rmSync(dir, { recursive: true, force: true });
});

const allocation = (version: string): TenantAllocation => ({
  model: 'ncf',
  version,
  workers: 1,
  cpuset: [],
  cpuMillis: 0,
  memoryLimitBytes: 0,
  subBatchSize: 0,
});

/** The scores version `v` gives a batch, computed in this process. */
async function expectedScores(v: string, b: ReturnType<typeof randomBatch>): Promise<Float32Array> {
  const tables = await loadTables(repo, 'ncf', v);
  const model = await loadModel(repo, 'ncf', { version: v, tables });
  return model.score(b);
}

const close = (got: Float32Array, want: Float32Array, what: string) => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${what}: item ${i}`);
};

describe('one tenant host serving two versions (real host)', () => {
  it('answers each version with its own scores, the newest by default; dropping one is make-before-break', async t => {
    const stateDir = new StateDir(join(dir, 'state'));
    stateDir.claim();
    agent = new NodeAgent({
      nodeId: 'vs',
      cores: 2,
      memoryBytes: 4 * 1024 ** 3,
      repo,
      bindHost: '127.0.0.1',
      advertise: p => `127.0.0.1:${p}`,
      cgroups: new UnconfinedManager(),
      queueLimit: 512,
      queueBytes: 32 << 20,
      warmupMs: 0,
      shedPredictedLate: false,
      statsWindowMs: 2_000,
      statsIntervalMs: 100,
      stateDir,
      orphanMs: 60_000,
      cluster: clusterId('redis://127.0.0.1:1', 'versions-int'),
      handoffMs: 1_000,
      log: silentLogger(),
      onChange: () => {},
    });
    // The node resolves the set against the repository: a version it does not hold is NOT_FOUND.
    await assert.rejects(agent.resolve(allocation('1,7')), /NOT_FOUND|not in the model repository/);
    const resolved = await agent.resolve(allocation('1,2'));
    assert.equal(resolved.version, '1,2');
    await agent.reconcile([allocation('1,2')], 5_000);
    const tenant = agent.get('ncf')!;
    await tenant.whenServing(60_000);
    assert.equal(tenant.version, '1,2', 'the host reports the set it serves');
    assert.equal(agent.record()['ncf']!.version, '1,2');

    const client = (endpoint: string) => {
      let c = clients.get(endpoint);
      if (!c) {
        c = createClient(loadProtos().proto.hera.worker.v1.WorkerService, endpoint, { maxAttempts: 1 });
        clients.set(endpoint, c);
      }
      return c;
    };
    const b = randomBatch(ncf, 24, 7);
    const items = {
      itemCount: b.count,
      dense: Buffer.from(b.dense.buffer, b.dense.byteOffset, b.dense.byteLength),
      sparse: Buffer.from(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength),
    };
    const infer = (version: string) =>
      unaryCall(client(tenant.endpoint), 'Infer', { model: 'ncf', version, items }, { deadlineMs: 30_000 });
    const scoresOf = (r: { scores: Uint8Array }) =>
      new Float32Array(new Uint8Array(r.scores).buffer, 0, r.scores.byteLength / 4);

    await selectBackend();
    const want1 = await expectedScores('1', b);
    const want2 = await expectedScores('2', b);
    assert.ok(
      want1.some((s, i) => Math.abs(s - want2[i]!) > 1e-4),
      'the versions score differently (else the test could not tell them apart)',
    );
    const r1 = await infer('1');
    assert.equal(r1.version, '1');
    close(scoresOf(r1), want1, 'version 1');
    const r2 = await infer('2');
    assert.equal(r2.version, '2');
    close(scoresOf(r2), want2, 'version 2');
    const unnamed = await infer('');
    assert.equal(unnamed.version, '2', 'a request naming no version gets the newest');
    close(scoresOf(unnamed), want2, 'no version');
    await assert.rejects(infer('3'), /NOT_FOUND: model ncf runs versions 1, 2, not 3/);

    // Under steady load on version 2, the set drops version 1.
    const outcome = { ok: 0, retried: 0, failed: [] as string[] };
    let running = true;
    const loop = async () => {
      while (running) {
        for (let attempt = 0; ; attempt++) {
          try {
            const r = await infer('2');
            assert.equal(r.version, '2');
            close(scoresOf(r), want2, 'version 2 under load');
            outcome.ok++;
            break;
          } catch (err) {
            // A call cut by the switch is retried once on the advertised endpoint, as the gateway does.
            if (attempt === 0 && /UNAVAILABLE/.test((err as Error).message)) {
              outcome.retried++;
              continue;
            }
            outcome.failed.push((err as Error).message);
            break;
          }
        }
      }
    };
    const loops = [loop(), loop()];
    stopLoad = async () => {
      running = false;
      await Promise.all(loops);
    };
    await waitFor(() => outcome.ok >= 20, 10_000, 'queries on version 2');
    const oldPid = tenant.pid!;
    await agent.reconcile([allocation('2')], 5_000);
    assert.equal(tenant.pendingVersion, '2', 'the new set starts beside the old');
    await waitFor(() => tenant.version === '2', 60_000, 'the new set to be ready and take over');
    await waitFor(() => tenant.retiring === 0 && !isAlive(oldPid), 15_000, 'the old host to drain and exit');
    const okAfter = outcome.ok;
    await waitFor(() => outcome.ok >= okAfter + 20, 10_000, 'queries after the handoff');
    await stopLoad();
    stopLoad = undefined;
    assert.deepEqual(outcome.failed, [], 'no query for version 2 failed');
    await assert.rejects(infer('1'), /NOT_FOUND: model ncf runs version 2, not 1/);
    close(scoresOf(await infer('')), want2, 'no version after the handoff');
    t.diagnostic(`version 2 answered ${outcome.ok} queries (${outcome.retried} retried once) across the handoff`);
  });
});
