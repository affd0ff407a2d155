import type { CgroupManager } from './cgroup';
import { detectCgroups, type CgroupDetection } from './detect';
import { UnconfinedManager } from './none';
import { CgroupV1Manager } from './v1';
import { CgroupV2Manager } from './v2';

export { detectCgroups, parseProcCgroup } from './detect';
export { detectResctrl } from './resctrl';
export type { ResctrlDetection } from './resctrl';
export type { CgroupDetection, CgroupMode } from './detect';
export { formatCpuList, parseCpuList, CPU_PERIOD_US } from './cgroup';
export type { CgroupLimits, CgroupManager, CpuStat, TenantCgroup } from './cgroup';
export { CgroupV1Manager } from './v1';
export { CgroupV2Manager } from './v2';
export { UnconfinedManager } from './none';

/**
 * The manager for this host: v2, v1 or unconfined, as detected. `nodeGroup`
 * names the agent's group (e.g. "hera-node1"); tenant groups go under it.
 */
export function createCgroupManager(nodeGroup: string, detection: CgroupDetection = detectCgroups()): CgroupManager {
  if (!/^[A-Za-z0-9_.-]+$/.test(nodeGroup)) throw new Error(`invalid cgroup name ${JSON.stringify(nodeGroup)}`);
  switch (detection.mode) {
    case 'v2':
      return new CgroupV2Manager(detection, nodeGroup);
    case 'v1':
      return new CgroupV1Manager(detection, nodeGroup);
    default:
      return new UnconfinedManager();
  }
}
