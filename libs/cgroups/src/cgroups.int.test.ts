/**
 * Against the real cgroup filesystem of this machine (cgroup v1 or v2, as root).
 * Skipped, with the reason, where cgroups are not writable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCgroupManager, detectCgroups } from './index';

const detection = detectCgroups();
const skip = detection.mode === 'none' ? `cgroups not writable here: ${detection.reason}` : false;

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise(resolve => p.once('exit', (code, signal) => resolve({ code, signal })));
}

describe(`cgroups (${detection.mode})`, { skip }, () => {
  it('puts a process in a group with the cpuset, quota and memory limit asked for, changes them, and removes the group', async () => {
    const m = createCgroupManager(`hera-test-${process.pid}`);
    const g = m.create('tenant-a');
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      g.apply({ cpus: [0], cpuMillis: 500, memoryLimitBytes: 256 * 1024 * 1024 });
      g.addProcess(sleeper.pid!);
      const membership = readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8');
      assert.match(membership, /tenant-a/);
      const f = (name: string) =>
        readFileSync(
          join(
            g.paths.find(p => existsSync(join(p, name)))!,
            name,
          ),
          'utf8',
        ).trim();
      if (m.mode === 'v1') {
        assert.equal(f('cpuset.cpus'), '0');
        assert.equal(f('cpu.cfs_quota_us'), '5000');
        assert.equal(f('memory.limit_in_bytes'), String(256 * 1024 * 1024));
      } else {
        assert.equal(f('cpuset.cpus'), '0');
        assert.equal(f('cpu.max'), '5000 10000');
        assert.equal(f('memory.max'), String(256 * 1024 * 1024));
      }
      assert.ok(g.memoryUsage() >= 0);
      g.apply({ cpus: [1], cpuMillis: 0, memoryLimitBytes: 0 });
      assert.equal(f('cpuset.cpus'), '1');
      const status = readFileSync(`/proc/${sleeper.pid}/status`, 'utf8');
      assert.match(status, /Cpus_allowed_list:\s+1\n/);
    } finally {
      sleeper.kill('SIGKILL');
      await exited(sleeper);
    }
    await m.removeAll();
    for (const p of g.paths) assert.equal(existsSync(p), false, `${p} removed`);
  });

  it('counts the periods and time a busy process was throttled at its CPU quota (cpu.stat)', async () => {
    const m = createCgroupManager(`hera-test-cpu-${process.pid}`);
    const g = m.create('spinner');
    g.apply({ cpus: [0], cpuMillis: 100 });
    const spinner = spawn(process.execPath, ['-e', `process.stdin.once('data', () => { for (;;); })`], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    try {
      g.addProcess(spinner.pid!);
      const before = g.cpuStat()!;
      spinner.stdin!.write('go\n');
      await new Promise(r => setTimeout(r, 500));
      const after = g.cpuStat()!;
      // 0.1 core for 0.5 s: stopped in most 10 ms periods, ~0.4 s in all.
      assert.ok(after.periods - before.periods >= 10, `periods: ${JSON.stringify({ before, after })}`);
      assert.ok(after.throttledPeriods - before.throttledPeriods >= 10, `throttled: ${JSON.stringify(after)}`);
      assert.ok(after.throttledSeconds - before.throttledSeconds > 0.1, `seconds: ${JSON.stringify(after)}`);
    } finally {
      spinner.kill('SIGKILL');
      await exited(spinner);
      await m.removeAll();
    }
  });

  it('OOM-kills a process that outgrows its memory limit and counts it', async () => {
    const m = createCgroupManager(`hera-test-oom-${process.pid}`);
    const g = m.create('hog');
    g.apply({ memoryLimitBytes: 96 * 1024 * 1024 });
    // Waits for "go" on stdin so it is inside the group before it allocates.
    const hog = spawn(
      process.execPath,
      ['-e', `process.stdin.once('data', () => { const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1)); })`],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    try {
      g.addProcess(hog.pid!);
      hog.stdin!.write('go\n');
      const { signal } = await exited(hog);
      assert.equal(signal, 'SIGKILL');
      assert.ok(g.oomKills() >= 1, `oom kills: ${g.oomKills()}`);
    } finally {
      hog.kill('SIGKILL');
      await m.removeAll();
    }
  });
});
