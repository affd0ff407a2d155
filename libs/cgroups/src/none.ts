import type { CgroupLimits, CgroupManager, TenantCgroup } from './cgroup';

/**
 * No cgroup interface available: tenants run unconfined. Limits are remembered so
 * status can show what was asked, but nothing enforces them (the agent warns at
 * start and reports `cgroup: none`).
 */
export class UnconfinedManager implements CgroupManager {
  readonly mode = 'none' as const;

  create(name: string): TenantCgroup {
    return {
      name,
      paths: [],
      apply: (_limits: CgroupLimits) => {},
      addProcess: () => {},
      memoryUsage: () => 0,
      oomKills: () => 0,
      cpuStat: () => undefined,
      remove: async () => {},
    };
  }

  async removeAll(): Promise<void> {}
}
