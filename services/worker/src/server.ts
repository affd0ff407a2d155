import { unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { services, type NodeInfo, type WorkerServiceHandlers } from '@hera/proto';
import type { NodeRecord } from '@hera/state';

export function toNodeInfo(n: NodeRecord): NodeInfo {
  return {
    nodeId: n.nodeId,
    endpoint: n.endpoint,
    nodeClass: n.nodeClass,
    cores: n.cores,
    memoryBytes: n.memoryBytes,
    cgroupMode: n.cgroupMode,
    backend: n.backend,
    labels: n.labels,
    resctrl: n.resctrl,
  };
}

/** hera.worker.v1.WorkerService. */
export function workerService(node: () => NodeRecord, log: Logger): ServiceBinding {
  const impl: Partial<WorkerServiceHandlers> = {
    GetStatus: unary(log, 'GetStatus', () => ({ node: toNodeInfo(node()), tenants: [] })),
  };
  return { name: 'hera.worker.v1.WorkerService', definition: services().worker, implementation: impl };
}
