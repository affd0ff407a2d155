/**
 * `hera up` end to end (slow: starts Redis and four services, builds a tiny model):
 * the whole cluster becomes healthy, serves the model right after start (`hera rank`
 * answers, `hera plan explain` says why), `hera status` sees it, a service or Redis
 * killed is started again at its address, and Ctrl-C (SIGINT) stops every process it
 * started, tenant hosts included; past its restart budget the cluster stops, saying why.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHealth } from '@hera/grpc';
import { type Child, HERA_UP_FREE_PORTS, isAlive, startChild, waitFor, waitForExit } from '@hera/testing';

const cli = require.resolve('@hera/cli/dist/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'hera-up-'));
let up: Child | undefined;
let pids: Record<string, number> = {};

after(async () => {
  await up?.stop('SIGKILL');
  for (const pid of Object.values(pids)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('hera up', () => {
  it('brings redis and all four services to healthy, and SIGINT leaves no process behind', async () => {
    const env = { ...process.env };
    delete env['REDIS_URL']; // it must start its own redis-server
    up = startChild(
      process.execPath,
      [cli, 'up', '--data-dir', dataDir, ...HERA_UP_FREE_PORTS, '--models', 'ncf', '--scale', '0.0005'],
      { env },
    );
    const ready = await up.waitForLine(/all services healthy — gateway at (\S+)/, 90_000);
    await up.waitForLine(/serving ncf — try/, 90_000);
    const gateway = /gateway at (\S+)/.exec(ready)![1]!;
    assert.equal(await checkHealth(gateway), 'SERVING');

    const cluster = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as {
      pids: Record<string, number>;
      services: Record<string, string>;
    };
    pids = cluster.pids;
    assert.deepEqual(Object.keys(pids).sort(), ['gateway', 'placement', 'profiler', 'redis', 'worker']);
    for (const pid of Object.values(pids)) assert.ok(isAlive(pid));
    for (const address of Object.values(cluster.services)) assert.equal(await checkHealth(address), 'SERVING');

    const status = startChild(process.execPath, [cli, 'status', '--data-dir', dataDir]);
    assert.equal(await status.exited, 0, status.lines.join('\n'));
    const out = status.lines.join('\n');
    for (const s of ['gateway', 'placement', 'profiler', 'worker'])
      assert.match(out, new RegExp(`^${s}\\s+\\S+\\s+SERVING`, 'm'));
    assert.match(out, /^local-1\s+.*ncf×\d \(serving\)/m);

    const rank = startChild(process.execPath, [cli, 'rank', '--model', 'ncf', '--data-dir', dataDir, '--top', '3']);
    assert.equal(await rank.exited, 0, rank.lines.join('\n'));
    assert.match(rank.lines.join('\n'), /^ncf v1: 164 items in/m);
    assert.match(rank.lines.join('\n'), /^1\s+\d+\s+0\.\d+/m);
    const explain = startChild(process.execPath, [cli, 'plan', 'explain', '--data-dir', dataDir]);
    assert.equal(await explain.exited, 0, explain.lines.join('\n'));
    assert.match(explain.lines.join('\n'), /^ncf:2\s+×1\s+EMU/m);
    const hostPids = readFileSync(`/proc/${pids['worker']}/task/${pids['worker']}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    assert.ok(hostPids.length >= 1, 'a tenant host runs');

    // Supervision: the profiler, placement and redis-server die (SIGKILL) in turn; each is
    // started again at the same address, and the model keeps being served.
    const readCluster = () =>
      JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as {
        pids: Record<string, number>;
        services: Record<string, string>;
        redisUrl: string;
      };
    const redisUrlBefore = readCluster().redisUrl;
    for (const name of ['profiler', 'placement', 'redis']) {
      const old = readCluster().pids[name]!;
      process.kill(old, 'SIGKILL');
      const label = name === 'redis' ? 'redis-server' : name;
      await up.waitForLine(new RegExp(`\\| ${label} died \\(killed by SIGKILL\\); restarting it in \\d+ ms`), 10_000);
      const back = await up.waitForLine(new RegExp(`\\| ${label} is back: pid (\\d+)`), 60_000);
      const pid = Number(/pid (\d+)/.exec(back)![1]);
      assert.notEqual(pid, old);
      assert.ok(isAlive(pid), `${name} pid ${pid} runs`);
      await waitFor(() => readCluster().pids[name] === pid, 5_000, `cluster.json to list ${name} pid ${pid}`);
      if (name !== 'redis')
        assert.equal(await checkHealth(cluster.services[name]!), 'SERVING', `${name} at its old address`);
    }
    assert.equal(readCluster().redisUrl, redisUrlBefore, 'Redis came back at the URL the services hold');
    const again = startChild(process.execPath, [cli, 'rank', '--model', 'ncf', '--data-dir', dataDir, '--top', '3']);
    assert.equal(await again.exited, 0, again.lines.join('\n'));
    pids = readCluster().pids;

    up.proc.kill('SIGINT');
    assert.equal(await up.exited, 0);
    for (const [name, pid] of Object.entries(pids))
      await waitForExit(pid, 5_000).catch(() => assert.fail(`${name} (pid ${pid}) still running`));
    for (const pid of hostPids)
      await waitForExit(pid, 5_000).catch(() => assert.fail(`tenant host ${pid} still running`));
    assert.equal(existsSync(join(dataDir, 'cluster.json')), false, 'cluster.json removed');
  });

  it('stops the whole cluster, saying why, when a service dies past its restart budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hera-up-budget-'));
    const env = { ...process.env };
    delete env['REDIS_URL'];
    const u = startChild(
      process.execPath,
      [cli, 'up', '--data-dir', dir, ...HERA_UP_FREE_PORTS, '--models', 'none', '--restart-budget', '0'],
      { env },
    );
    let started: Record<string, number> = {};
    try {
      await u.waitForLine(/all services healthy/, 90_000);
      started = (JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { pids: Record<string, number> }).pids;
      process.kill(started['profiler']!, 'SIGKILL');
      await u.waitForLine(
        /profiler died \(killed by SIGKILL\), 0 restarts within 60 s \(the budget\): not restarting it; stopping the cluster/,
        10_000,
      );
      assert.equal(await u.exited, 1);
      for (const [name, pid] of Object.entries(started))
        await waitForExit(pid, 5_000).catch(() => assert.fail(`${name} (pid ${pid}) still running`));
    } finally {
      await u.stop('SIGKILL');
      for (const pid of Object.values(started)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
