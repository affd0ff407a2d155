import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CPU_PERIOD_US, formatCpuList, type CgroupLimits, type CgroupManager, type TenantCgroup } from './cgroup';
import type { CgroupDetection } from './detect';
import { readKeyed, readText, removeDir, writeControl } from './fsutil';

const NEEDED = ['cpu', 'cpuset', 'memory'];

/**
 * cgroup v2: one unified hierarchy. Tenant groups live under
 * `<our group>/<nodeGroup>/<tenant>`. v2 forbids processes in a group whose
 * controllers are delegated to children ("no internal processes"), so when our
 * own group holds processes (us) we first move ourselves into a leaf
 * `<our group>/<nodeGroup>-agent` (at a cgroup namespace's root, the container's
 * other processes too), then enable the controllers.
 */
export class CgroupV2Manager implements CgroupManager {
  readonly mode = 'v2' as const;
  readonly #node: string;
  readonly #created = new Map<string, TenantCgroup>();

  constructor(detection: CgroupDetection, nodeGroup: string, pid = process.pid) {
    const root = join(detection.mounts.unified!, detection.self.unified ?? '/');
    this.#node = join(root, nodeGroup);
    if (!enable(root)) {
      const leaf = join(root, `${nodeGroup}-agent`);
      mkdirSync(leaf, { recursive: true });
      writeControl(join(leaf, 'cgroup.procs'), String(pid));
      // At the root of a cgroup namespace (a container: `docker run --privileged` on a v2 host)
      // every process of the group is the container's, e.g. tini as PID 1: they move into the
      // leaf too, as Docker-in-Docker's entrypoint does. Elsewhere (a systemd session scope)
      // the other processes are not ours to move.
      if (!enable(root) && (detection.self.unified ?? '/') === '/') {
        for (const other of readText(join(root, 'cgroup.procs')).split(/\s+/).filter(Boolean)) {
          if (other === String(pid)) continue;
          try {
            writeControl(join(leaf, 'cgroup.procs'), other);
          } catch {
            // Exited meanwhile, or a kernel thread: enable() below says whether it mattered.
          }
        }
      }
      if (!enable(root))
        throw new Error(`cannot enable ${NEEDED.join(', ')} controllers in ${root}/cgroup.subtree_control`);
    }
    mkdirSync(this.#node, { recursive: true });
    if (!enable(this.#node))
      throw new Error(`cannot enable ${NEEDED.join(', ')} controllers in ${this.#node}/cgroup.subtree_control`);
  }

  leftovers(): string[] {
    return existsSync(this.#node)
      ? readdirSync(this.#node).filter(f => statSync(join(this.#node, f)).isDirectory())
      : [];
  }

  create(name: string): TenantCgroup {
    const existing = this.#created.get(name);
    if (existing) return existing;
    const dir = join(this.#node, name);
    mkdirSync(dir, { recursive: true });
    const node = this.#node;
    const group: TenantCgroup = {
      name,
      paths: [dir],
      apply(limits: CgroupLimits) {
        const cpus = limits.cpus?.length ? formatCpuList(limits.cpus) : readText(join(node, 'cpuset.cpus.effective'));
        writeControl(join(dir, 'cpuset.cpus'), cpus);
        const quota = limits.cpuMillis
          ? String(Math.max(1_000, Math.round((limits.cpuMillis * CPU_PERIOD_US) / 1000)))
          : 'max';
        writeControl(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
        writeControl(join(dir, 'memory.max'), limits.memoryLimitBytes ? String(limits.memoryLimitBytes) : 'max');
        // No swap: a tenant over its limit is OOM-killed, not slowed to a crawl.
        if (existsSync(join(dir, 'memory.swap.max'))) writeControl(join(dir, 'memory.swap.max'), '0');
      },
      addProcess: (pid: number) => writeControl(join(dir, 'cgroup.procs'), String(pid)),
      memoryUsage: () => Number(readText(join(dir, 'memory.current'))) || 0,
      oomKills: () => readKeyed(join(dir, 'memory.events'), 'oom_kill'),
      cpuStat: () => {
        const stat = join(dir, 'cpu.stat');
        return {
          periods: readKeyed(stat, 'nr_periods'),
          throttledPeriods: readKeyed(stat, 'nr_throttled'),
          throttledSeconds: readKeyed(stat, 'throttled_usec') / 1e6,
        };
      },
      remove: async () => {
        await removeDir(dir);
        this.#created.delete(name);
      },
    };
    this.#created.set(name, group);
    return group;
  }

  async removeAll(): Promise<void> {
    for (const g of [...this.#created.values()]) await g.remove();
    for (const name of this.leftovers()) await removeDir(join(this.#node, name));
    await removeDir(this.#node);
  }
}

/** Enables cpu, cpuset, memory for children of `dir`; false when the kernel refuses (EBUSY). */
function enable(dir: string): boolean {
  const have = readText(join(dir, 'cgroup.subtree_control')).split(/\s+/);
  const missing = NEEDED.filter(c => !have.includes(c));
  if (missing.length === 0) return true;
  try {
    writeControl(join(dir, 'cgroup.subtree_control'), missing.map(c => `+${c}`).join(' '));
    return true;
  } catch {
    return false;
  }
}
