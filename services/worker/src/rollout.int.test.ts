/**
 * Make-before-break on a node (issue 22): a NodeAgent runs a real tenant host of a tiny zoo
 * model (ncf, version 1) while two callers keep querying it over gRPC, each query going to the
 * endpoint the tenant advertises now (as a gateway routes by the node record) and retried once
 * on UNAVAILABLE (as the gateway retries). A plan naming version 2 starts a second host beside
 * the first; the endpoint switches only once it is ready; the old host serves out the handoff,
 * then drains and is gone. A plan naming a broken version 3 (a table shard missing) leaves
 * version 2 serving, with the failure reported. No query fails throughout.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCgroupManager, UnconfinedManager, type CgroupManager } from '@hera/cgroups';
import { createClient, unaryCall } from '@hera/grpc';
import { silentLogger } from '@hera/logger';
import { randomBatch, type ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { loadProtos, type TenantAllocation, type WorkerServiceClient } from '@hera/proto';
import { isAlive, waitFor } from '@hera/testing';
import { NodeAgent } from './node-agent';
import { clusterId, StateDir } from './state-dir';

const dir = mkdtempSync(join(tmpdir(), 'hera-rollout-int-'));
const repo = join(dir, 'models');
let ncf: ModelConfig;
let cgroups: CgroupManager | undefined;
let agent: NodeAgent | undefined;
const clients = new Map<string, WorkerServiceClient>();
let stopLoad: (() => Promise<void>) | undefined;

before(async () => {
  ncf = (await buildRepository({ repo, scale: 0.0005, only: ['ncf'] }))[0]!;
  await buildRepository({ repo, scale: 0.0005, only: ['ncf'], seed: 2, version: '2' });
  // Version 3: version 1's files without one embedding table shard. Its model.json reads fine
  // (the node resolves it); the host fails loading.
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
});

after(async () => {
  await stopLoad?.();
  for (const c of clients.values()) c.close();
  await agent?.shutdown(5_000);
  await cgroups?.removeAll().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const allocation = (version: string): TenantAllocation => ({
  model: 'ncf',
  version,
  // Two: the switch waits for every thread of the new host to be warm.
  workers: 2,
  cpuset: [],
  cpuMillis: 0,
  // A limit, so a host whose group also held the other host's memory would refuse every query.
  memoryLimitBytes: 400 * 1024 * 1024,
  subBatchSize: 0,
});

describe('a version change on a serving tenant (real hosts)', () => {
  it('starts the new version beside the old, switches when ready, retires the old; a broken one changes nothing', async t => {
    try {
      cgroups = createCgroupManager(`hera-rollouttest-${process.pid}`);
    } catch {
      cgroups = new UnconfinedManager();
    }
    const stateDir = new StateDir(join(dir, 'state'));
    stateDir.claim();
    let changes = 0;
    agent = new NodeAgent({
      nodeId: 'ro',
      cores: 2,
      memoryBytes: 4 * 1024 ** 3,
      repo,
      bindHost: '127.0.0.1',
      advertise: p => `127.0.0.1:${p}`,
      cgroups,
      queueLimit: 512,
      queueBytes: 32 << 20,
      warmupMs: 200,
      shedPredictedLate: false,
      statsWindowMs: 2_000,
      statsIntervalMs: 100,
      stateDir,
      orphanMs: 60_000,
      cluster: clusterId('redis://127.0.0.1:1', 'rollout-int'),
      handoffMs: 1_000,
      log: silentLogger(),
      onChange: () => void changes++,
    });
    await agent.reconcile([allocation('1')], 5_000);
    const tenant = agent.get('ncf')!;
    await tenant.whenServing(60_000);
    assert.equal(tenant.version, '1');

    const client = (endpoint: string) => {
      let c = clients.get(endpoint);
      if (!c) {
        c = createClient(loadProtos().proto.hera.worker.v1.WorkerService, endpoint, { maxAttempts: 1 });
        clients.set(endpoint, c);
      }
      return c;
    };
    const outcome = { ok: 0, retried: 0, failed: [] as string[], versions: [] as string[] };
    let running = true;
    const loop = async (seed: number) => {
      for (let i = 0; running; i++) {
        const b = randomBatch(ncf, 16, seed * 1_000_003 + i);
        const items = {
          itemCount: b.count,
          dense: Buffer.from(b.dense.buffer, b.dense.byteOffset, b.dense.byteLength),
          sparse: Buffer.from(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength),
        };
        for (let attempt = 0; ; attempt++) {
          // The endpoint advertised now: what the node record tells gateways.
          try {
            const r = await unaryCall(
              client(tenant.endpoint),
              'Infer',
              { model: 'ncf', items },
              { deadlineMs: 30_000 },
            );
            assert.equal(r.scores.length, 16 * 4);
            outcome.ok++;
            outcome.versions.push(r.version);
            break;
          } catch (err) {
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
    const loops = [1, 2].map(loop);
    stopLoad = async () => {
      running = false;
      await Promise.all(loops);
    };
    await waitFor(() => outcome.ok >= 20, 10_000, 'queries on version 1');

    // Version 2: a second host starts; the endpoint stays until it is ready.
    const oldPid = tenant.pid!;
    const oldEndpoint = tenant.endpoint;
    await agent.reconcile([allocation('2')], 5_000);
    assert.equal(tenant.pendingVersion, '2', 'the new version starts beside the old');
    assert.equal(tenant.endpoint, oldEndpoint, 'no switch before the new host is ready');
    assert.equal(tenant.state, 'serving');
    assert.equal(agent.record()['ncf']!.pendingVersion, '2');
    assert.equal(agent.record()['ncf']!.version, '1');
    await waitFor(() => tenant.version === '2', 60_000, 'the new version to be ready and take over');
    assert.notEqual(tenant.endpoint, oldEndpoint, 'the tenant advertises the new host');
    assert.notEqual(tenant.pid, oldPid);
    assert.equal(tenant.retiring, 1, 'the old host serves out the handoff');
    assert.ok(isAlive(oldPid), 'old host alive during the handoff');
    assert.deepEqual(
      { version: agent.record()['ncf']!.version, endpoint: agent.record()['ncf']!.endpoint },
      { version: '2', endpoint: tenant.endpoint },
    );
    await waitFor(() => tenant.retiring === 0 && !isAlive(oldPid), 15_000, 'the old host to drain and exit');
    if (cgroups.mode !== 'none') {
      // Its own group: a host sizes its memory budget from its group's usage, which must be its own.
      assert.match(readFileSync(`/proc/${tenant.pid}/cgroup`, 'utf8'), /tenant-ncf-b\n/);
      assert.equal(tenant.cgroup.name, 'tenant-ncf-b');
    }
    assert.deepEqual(tenant.pids(), [tenant.pid]);
    const descriptors = stateDir.list().descriptors;
    assert.deepEqual(
      descriptors.map(d => [d.pid, d.allocation.version, d.port]),
      [[tenant.pid, '2', tenant.port]],
      'one descriptor: the new host (an agent restarted now adopts it)',
    );
    const okAt2 = outcome.ok;
    await waitFor(() => outcome.ok >= okAt2 + 20, 10_000, 'queries on version 2');
    assert.equal(outcome.versions.at(-1), '2');

    // A broken version 3: its host dies loading; version 2 serves on, the failure is reported.
    const pid2 = tenant.pid!;
    await agent.reconcile([allocation('3')], 5_000);
    await waitFor(() => tenant.failedVersion === '3', 60_000, 'the broken version to be reported');
    assert.equal(tenant.version, '2');
    assert.equal(tenant.allocation.version, '2', 'the allocation is back on the serving version');
    assert.equal(tenant.pid, pid2, 'the serving host was never touched');
    assert.equal(tenant.pendingVersion, '');
    assert.match(tenant.rolloutError, /exited|killed|not/);
    assert.equal(agent.record()['ncf']!.failedVersion, '3');
    // A plan back on version 2 is no change.
    await agent.reconcile([allocation('2')], 5_000);
    assert.equal(tenant.pid, pid2);

    const okAt3 = outcome.ok;
    await waitFor(() => outcome.ok >= okAt3 + 20, 10_000, 'queries after the failed rollout');
    await stopLoad();
    stopLoad = undefined;
    assert.deepEqual(outcome.failed, [], 'no query failed');
    assert.ok(changes > 0);
    t.diagnostic(
      `answered ${outcome.ok} (${outcome.retried} retried once), failed 0; v1 → v2 switch, v3 refused: ${tenant.rolloutError}`,
    );
  });
});
