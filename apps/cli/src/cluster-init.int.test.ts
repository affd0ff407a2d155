/**
 * The cluster-init steps (`hera cluster init`, and `hera up` after it starts the services)
 * against a real redis-server, a real placement service and one real node agent: the first
 * run builds a tiny model, registers it, sets a default demand, applies a plan and waits until
 * the node serves it; a second run — the `hera cluster init` command itself, as the compose
 * init service runs it on every `docker compose up` — changes nothing (same plan version), and
 * a third keeps what the cluster learned of the model (its policy, unload and measured class).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelRecord } from '@hera/model-schema';
import { ModelStore, PlanStore, Keyspace } from '@hera/state';
import { redisPerFile, startChild, startService, type TestService } from '@hera/testing';
import { initCluster, type InitResult } from './cluster-init';

const db = redisPerFile();
const dir = mkdtempSync(join(tmpdir(), 'hera-init-'));
const repo = join(dir, 'models');
const prefix = 'init';
let placement: TestService | undefined;
let worker: TestService | undefined;

describe('initCluster', () => {
  before(async () => {
    const env = { REDIS_URL: db.server.url, HERA_REDIS_PREFIX: prefix, HERA_MODEL_REPO: repo };
    placement = await startService({ name: 'placement', main: require.resolve('@hera/placement-service') }, env);
    worker = await startService(
      { name: 'worker', main: require.resolve('@hera/worker-service') },
      { ...env, NODE_ID: 'init-1', NODE_STATE_DIR: join(dir, 'node') },
    );
  });

  after(async () => {
    try {
      await worker?.stop(10_000);
      await placement?.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the model on a fresh cluster, and a second run (the CLI command) changes nothing', async () => {
    const lines: string[] = [];
    const first = await initCluster({
      repo,
      models: ['ncf'],
      scale: 0.0005,
      demandUnits: 0.5,
      plan: true,
      redisUrl: db.server.url,
      prefix,
      placement: placement!.address,
      nodes: 1,
      timeoutMs: 90_000,
      say: l => lines.push(l),
      tty: false,
    });
    assert.deepEqual(first.built, ['ncf'], lines.join('\n'));
    assert.deepEqual(first.registered, ['ncf']);
    assert.equal(first.demandSet, true);
    assert.equal(first.plan?.changed, true);
    assert.equal(first.served, true);
    const version = first.plan!.version;
    assert.equal(await new PlanStore(db.redis, new Keyspace(prefix)).version(), version);

    const cli = startChild(
      process.execPath,
      [
        require.resolve('@hera/cli/dist/main.js'),
        'cluster',
        'init',
        '--json',
        '--models',
        'ncf',
        '--gateway',
        'none',
        '--timeout',
        '60',
      ],
      {
        env: {
          ...process.env,
          REDIS_URL: db.server.url,
          HERA_REDIS_PREFIX: prefix,
          HERA_MODEL_REPO: repo,
          HERA_PLACEMENT: placement!.address,
        },
      },
    );
    assert.equal(await cli.exited, 0, cli.lines.join('\n'));
    const second = JSON.parse(cli.lines.find(l => l.startsWith('{'))!) as InitResult;
    assert.deepEqual(second, {
      built: [],
      registered: [],
      demandSet: false,
      plan: { version, changed: false, overcommitted: first.plan!.overcommitted },
      served: true,
    });
    assert.match(cli.lines.join('\n'), /all 1 models already registered/);
    assert.match(cli.lines.join('\n'), new RegExp(`plan v${version} unchanged`));
    assert.equal(await new PlanStore(db.redis, new Keyspace(prefix)).version(), version);
  });

  it("keeps the registry's fields of a model on a restart: version policy, unload, measured class", async () => {
    const store = new ModelStore(db.redis, new Keyspace(prefix));
    const stored = (await store.get('ncf'))!;
    const known: ModelRecord = {
      ...stored,
      kind: stored.kind === 'compute-bound' ? 'memory-bound' : 'compute-bound',
      versionPolicy: { specific: [stored.version] },
      unloaded: true,
    };
    await store.put(known);
    const again = await initCluster({
      repo,
      models: ['ncf'],
      scale: 0.0005,
      demandUnits: 0.5,
      plan: false,
      redisUrl: db.server.url,
      prefix,
      placement: placement!.address,
      nodes: 1,
      timeoutMs: 30_000,
      say: () => {},
      tty: false,
    });
    assert.deepEqual(again.registered, [], 'nothing of the config changed: nothing rewritten');
    assert.deepEqual(await store.get('ncf'), known);
  });
});
