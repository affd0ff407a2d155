// Original file: hera/worker/v1/worker_service.proto

import type { NodeInfo as _hera_worker_v1_NodeInfo, NodeInfo__Output as _hera_worker_v1_NodeInfo__Output } from '../../../hera/worker/v1/NodeInfo';
import type { TenantStatus as _hera_worker_v1_TenantStatus, TenantStatus__Output as _hera_worker_v1_TenantStatus__Output } from '../../../hera/worker/v1/TenantStatus';
import type { NodeManagerStatus as _hera_worker_v1_NodeManagerStatus, NodeManagerStatus__Output as _hera_worker_v1_NodeManagerStatus__Output } from '../../../hera/worker/v1/NodeManagerStatus';

export interface GetStatusResponse {
  'node'?: (_hera_worker_v1_NodeInfo | null);
  'tenants'?: (_hera_worker_v1_TenantStatus)[];
  'nodeManager'?: (_hera_worker_v1_NodeManagerStatus | null);
}

export interface GetStatusResponse__Output {
  'node': (_hera_worker_v1_NodeInfo__Output | null);
  'tenants': (_hera_worker_v1_TenantStatus__Output)[];
  'nodeManager': (_hera_worker_v1_NodeManagerStatus__Output | null);
}
