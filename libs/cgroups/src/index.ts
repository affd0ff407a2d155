export { detectCgroups, parseProcCgroup } from './detect';
export type { CgroupDetection, CgroupMode } from './detect';
