// Original file: hera/worker/v1/worker_service.proto

import type { TenantAllocation as _hera_common_v1_TenantAllocation, TenantAllocation__Output as _hera_common_v1_TenantAllocation__Output } from '../../../hera/common/v1/TenantAllocation';

export interface ApplyAllocationRequest {
  'allocation'?: (_hera_common_v1_TenantAllocation | null);
}

export interface ApplyAllocationRequest__Output {
  'allocation': (_hera_common_v1_TenantAllocation__Output | null);
}
