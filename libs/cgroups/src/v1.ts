import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CPU_PERIOD_US, formatCpuList, type CgroupLimits, type CgroupManager, type TenantCgroup } from './cgroup';
import type { CgroupDetection } from './detect';
import { readKeyed, readText, removeDir, writeControl } from './fsutil';

const CONTROLLERS = ['cpu', 'cpuset', 'memory'] as const;
type Controller = (typeof CONTROLLERS)[number];

/**
 * cgroup v1: one directory per controller hierarchy (cpu, cpuset, memory). Tenant
 * groups live under `<our own group>/<nodeGroup>/<tenant>` in each hierarchy, so
 * they nest inside whatever limits the agent itself runs under.
 */
export class CgroupV1Manager implements CgroupManager {
  readonly mode = 'v1' as const;
  readonly #base: Record<Controller, string>;
  readonly #created = new Map<string, TenantCgroup>();

  constructor(detection: CgroupDetection, nodeGroup: string) {
    this.#base = Object.fromEntries(
      CONTROLLERS.map(c => [c, join(detection.mounts[c]!, detection.self[c] ?? '/', nodeGroup)]),
    ) as Record<Controller, string>;
    for (const c of CONTROLLERS) mkdirSync(this.#base[c], { recursive: true });
    // A cpuset group accepts tasks only once cpus and mems are set; inherit the parent's.
    inheritCpuset(this.#base.cpuset);
  }

  /** Names of tenant groups left under the node group (e.g. by a crashed agent). */
  leftovers(): string[] {
    const dir = this.#base.memory;
    return existsSync(dir) ? readdirSync(dir).filter(f => statSync(join(dir, f)).isDirectory()) : [];
  }

  create(name: string): TenantCgroup {
    const existing = this.#created.get(name);
    if (existing) return existing;
    const dirs = Object.fromEntries(CONTROLLERS.map(c => [c, join(this.#base[c], name)])) as Record<Controller, string>;
    for (const c of CONTROLLERS) mkdirSync(dirs[c], { recursive: true });
    inheritCpuset(dirs.cpuset);
    const base = this.#base;
    const group: TenantCgroup = {
      name,
      paths: CONTROLLERS.map(c => dirs[c]),
      apply(limits: CgroupLimits) {
        const cpus = limits.cpus?.length ? formatCpuList(limits.cpus) : readText(join(base.cpuset, 'cpuset.cpus'));
        writeControl(join(dirs.cpuset, 'cpuset.cpus'), cpus);
        writeControl(join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
        writeControl(
          join(dirs.cpu, 'cpu.cfs_quota_us'),
          limits.cpuMillis ? String(Math.max(1_000, Math.round((limits.cpuMillis * CPU_PERIOD_US) / 1000))) : '-1',
        );
        writeControl(
          join(dirs.memory, 'memory.limit_in_bytes'),
          limits.memoryLimitBytes ? String(limits.memoryLimitBytes) : '-1',
        );
      },
      addProcess(pid: number) {
        for (const c of CONTROLLERS) writeControl(join(dirs[c], 'cgroup.procs'), String(pid));
      },
      memoryUsage: () => Number(readText(join(dirs.memory, 'memory.usage_in_bytes'))) || 0,
      oomKills: () => readKeyed(join(dirs.memory, 'memory.oom_control'), 'oom_kill'),
      cpuStat: () => {
        const stat = join(dirs.cpu, 'cpu.stat');
        return {
          periods: readKeyed(stat, 'nr_periods'),
          throttledPeriods: readKeyed(stat, 'nr_throttled'),
          throttledSeconds: readKeyed(stat, 'throttled_time') / 1e9,
        };
      },
      remove: async () => {
        for (const c of CONTROLLERS) await removeDir(dirs[c]);
        this.#created.delete(name);
      },
    };
    this.#created.set(name, group);
    return group;
  }

  async removeAll(): Promise<void> {
    for (const g of [...this.#created.values()]) await g.remove();
    for (const name of this.leftovers()) {
      for (const c of CONTROLLERS) await removeDir(join(this.#base[c], name));
    }
    for (const c of CONTROLLERS) await removeDir(this.#base[c]);
  }
}

function inheritCpuset(dir: string): void {
  const parent = join(dir, '..');
  for (const f of ['cpuset.mems', 'cpuset.cpus']) {
    if (!readText(join(dir, f))) writeControl(join(dir, f), readText(join(parent, f)));
  }
}
