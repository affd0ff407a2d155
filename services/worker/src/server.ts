import { HeraError } from '@hera/errors';
import { callDeadline, InferStreamClient, unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import {
  services,
  type InferRequest,
  type NodeInfo,
  type NodeManagerStatus,
  type WorkerServiceHandlers,
} from '@hera/proto';
import type { NodeRecord } from '@hera/state';
import { toTenantStatus, type NodeAgent } from './node-agent';

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

/**
 * hera.worker.v1.WorkerService as served by the node agent. Infer is forwarded
 * to the tenant's host (clients that route by tenant endpoint, like the gateway,
 * call the host directly and skip this hop).
 */
export function workerService(deps: {
  agent: NodeAgent;
  node: () => NodeRecord;
  log: Logger;
  applyWaitMs: number;
  graceMs: number;
  nodeManager?: () => NodeManagerStatus;
}): ServiceBinding {
  const { agent, node, log } = deps;
  // One InferStream per host (a host keeps its port across restarts), as the gateway does.
  const streams = new Map<string, InferStreamClient>();
  const streamTo = (endpoint: string) => {
    let s = streams.get(endpoint);
    if (!s) {
      s = InferStreamClient.connect(endpoint);
      streams.set(endpoint, s);
    }
    return s;
  };

  const impl: Partial<WorkerServiceHandlers> = {
    Infer: unary(log, 'Infer', (req, call) => {
      const tenant = agent.get(req.model);
      if (!tenant)
        throw new HeraError('NOT_FOUND', `model ${JSON.stringify(req.model)} is not a tenant of node ${node().nodeId}`);
      if (tenant.state !== 'serving') throw new HeraError('UNAVAILABLE', `tenant ${req.model} is ${tenant.state}`);
      return streamTo(tenant.endpoint).infer(req as InferRequest, callDeadline(call));
    }),
    GetStatus: unary(log, 'GetStatus', () => ({
      node: toNodeInfo(node()),
      tenants: agent.status(),
      ...(deps.nodeManager ? { nodeManager: deps.nodeManager() } : {}),
    })),
    ApplyAllocation: unary(log, 'ApplyAllocation', async (req, call) => {
      const alloc = await agent.resolve(req.allocation);
      const deadline = call.getDeadline();
      const left =
        deadline instanceof Date
          ? deadline.getTime() - Date.now()
          : Number.isFinite(deadline)
            ? Number(deadline) - Date.now()
            : deps.applyWaitMs;
      const { tenant, changed } = await agent.apply(alloc, 'api', Math.max(0, Math.min(deps.applyWaitMs, left - 50)));
      return { tenant: toTenantStatus(tenant, agent.planned(alloc.model)), changed };
    }),
    RemoveTenant: unary(log, 'RemoveTenant', async req => ({ removed: await agent.remove(req.model, deps.graceMs) })),
  };
  return { name: 'hera.worker.v1.WorkerService', definition: services().worker, implementation: impl };
}
