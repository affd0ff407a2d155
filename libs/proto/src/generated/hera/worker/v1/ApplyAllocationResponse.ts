// Original file: hera/worker/v1/worker_service.proto

import type { TenantStatus as _hera_worker_v1_TenantStatus, TenantStatus__Output as _hera_worker_v1_TenantStatus__Output } from '../../../hera/worker/v1/TenantStatus';

export interface ApplyAllocationResponse {
  'tenant'?: (_hera_worker_v1_TenantStatus | null);
  'changed'?: (boolean);
}

export interface ApplyAllocationResponse__Output {
  'tenant': (_hera_worker_v1_TenantStatus__Output | null);
  'changed': (boolean);
}
