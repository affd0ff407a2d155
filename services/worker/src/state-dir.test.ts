import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clusterId,
  defaultStateDir,
  descriptorProblem,
  isSameProcess,
  procStat,
  StateDir,
  type HostDescriptor,
} from './state-dir';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hera-state-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A pid no process has now (one that ran and was reaped). */
function deadPid(): number {
  const r = spawnSync('true');
  assert.ok(r.pid);
  return r.pid;
}

function descriptor(id: string, over: Partial<HostDescriptor> = {}): HostDescriptor {
  return {
    id,
    pid: process.pid,
    startTime: procStat(process.pid)!.startTime,
    socket: `/tmp/host-${id}.sock`,
    port: 40001,
    endpoint: '127.0.0.1:40001',
    allocation: {
      model: 'ncf',
      version: '1',
      workers: 2,
      cpuset: [0, 1],
      cpuMillis: 1500,
      memoryLimitBytes: 1 << 30,
      subBatchSize: 64,
    },
    origin: 'plan',
    cluster: clusterId('redis://127.0.0.1:6379', 'hera'),
    startedAtMs: Date.now(),
    ...over,
  };
}

describe('host liveness', () => {
  it('knows a running process by pid and start time', () => {
    const me = procStat(process.pid);
    assert.ok(me, 'this process has a /proc entry');
    assert.match(me.startTime, /^\d+$/);
    assert.equal(isSameProcess(process.pid, me.startTime), true);
  });

  it('does not take a reused pid for the recorded host (another start time)', () => {
    const me = procStat(process.pid)!;
    assert.equal(isSameProcess(process.pid, String(Number(me.startTime) + 1)), false);
  });

  it('reports a pid that is gone as not running', () => {
    const pid = deadPid();
    assert.equal(procStat(pid), undefined);
    assert.equal(isSameProcess(pid, '1'), false);
  });
});

describe('StateDir', () => {
  it('writes descriptors atomically, lists them back and removes them with their socket', () => {
    withDir(dir => {
      const s = new StateDir(dir);
      const id = s.newHostId();
      assert.match(id, /^[0-9a-f]{8}$/);
      const d = descriptor(id);
      s.write(d);
      writeFileSync(s.socketPath(id), '');
      assert.deepEqual(s.list(), { descriptors: [d], invalid: [] });
      assert.equal(existsSync(`${s.descriptorPath(id)}.tmp`), false);
      s.write({ ...d, allocation: { ...d.allocation, workers: 3 } });
      assert.equal(s.list().descriptors[0]?.allocation.workers, 3);
      s.remove(id);
      assert.deepEqual(s.list(), { descriptors: [], invalid: [] });
      assert.equal(existsSync(s.socketPath(id)), false);
      s.remove(id); // idempotent
    });
  });

  it('lists files that are not valid descriptors apart, with the reason', () => {
    withDir(dir => {
      const s = new StateDir(dir);
      writeFileSync(join(dir, 'host-0000000a.json'), '{"id": "0000000a"');
      writeFileSync(join(dir, 'host-0000000b.json'), JSON.stringify(descriptor('0000000c')));
      writeFileSync(join(dir, 'host-0000000d.json'), JSON.stringify({ ...descriptor('0000000d'), port: 0 }));
      writeFileSync(join(dir, 'notes.txt'), 'ignored');
      const { descriptors, invalid } = s.list();
      assert.deepEqual(descriptors, []);
      assert.deepEqual(invalid.map(i => i.file).sort(), [
        'host-0000000a.json',
        'host-0000000b.json',
        'host-0000000d.json',
      ]);
      assert.match(invalid.find(i => i.file === 'host-0000000b.json')!.reason, /does not match the file name/);
      assert.match(invalid.find(i => i.file === 'host-0000000d.json')!.reason, /port/);
    });
  });

  it('checks every field a descriptor needs', () => {
    const d = descriptor('00000001');
    assert.equal(descriptorProblem(d, '00000001'), '');
    assert.match(descriptorProblem({ ...d, pid: 1 }, '00000001'), /pid/);
    assert.match(descriptorProblem({ ...d, origin: 'x' }, '00000001'), /origin/);
    assert.match(descriptorProblem({ ...d, startTime: '' }, '00000001'), /startTime/);
    assert.match(descriptorProblem({ ...d, allocation: { ...d.allocation, cpuset: ['a'] } }, '00000001'), /cpuset/);
    assert.match(descriptorProblem({ ...d, allocation: { ...d.allocation, workers: 1.5 } }, '00000001'), /workers/);
  });

  it('lets one live agent own the directory and takes it over from a dead one', () => {
    withDir(dir => {
      const s = new StateDir(join(dir, 'node'));
      s.claim();
      assert.equal(statSync(s.path).mode & 0o777, 0o700);
      s.claim(); // the owner again: fine
      const lock = join(s.path, 'agent.json');
      // A live agent (our parent stands in for it) owns it: refused, naming the owner.
      writeFileSync(lock, JSON.stringify({ pid: process.ppid, startTime: procStat(process.ppid)!.startTime }));
      assert.throws(
        () => s.claim(),
        new RegExp(`another node agent \\(pid ${process.ppid}\\) owns the state directory`),
      );
      // Its pid was reused by another process (other start time): stale.
      writeFileSync(lock, JSON.stringify({ pid: process.ppid, startTime: '1' }));
      s.claim();
      assert.equal(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid);
      // Its agent died (SIGKILL): taken over.
      writeFileSync(lock, JSON.stringify({ pid: deadPid(), startTime: '1' }));
      s.claim();
      // Half-written: taken over.
      writeFileSync(lock, '{"pid":');
      s.claim();
      s.release();
      assert.equal(existsSync(s.path), false, 'an empty state directory is removed');
    });
  });

  it('refuses a directory whose socket paths would be too long for the kernel', () => {
    assert.throws(() => new StateDir(join('/tmp', 'x'.repeat(100))), /too long for Unix socket paths/);
  });

  it('defaults per key prefix and node under the temp dir', () => {
    assert.equal(defaultStateDir('hera:', 'n1'), join(tmpdir(), 'hera-hera-node-n1'));
    assert.notEqual(clusterId('redis://a:1', 'hera'), clusterId('redis://a:1', 'other'));
  });
});
