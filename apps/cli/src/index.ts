export { up } from './commands/up';
export type { UpOptions } from './commands/up';
export { readStatus, renderStatus } from './commands/status';
export type { ClusterStatus } from './commands/status';
export { formatLogLine } from './log-format';
export { resolveTarget, readClusterFile } from './cluster-file';
export { PAPER, reproduce } from './reproduce';
export type { LiveNode, LiveRound, LiveTenant, ReproduceOptions, ReproductionReport } from './reproduce';
export { renderReproduction } from './commands/reproduce';
