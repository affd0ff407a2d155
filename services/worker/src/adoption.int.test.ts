/**
 * NodeAgent.adopt against real processes: small stand-in hosts (a few lines of
 * Node that speak the control protocol) with descriptors in a real state
 * directory. Covers what the end-to-end test cannot stage: hosts of another
 * cluster, a second host of the same model, a host that does not answer, one
 * that is draining, one never told to start, stale and unreadable descriptors.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnconfinedManager } from '@hera/cgroups';
import { silentLogger } from '@hera/logger';
import { startChild, waitFor, type Child } from '@hera/procs';
import { NodeAgent } from './node-agent';
import { clusterId, procStat, StateDir, type HostDescriptor } from './state-dir';

const dir = mkdtempSync(join(tmpdir(), 'hera-adopt-int-'));
const children: Child[] = [];
after(async () => {
  for (const c of children) await c.stop('SIGKILL', 1_000);
  rmSync(dir, { recursive: true, force: true });
});

/** A stand-in tenant host: answers `hello` as told, prints what it receives, exits on `drain` or SIGTERM. */
const FAKE_HOST = `
const net = require('node:net');
const cfg = JSON.parse(process.env.FAKE);
const out = m => process.stdout.write(JSON.stringify(m) + '\\n');
process.on('SIGTERM', () => { out({ got: 'SIGTERM' }); process.exit(0); });
if (cfg.silent) {
  out({ listening: true });
} else {
  net.createServer(s => {
    s.write(JSON.stringify({ type: 'hello', pid: process.pid, id: cfg.id, started: cfg.started, draining: cfg.draining,
      ...(cfg.ready ? { ready: { type: 'ready', version: '1', backend: 'fake', tableBytes: 0, subBatchSize: 16 } } : {}),
      workers: cfg.workers, subBatchSize: 16 }) + '\\n');
    let buf = '';
    s.on('data', d => {
      buf += d;
      for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
        const m = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        out({ got: m });
        if (m.type === 'drain') process.exit(0);
      }
    });
  }).listen(cfg.socket, () => out({ listening: true }));
}
setInterval(() => {}, 1000);
`;

const cluster = clusterId('redis://127.0.0.1:1', 'adopt-int');

interface Fake {
  child: Child;
  d: HostDescriptor;
}

async function fakeHost(
  sd: StateDir,
  model: string,
  o: {
    started?: boolean;
    ready?: boolean;
    draining?: boolean;
    silent?: boolean;
    workers?: number;
    cluster?: string;
    startedAtMs?: number;
  } = {},
): Promise<Fake> {
  const id = sd.newHostId();
  const socket = sd.socketPath(id);
  const cfg = {
    id,
    socket,
    started: o.started ?? true,
    ready: o.ready ?? true,
    draining: o.draining ?? false,
    silent: o.silent ?? false,
    workers: o.workers ?? 1,
  };
  const child = startChild(process.execPath, ['-e', FAKE_HOST], { env: { ...process.env, FAKE: JSON.stringify(cfg) } });
  children.push(child);
  await child.waitForLine(/"listening":true/, 10_000);
  const d: HostDescriptor = {
    id,
    pid: child.pid,
    startTime: procStat(child.pid)!.startTime,
    socket,
    port: 40_000 + children.length,
    endpoint: `127.0.0.1:${40_000 + children.length}`,
    allocation: { model, version: '1', workers: 1, cpuset: [], cpuMillis: 0, memoryLimitBytes: 0, subBatchSize: 16 },
    origin: 'plan',
    cluster: o.cluster ?? cluster,
    startedAtMs: o.startedAtMs ?? Date.now(),
  };
  sd.write(d);
  return { child, d };
}

const got = (f: Fake, re: RegExp) => f.child.lines.some(l => /"got"/.test(l) && re.test(l));
const running = (f: Fake) => f.child.proc.exitCode === null && f.child.proc.signalCode === null;

describe('NodeAgent.adopt', () => {
  it('adopts the live hosts of its cluster and stops or cleans up the rest', async () => {
    const sd = new StateDir(join(dir, 'node'));
    sd.claim();
    const ncf = await fakeHost(sd, 'ncf', { workers: 2 }); // its descriptor says 1 worker
    const olderNcf = await fakeHost(sd, 'ncf', { startedAtMs: ncf.d.startedAtMs - 1_000 });
    const unstarted = await fakeHost(sd, 'wnd', { started: false, ready: false });
    const foreign = await fakeHost(sd, 'rmc1', { cluster: clusterId('redis://127.0.0.1:2', 'adopt-int') });
    const silent = await fakeHost(sd, 'rmc2', { silent: true });
    const draining = await fakeHost(sd, 'din', { draining: true });
    const dead = spawnSync('true').pid;
    sd.write({ ...ncf.d, id: 'deadbeef', pid: dead, socket: sd.socketPath('deadbeef') });
    writeFileSync(sd.descriptorPath('0badf11e'), '{"id":');

    let changes = 0;
    const agent = new NodeAgent({
      nodeId: 'n1',
      cores: 2,
      memoryBytes: 1 << 30,
      repo: join(dir, 'no-repo'),
      bindHost: '127.0.0.1',
      advertise: p => `127.0.0.1:${p}`,
      cgroups: new UnconfinedManager(),
      queueLimit: 8,
      queueBytes: 1 << 20,
      warmupMs: 0,
      shedPredictedLate: true,
      statsWindowMs: 1_000,
      statsIntervalMs: 100,
      stateDir: sd,
      orphanMs: 60_000,
      cluster,
      log: silentLogger(),
      onChange: () => changes++,
    });
    try {
      const r = await agent.adopt(1_000);
      assert.deepEqual(r.adopted.sort(), ['ncf', 'wnd']);
      assert.equal(r.stale, 1);
      assert.equal(r.retired, 4, 'the older ncf, the foreign, the silent and the draining host');
      assert.equal(changes, 0, 'no node record before adoption is done');

      const t = agent.get('ncf')!;
      assert.equal(t.state, 'serving');
      assert.equal(t.pid, ncf.child.pid);
      assert.equal(t.endpoint, ncf.d.endpoint);
      assert.equal(t.restarts, 0);
      assert.deepEqual(agent.record()['ncf'], {
        endpoint: ncf.d.endpoint,
        workers: 1,
        state: 'serving',
        subBatchSize: 16,
        // The version the adopted host says it serves (its hello's ready).
        version: '1',
      });
      assert.equal(agent.get('wnd')?.state, 'starting');
      await waitFor(
        () => got(ncf, /"type":"set-workers","workers":1/),
        2_000,
        'the adopted host to get the recorded worker count',
      );
      await waitFor(() => got(unstarted, /"type":"start"/), 2_000, 'the never-started host to be started');
      for (const f of [olderNcf, foreign, silent]) {
        await waitFor(() => got(f, /SIGTERM/), 2_000, `host ${f.d.allocation.model} ${f.d.id} to be told to stop`);
        assert.equal(existsSync(sd.descriptorPath(f.d.id)), false);
      }
      assert.ok(running(draining), 'a draining host is left to finish');
      assert.equal(existsSync(sd.descriptorPath('deadbeef')), false, 'stale descriptor removed');
      assert.equal(existsSync(sd.descriptorPath('0badf11e')), false, 'unreadable descriptor removed');

      // The plan's same allocation is no change for an adopted tenant.
      const same = await agent.apply(
        { model: 'ncf', version: '1', workers: 1, cpuset: [], cpuMillis: 0, memoryLimitBytes: 0, subBatchSize: 16 },
        'plan',
        0,
      );
      assert.equal(same.changed, false);

      // An adopted host's death (no exit status: not our child) is seen and restarted.
      ncf.child.proc.kill('SIGKILL');
      await waitFor(() => t.restarts === 1, 3_000, 'the death of the adopted host to be seen');
      assert.match(
        t.lastRestartCause,
        new RegExp(`exited \\(adopted host pid ${ncf.child.pid}: not our child, exit status unknown\\)`),
      );
    } finally {
      await agent.shutdown(2_000);
    }
    assert.ok(got(unstarted, /"type":"drain"/), 'adopted hosts are drained on shutdown');
    const s = procStat(unstarted.child.pid);
    assert.ok(
      s === undefined || s.state === 'Z',
      'and gone once shutdown returns (a zombie until our runtime reaps it)',
    );
  });

  it('refuses nothing and changes nothing in an empty state directory', async () => {
    const sd = new StateDir(join(dir, 'empty'));
    const agent = new NodeAgent({
      nodeId: 'n2',
      cores: 1,
      memoryBytes: 1 << 30,
      repo: dir,
      bindHost: '127.0.0.1',
      advertise: p => `127.0.0.1:${p}`,
      cgroups: new UnconfinedManager(),
      queueLimit: 8,
      queueBytes: 1 << 20,
      warmupMs: 0,
      shedPredictedLate: true,
      statsWindowMs: 1_000,
      statsIntervalMs: 100,
      stateDir: sd,
      orphanMs: 60_000,
      cluster,
      log: silentLogger(),
      onChange: () => undefined,
    });
    assert.deepEqual(await agent.adopt(), { adopted: [], stale: 0, retired: 0 });
    assert.deepEqual(agent.tenants(), []);
  });
});
