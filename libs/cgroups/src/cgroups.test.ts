import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCpuList, parseCpuList } from './cgroup';
import { detectCgroups, parseProcCgroup } from './detect';
import { detectResctrl } from './resctrl';
import { CgroupV2Manager } from './v2';

describe('cpu lists', () => {
  it('formats and parses ranges', () => {
    assert.equal(formatCpuList([3, 0, 1, 2, 7, 9, 8]), '0-3,7-9');
    assert.equal(formatCpuList([5]), '5');
    assert.deepEqual(parseCpuList('0-3,7-9\n'), [0, 1, 2, 3, 7, 8, 9]);
    assert.deepEqual(parseCpuList(''), []);
  });
});

describe('parseProcCgroup', () => {
  it('reads v1 controller paths and the v2 unified path', () => {
    const self = parseProcCgroup(
      '9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n1:cpu,cpuacct:/x\n0::/user.slice\n',
    );
    assert.deepEqual(self, { memory: '/process_api/abc', cpuset: '/', cpu: '/x', unified: '/user.slice' });
  });
});

describe('detectCgroups', () => {
  it('reports none with a reason when there is no cgroup filesystem', () => {
    const d = detectCgroups(mkdtempSync(join(tmpdir(), 'no-cgroup-')));
    assert.equal(d.mode, 'none');
    assert.match(d.reason, /no cgroup filesystem/);
  });

  it("takes a v1 mount's root as our group when our /proc/self/cgroup path is not under it (a container)", () => {
    const root = mkdtempSync(join(tmpdir(), 'v1-'));
    try {
      for (const c of ['cpu', 'cpuset', 'memory']) {
        mkdirSync(join(root, c));
        writeFileSync(join(root, c, 'cgroup.procs'), '');
      }
      const d = detectCgroups(root);
      // Writable temp dirs: v1, and whatever path this process has, the mount's root.
      assert.equal(d.mode, 'v1', d.reason);
      for (const c of ['cpu', 'cpuset', 'memory'] as const) assert.ok(!d.self[c] || d.self[c] === '/', d.self[c]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// The v2 kernel interface is files; on this cgroup-v1 machine we check what the
// manager writes against a directory laid out like a unified hierarchy.
describe('CgroupV2Manager (file layout)', () => {
  it('enables controllers, writes cpuset/cpu.max/memory.max, and removes its groups', async () => {
    const root = mkdtempSync(join(tmpdir(), 'v2-'));
    try {
      writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids');
      writeFileSync(join(root, 'cgroup.subtree_control'), '');
      const m = new CgroupV2Manager(
        { mode: 'v2', reason: '', mounts: { unified: root }, self: { unified: '/' } },
        'hera-n1',
      );
      assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+cpu +cpuset +memory');
      const node = join(root, 'hera-n1');
      writeFileSync(join(node, 'cpuset.cpus.effective'), '0-3');
      const g = m.create('rmc1');
      writeFileSync(join(node, 'rmc1', 'memory.swap.max'), 'max');
      g.apply({ cpus: [2, 3], cpuMillis: 1500, memoryLimitBytes: 1 << 30 });
      const read = (f: string) => readFileSync(join(node, 'rmc1', f), 'utf8');
      assert.equal(read('cpuset.cpus'), '2-3');
      assert.equal(read('cpu.max'), '15000 10000');
      assert.equal(read('memory.max'), String(1 << 30));
      assert.equal(read('memory.swap.max'), '0');
      g.apply({});
      assert.equal(read('cpuset.cpus'), '0-3');
      assert.equal(read('cpu.max'), 'max 10000');
      assert.equal(read('memory.max'), 'max');
      g.addProcess(4242);
      assert.equal(read('cgroup.procs'), '4242');
      writeFileSync(join(node, 'rmc1', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n');
      assert.equal(g.oomKills(), 2);
      writeFileSync(
        join(node, 'rmc1', 'cpu.stat'),
        'usage_usec 900\nuser_usec 800\nsystem_usec 100\nnr_periods 40\nnr_throttled 12\nthrottled_usec 2500000\n',
      );
      assert.deepEqual(g.cpuStat(), { periods: 40, throttledPeriods: 12, throttledSeconds: 2.5 });
      // A real cgroup directory holds only kernel files; emulate rmdir succeeding.
      for (const f of [
        'cpuset.cpus',
        'cpu.max',
        'memory.max',
        'memory.swap.max',
        'cgroup.procs',
        'memory.events',
        'cpu.stat',
      ])
        rmSync(join(node, 'rmc1', f));
      rmSync(join(node, 'cpuset.cpus.effective'));
      rmSync(join(node, 'cgroup.subtree_control'));
      await m.removeAll();
      assert.equal(existsSync(node), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('moves the agent into a leaf when its own group may not delegate controllers', () => {
    const root = mkdtempSync(join(tmpdir(), 'v2-'));
    try {
      writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu memory');
      // subtree_control as a directory makes the first write fail like EBUSY does.
      mkdirSync(join(root, 'cgroup.subtree_control'));
      assert.throws(
        () =>
          new CgroupV2Manager(
            { mode: 'v2', reason: '', mounts: { unified: root }, self: { unified: '/' } },
            'hera-n2',
            777,
          ),
        /cannot enable cpu, cpuset, memory/,
      );
      assert.equal(readFileSync(join(root, 'hera-n2-agent', 'cgroup.procs'), 'utf8'), '777');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("at a cgroup namespace's root (a container), moves the container's other processes (tini) into the leaf too", () => {
    const root = mkdtempSync(join(tmpdir(), 'v2-'));
    try {
      writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu memory');
      writeFileSync(join(root, 'cgroup.procs'), '1\n777\n');
      mkdirSync(join(root, 'cgroup.subtree_control'));
      const leafProcs = join(root, 'hera-n3-agent', 'cgroup.procs');
      assert.throws(
        () =>
          new CgroupV2Manager(
            { mode: 'v2', reason: '', mounts: { unified: root }, self: { unified: '/' } },
            'hera-n3',
            777,
          ),
        /cannot enable/,
      );
      // The agent first, then PID 1 (each write to cgroup.procs moves one process).
      assert.equal(readFileSync(leafProcs, 'utf8'), '1');
      // Not at a namespace root: only the agent moves.
      writeFileSync(join(root, 'cgroup.procs'), '1\n888\n');
      mkdirSync(join(root, 'scope'));
      writeFileSync(join(root, 'scope', 'cgroup.controllers'), 'cpuset cpu memory');
      writeFileSync(join(root, 'scope', 'cgroup.procs'), '5\n888\n');
      mkdirSync(join(root, 'scope', 'cgroup.subtree_control'));
      assert.throws(
        () =>
          new CgroupV2Manager(
            { mode: 'v2', reason: '', mounts: { unified: root }, self: { unified: '/scope' } },
            'hera-n4',
            888,
          ),
        /cannot enable/,
      );
      assert.equal(readFileSync(join(root, 'scope', 'hera-n4-agent', 'cgroup.procs'), 'utf8'), '888');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('detectResctrl', () => {
  it('says unavailable, and why, when resctrl is not mounted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-resctrl-'));
    const fs = join(dir, 'filesystems');
    writeFileSync(fs, 'nodev\tsysfs\nnodev\tcgroup\n');
    try {
      assert.deepEqual(detectResctrl(join(dir, 'resctrl'), fs), {
        available: false,
        reason: `unavailable: ${join(dir, 'resctrl')} not mounted (the kernel offers no resctrl filesystem)`,
        resources: [],
      });
      writeFileSync(fs, 'nodev\tsysfs\nnodev\tresctrl\n');
      assert.equal(detectResctrl(join(dir, 'resctrl'), fs).reason, `unavailable: ${join(dir, 'resctrl')} not mounted`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the allocation resources of a mounted resctrl', () => {
    const root = mkdtempSync(join(tmpdir(), 'resctrl-'));
    try {
      writeFileSync(join(root, 'schemata'), 'L3:0=7ff\nMB:0=100\n');
      for (const r of ['L3', 'MB', 'L3_MON']) mkdirSync(join(root, 'info', r), { recursive: true });
      assert.deepEqual(detectResctrl(root), {
        available: true,
        reason: `available at ${root} (L3, MB)`,
        resources: ['L3', 'MB'],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
