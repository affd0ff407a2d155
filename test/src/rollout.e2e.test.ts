/**
 * A version rollout under steady load, end to end (slow: starts `hera up`, builds a tiny model
 * twice): `hera up` serves ncf version 1; version 2 (other weights) and a broken version 3 (a
 * table shard missing) are written into the repository; two callers query the gateway's Rank
 * without pause while `hera models rollout ncf 2` runs — every query is answered OK, the last
 * ones by version 2, and version 1's host process is gone. Then `hera models rollout ncf 3`
 * fails, saying why, and version 2 serves on from the same process, with no query failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, unaryCall } from '@hera/grpc';
import { randomBatch } from '@hera/model-schema';
import { buildRepository, readModelConfig } from '@hera/models';
import { loadProtos, type RankingServiceClient } from '@hera/proto';
import { type Child, HERA_UP_FREE_PORTS, isAlive, startChild, waitFor } from '@hera/testing';
import { HERA_CLI, runHera } from './hera-cli';

const cli = HERA_CLI;
/** Runs the CLI to its end: its exit code and output. */
const hera = (...args: string[]) => runHera(args, 300_000);
const dataDir = mkdtempSync(join(tmpdir(), 'hera-rollout-e2e-'));
const repo = join(dataDir, 'models');
const SCALE = 0.0005;
let up: Child | undefined;
let pids: Record<string, number> = {};
const hostPids = new Set<number>();
let client: RankingServiceClient | undefined;
let stopLoad: (() => Promise<void>) | undefined;

/** The tenant hosts the node agent runs now, from its state directory: pid → version. */
function hosts(): Map<number, string> {
  const state = join(dataDir, 'node-state');
  const out = new Map<number, string>();
  if (!existsSync(state)) return out;
  for (const node of readdirSync(state))
    for (const f of readdirSync(join(state, node)).filter(x => /^host-.*\.json$/.test(x))) {
      try {
        const d = JSON.parse(readFileSync(join(state, node, f), 'utf8')) as {
          pid: number;
          allocation: { model: string; version: string };
        };
        if (d.allocation.model === 'ncf') out.set(d.pid, d.allocation.version);
      } catch {
        /* being rewritten */
      }
    }
  for (const pid of out.keys()) hostPids.add(pid);
  return out;
}

after(async () => {
  await stopLoad?.();
  client?.close();
  await up?.stop('SIGINT', 20_000);
  for (const pid of [...Object.values(pids), ...hostPids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('version rollout under load', () => {
  it('moves every query to the new version with none failed, and a broken version leaves the old serving', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['REDIS_URL']; // `hera up` starts its own redis-server
    delete env['HERA_MODEL_REPO'];
    up = startChild(
      process.execPath,
      [
        cli,
        'up',
        '--data-dir',
        dataDir,
        ...HERA_UP_FREE_PORTS,
        '--models',
        'ncf',
        '--scale',
        String(SCALE),
        '--no-node-manager',
      ],
      { env },
    );
    const ready = await up.waitForLine(/all services healthy — gateway at (\S+)/, 120_000);
    await up.waitForLine(/serving ncf — try/, 120_000);
    const gateway = /gateway at (\S+)/.exec(ready)![1]!;
    pids = (JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { pids: Record<string, number> }).pids;
    const v1 = await readModelConfig(repo, 'ncf', '1');

    // Version 2: the same model with other weights. Version 3: version 1's files naming
    // themselves 3, one table shard missing (it reads fine; its host fails loading).
    await buildRepository({ repo, scale: SCALE, only: ['ncf'], seed: 2, version: '2' });
    const v3 = join(repo, 'ncf', '3');
    cpSync(join(repo, 'ncf', '1'), v3, { recursive: true });
    const json = JSON.parse(readFileSync(join(v3, 'model.json'), 'utf8')) as { modelTopology: { version: string } };
    json.modelTopology.version = '3';
    writeFileSync(join(v3, 'model.json'), JSON.stringify(json));
    rmSync(
      join(
        v3,
        readdirSync(v3).find(f => f.startsWith('emb-'))!,
      ),
    );

    const before = hosts();
    assert.deepEqual([...before.values()], ['1'], 'one host, serving version 1');
    const [oldPid] = before.keys();

    client = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway, { maxAttempts: 1 });
    const rank = (seed: number) => {
      const b = randomBatch(v1, 32, seed);
      const items = {
        itemCount: b.count,
        dense: Buffer.from(b.dense.buffer, b.dense.byteOffset, b.dense.byteLength),
        sparse: Buffer.from(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength),
      };
      // A generous timeout: the new version loads on the same two cores as the load.
      return unaryCall(client!, 'Rank', { model: 'ncf', items, timeoutMs: 20_000 }, { deadlineMs: 30_000 });
    };
    // The cluster is steady first: `hera up` says "serving" at its host's first warm thread, and
    // for the second or so until its last thread is warm and measured, a host's memory budget
    // counts the loading threads against too few and refuses work (RESOURCE_EXHAUSTED). That is
    // a host's start, not a rollout's: the new version takes traffic only once every thread is
    // warm (worker README, "Version rollouts").
    let inARow = 0;
    for (let i = 0; inARow < 20; i++) {
      assert.ok(i < 2_000, 'the cluster answers 20 queries in a row');
      inARow = await rank(-1 - i).then(
        () => inARow + 1,
        () => 0,
      );
      await new Promise(res => setTimeout(res, 10));
    }

    let phase = 'before the rollout';
    const outcome = { ok: 0, failed: [] as string[], versions: [] as string[] };
    let running = true;
    const loop = async (seed: number) => {
      for (let i = 0; running; i++) {
        try {
          const r = await rank(seed * 1_000_003 + i);
          assert.equal(r.scores.length, 32 * 4);
          outcome.ok++;
          outcome.versions.push(r.version);
        } catch (err) {
          outcome.failed.push(`${phase}: ${(err as Error).message}`);
        }
        await new Promise(res => setTimeout(res, 5));
      }
    };
    const loops = [1, 2].map(loop);
    stopLoad = async () => {
      running = false;
      await Promise.all(loops);
    };
    await waitFor(() => outcome.ok >= 50, 30_000, 'steady load on version 1');
    assert.ok(outcome.versions.every(v => v === '1'));

    phase = 'rolling out version 2';
    const rolled = await hera('models', 'rollout', 'ncf', '2', '--data-dir', dataDir);
    phase = 'after rolling out version 2';
    assert.equal(rolled.code, 0, rolled.out);
    assert.match(rolled.out, /rollout ncf\/2\/\S+: ncf 1 → 2: (waiting|active)/);
    assert.match(rolled.out, /^ncf serves version 2$/m);
    // Done means the old host is gone: its process exited, its descriptor removed.
    assert.equal(isAlive(oldPid!), false, `version 1's host (pid ${oldPid}) is gone`);
    const after2 = hosts();
    assert.deepEqual([...after2.values()], ['2'], 'one host, serving version 2');
    const [pid2] = after2.keys();
    const okAt2 = outcome.ok;
    await waitFor(() => outcome.ok >= okAt2 + 50, 30_000, 'load on version 2');
    assert.deepEqual(new Set(outcome.versions.slice(-40)), new Set(['2']), 'the last queries answered by version 2');
    assert.deepEqual(outcome.failed, [], 'no query failed during the rollout');

    // A version the repository does not hold is refused at once, naming it; nothing changes.
    const missing = await hera('models', 'rollout', 'ncf', '9', '--data-dir', dataDir);
    assert.notEqual(missing.code, 0, missing.out);
    assert.match(missing.out, /NOT_FOUND: model ncf has no version "9"/);

    phase = 'rolling out the broken version 3';
    const broken = await hera('models', 'rollout', 'ncf', '3', '--data-dir', dataDir);
    phase = 'after the failed rollout';
    assert.equal(broken.code, 1, broken.out);
    assert.match(broken.out, /^failed: rollout of ncf to version 3 failed: node \S+: .*emb-.*; 2 serves$/m);
    assert.deepEqual([...hosts().entries()], [[pid2, '2']], 'version 2 serves on from the same host');
    const okAt3 = outcome.ok;
    await waitFor(() => outcome.ok >= okAt3 + 50, 30_000, 'load after the failed rollout');
    assert.deepEqual(new Set(outcome.versions.slice(-40)), new Set(['2']));

    await stopLoad();
    stopLoad = undefined;
    assert.deepEqual(outcome.failed, [], 'no query failed');
    const status = await hera('status', '--data-dir', dataDir);
    assert.equal(status.code, 0, status.out);
  });
});
