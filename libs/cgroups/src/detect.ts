import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupMode = 'v2' | 'v1' | 'none';

export interface CgroupDetection {
  mode: CgroupMode;
  /** Why this mode: which files were found or what was not writable. */
  reason: string;
  /** v2: the unified mount; v1: the mount of each controller we use. */
  mounts: { unified?: string; cpu?: string; cpuset?: string; memory?: string };
  /** This process's cgroup path in each hierarchy (tenant groups nest under it). */
  self: { unified?: string; cpu?: string; cpuset?: string; memory?: string };
}

/** Parses /proc/self/cgroup: "id:controllers:path" per line. */
export function parseProcCgroup(text: string): CgroupDetection['self'] {
  const self: CgroupDetection['self'] = {};
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, controllers, path] = m;
    if (id === '0' && controllers === '') self.unified = path;
    for (const c of controllers!.split(',')) {
      if (c === 'cpu' || c === 'cpuset' || c === 'memory') self[c] = path;
    }
  }
  return self;
}

function canCreateUnder(dir: string): boolean {
  const probe = join(dir, `.hera-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds which cgroup interface this host offers us. v2 when the unified hierarchy
 * is mounted with cpu, cpuset and memory controllers enabled for our subtree and
 * we can create a group; v1 when the cpu, cpuset and memory hierarchies are
 * mounted and writable; otherwise none (tenants would run without limits).
 */
export function detectCgroups(root = '/sys/fs/cgroup'): CgroupDetection {
  let self: CgroupDetection['self'] = {};
  try {
    self = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  } catch {
    /* not Linux */
  }
  const controllersFile = join(root, 'cgroup.controllers');
  if (existsSync(controllersFile)) {
    const base = join(root, self.unified ?? '/');
    const enabled = readText(join(base, 'cgroup.controllers')).split(/\s+/);
    const missing = ['cpu', 'cpuset', 'memory'].filter(c => !enabled.includes(c));
    if (missing.length) {
      return {
        mode: 'none',
        reason: `cgroup v2 at ${base} lacks controllers: ${missing.join(', ')}`,
        mounts: { unified: root },
        self,
      };
    }
    if (!canCreateUnder(base)) {
      return {
        mode: 'none',
        reason: `cgroup v2 at ${base} is not writable (run as root or delegate the subtree)`,
        mounts: { unified: root },
        self,
      };
    }
    return { mode: 'v2', reason: `cgroup v2 unified hierarchy at ${root}`, mounts: { unified: root }, self };
  }
  const mounts = { cpu: join(root, 'cpu'), cpuset: join(root, 'cpuset'), memory: join(root, 'memory') };
  const missing = (['cpu', 'cpuset', 'memory'] as const).filter(c => !existsSync(join(mounts[c], 'cgroup.procs')));
  if (missing.length === 3) return { mode: 'none', reason: `no cgroup filesystem under ${root}`, mounts: {}, self };
  if (missing.length) {
    return { mode: 'none', reason: `cgroup v1 controllers not mounted: ${missing.join(', ')}`, mounts, self };
  }
  // A container without its own cgroup namespace (v1's default): /proc/self/cgroup names the
  // host's path (/docker/<id>) while each mounted hierarchy shows the container's group as its
  // root. Our group is then the mount's root.
  let containerView = false;
  for (const c of ['cpu', 'cpuset', 'memory'] as const) {
    if (self[c] && self[c] !== '/' && !existsSync(join(mounts[c], self[c]))) {
      self[c] = '/';
      containerView = true;
    }
  }
  const unwritable = (['cpu', 'cpuset', 'memory'] as const).filter(
    c => !canCreateUnder(join(mounts[c], self[c] ?? '/')),
  );
  if (unwritable.length) {
    return { mode: 'none', reason: `cgroup v1 not writable for: ${unwritable.join(', ')} (run as root)`, mounts, self };
  }
  return {
    mode: 'v1',
    reason: `cgroup v1 hierarchies cpu, cpuset, memory under ${root}${containerView ? " (a container's view: our group is each mount's root)" : ''}`,
    mounts,
    self,
  };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
