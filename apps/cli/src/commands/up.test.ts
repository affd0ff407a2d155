import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { metricsPorts, metricsUrl, nodeCgroup, nodeStateDir, up } from './up';

describe('hera up --metrics', () => {
  it('gives each service its own port from the base, node agents last', () => {
    assert.deepEqual(
      [...metricsPorts(9464, 2)],
      [
        ['gateway', 9464],
        ['placement', 9465],
        ['profiler', 9466],
        ['worker-1', 9467],
        ['worker-2', 9468],
      ],
    );
    assert.deepEqual([...metricsPorts(9464, 1)].at(-1), ['worker', 9467]);
  });

  it('is off at 0 and refuses a base whose ports run past 65535', () => {
    assert.equal(metricsPorts(0, 3).size, 0);
    assert.throws(() => metricsPorts(65534, 1), /needs 4 ports/);
  });

  it('points at loopback when the services bind every interface', () => {
    assert.equal(metricsUrl('0.0.0.0', 9464), 'http://127.0.0.1:9464/metrics');
    assert.equal(metricsUrl('::1', 9464), 'http://[::1]:9464/metrics');
    assert.equal(metricsUrl('10.0.0.5', 9470), 'http://10.0.0.5:9470/metrics');
  });
});

describe('hera up node state', () => {
  it("keeps each node agent's state under the data dir, so clusters with other data dirs never share it", () => {
    assert.equal(nodeStateDir('/tmp/a', 'local-1'), '/tmp/a/node-state/local-1');
    assert.notEqual(nodeStateDir('/tmp/a', 'local-1'), nodeStateDir('/tmp/b', 'local-1'));
    assert.notEqual(nodeStateDir('/tmp/a', 'local-1'), nodeStateDir('/tmp/a', 'local-2'));
    assert.equal(nodeStateDir('.hera', 'local-1'), join(process.cwd(), '.hera', 'node-state', 'local-1'));
  });

  it("names each node agent's cgroup by the data dir too, the same on every restart", () => {
    assert.match(nodeCgroup('/tmp/a', 'local-1'), /^hera-[0-9a-f]{8}-local-1$/);
    assert.equal(nodeCgroup('/tmp/a', 'local-1'), nodeCgroup('/tmp/a/', 'local-1'));
    assert.notEqual(nodeCgroup('/tmp/a', 'local-1'), nodeCgroup('/tmp/b', 'local-1'));
  });

  it('falls back to a directory per data dir under the temp dir when socket paths would be too long', () => {
    const deep = `/${'d'.repeat(100)}`;
    const dir = nodeStateDir(deep, 'local-1');
    assert.ok(dir.startsWith(join(tmpdir(), 'hera-up-')), dir);
    assert.ok(Buffer.byteLength(join(dir, 'host-00000000.sock')) <= 107);
    assert.equal(nodeStateDir(deep, 'local-1'), dir, 'the same every time (a restarted cluster adopts its hosts)');
    assert.notEqual(nodeStateDir(`${deep}x`, 'local-1'), dir);
  });

  it('refuses, before starting anything, one NODE_STATE_DIR for several node agents', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hera-up-state-'));
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString('utf8')));
    const saved = process.env['NODE_STATE_DIR'];
    process.env['NODE_STATE_DIR'] = join(dataDir, 'one');
    try {
      const code = await up(
        {
          dataDir,
          redisPort: 0,
          prefix: 'hera',
          host: '127.0.0.1',
          nodes: 2,
          gatewayPort: 0,
          workerPort: 0,
          placementPort: 0,
          profilerPort: 0,
          logLevel: 'info',
          jsonLogs: false,
          timeout: 1,
          models: [],
          scale: 0.01,
          demandUnits: 0.5,
          plan: false,
          restartBudget: 0,
        },
        out,
      );
      assert.equal(code, 1);
      assert.match(text, /NODE_STATE_DIR .* is one node agent's state directory, and --nodes 2 starts 2/);
      assert.deepEqual(readdirSync(dataDir), [], 'nothing started');
    } finally {
      if (saved === undefined) delete process.env['NODE_STATE_DIR'];
      else process.env['NODE_STATE_DIR'] = saved;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
