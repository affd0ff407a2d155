/** Limits of one tenant's cgroup. Absent fields leave that resource unlimited. */
export interface CgroupLimits {
  /** Cores the tenant may run on (cpuset); empty or absent = every core of the parent. */
  cpus?: readonly number[];
  /** CPU bandwidth in millicores (1000 = one core); 0 or absent = no quota. */
  cpuMillis?: number;
  /** Memory limit in bytes; 0 or absent = none. The kernel OOM-kills past it. */
  memoryLimitBytes?: number;
}

/** CFS bandwidth control counters of a group (cpu.stat). */
export interface CpuStat {
  /** Enforcement periods that elapsed while the group had runnable tasks (nr_periods). */
  periods: number;
  /** Of those, periods in which the group used up its quota and was stopped (nr_throttled). */
  throttledPeriods: number;
  /** Total time its tasks were stopped for it, seconds (v1 throttled_time ns; v2 throttled_usec). */
  throttledSeconds: number;
}

/** One tenant's cgroup (or, in mode "none", the record of limits that are not enforced). */
export interface TenantCgroup {
  readonly name: string;
  /** Paths of the group's directories, for status and tests. */
  readonly paths: readonly string[];
  /** Sets (or changes) the limits; processes in the group are affected at once. */
  apply(limits: CgroupLimits): void;
  /** Moves a process (all its threads) into the group. */
  addProcess(pid: number): void;
  /** Bytes charged to the group now (0 when unknown). */
  memoryUsage(): number;
  /** How many times the kernel OOM-killed a process of this group. */
  oomKills(): number;
  /** CFS bandwidth statistics since the group was created (cpu.stat); undefined when unconfined. */
  cpuStat(): CpuStat | undefined;
  /** Removes the group's directories; its processes must have exited. Idempotent. */
  remove(): Promise<void>;
}

export interface CgroupManager {
  readonly mode: 'v2' | 'v1' | 'none';
  /** Creates (or adopts) the tenant group `name` under this node's group. */
  create(name: string): TenantCgroup;
  /** Removes every group this manager created, and the node group. */
  removeAll(): Promise<void>;
}

/**
 * The CFS period we use; quota = millicores × period / 1000. 10 ms rather than the kernel's
 * 100 ms default: a tenant that spends its quota early in a period is stopped for the rest of
 * it, and with 100 ms a 750 m tenant could wait 25 ms on a query whose SLA is 25 ms (the node
 * manager moves capacity in quarters of a core). Shorter periods cost a little scheduler work.
 */
export const CPU_PERIOD_US = 10_000;

/** "0-2,5" style list for cpuset files. */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Parses "0-2,5" into [0, 1, 2, 5]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.push(c);
  }
  return out;
}
