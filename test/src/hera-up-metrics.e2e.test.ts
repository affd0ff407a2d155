/**
 * `hera up --metrics` end to end (slow: Redis and four services): with METRICS_PORT
 * also set in its environment (which used to give every service the same port, and
 * the worker failed with EADDRINUSE), each service serves /metrics on its own port
 * from the base, `hera up` prints where, writes them to cluster.json, and `hera
 * status` shows them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseExposition } from '@hera/metrics';
import { portIsFree } from '@hera/procs';
import { type Child, freePort, HERA_UP_FREE_PORTS, isAlive, startChild } from '@hera/testing';

const cli = require.resolve('@hera/cli/dist/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'hera-up-metrics-'));
let up: Child | undefined;
let pids: Record<string, number> = {};

after(async () => {
  await up?.stop('SIGINT', 20_000);
  for (const pid of Object.values(pids)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** A base port with the four after it free too (gateway, placement, profiler, worker). */
async function freeRun(n: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base + n > 65535) continue;
    const free = await Promise.all(Array.from({ length: n }, (_, i) => portIsFree(base + i, '127.0.0.1')));
    if (free.every(Boolean)) return base;
  }
}

describe('hera up --metrics', () => {
  it('refuses, before starting anything, a base whose run of ports is taken', async () => {
    const base = await freeRun(4);
    const taken = createServer();
    await new Promise<void>(resolve => taken.listen(base + 3, '127.0.0.1', resolve));
    try {
      const dir = join(dataDir, 'taken');
      const u = startChild(process.execPath, [
        cli,
        'up',
        '--data-dir',
        dir,
        ...HERA_UP_FREE_PORTS,
        '--metrics',
        String(base),
      ]);
      assert.equal(await u.exited, 1);
      assert.ok(
        u.lines.some(l => l.includes(`port ${base + 3}`) && l.includes('worker /metrics') && l.includes('--metrics')),
        u.lines.join('\n'),
      );
    } finally {
      await new Promise(resolve => taken.close(resolve));
    }
  });

  it('gives every service its own /metrics port, lists them, and records them for hera status', async () => {
    const base = await freeRun(4);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      METRICS_PORT: String(base), // the base, as --metrics would be
    };
    delete env['REDIS_URL'];
    up = startChild(process.execPath, [cli, 'up', '--data-dir', dataDir, ...HERA_UP_FREE_PORTS, '--models', 'none'], {
      env,
    });
    await up.waitForLine(/all services healthy/, 90_000);
    const cluster = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as {
      metrics: Record<string, string>;
      pids: Record<string, number>;
    };
    pids = cluster.pids;
    const want = {
      gateway: base,
      placement: base + 1,
      profiler: base + 2,
      worker: base + 3,
    };
    assert.deepEqual(
      cluster.metrics,
      Object.fromEntries(Object.entries(want).map(([s, p]) => [s, `http://127.0.0.1:${p}/metrics`])),
    );
    for (const [service, port] of Object.entries(want)) {
      // The table hera up printed: the service's row carries its /metrics URL.
      assert.ok(
        up.lines.some(l => l.includes(service) && l.includes(`http://127.0.0.1:${port}/metrics`)),
        `${service} row with its metrics URL`,
      );
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200, service);
      const samples = parseExposition(await res.text());
      assert.ok(
        samples.some(s => s.name === 'process_cpu_seconds_total' && s.labels['service'] === service),
        `${service} answers on ${port} as itself`,
      );
    }
    const status = startChild(process.execPath, [cli, 'status', '--data-dir', dataDir], { env });
    // Exit 1 here: with no model the gateway is not ready (nothing to route); the tables print either way.
    await status.exited;
    for (const [service, port] of Object.entries(want))
      assert.ok(
        status.lines.some(l => l.includes(service) && l.includes(`:${port}/metrics`)),
        `hera status lists ${service}'s metrics:\n${status.lines.join('\n')}`,
      );
  });
});
