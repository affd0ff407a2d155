// Original file: hera/placement/v1/placement_service.proto

import type { TenantAllocation as _hera_common_v1_TenantAllocation, TenantAllocation__Output as _hera_common_v1_TenantAllocation__Output } from '../../../hera/common/v1/TenantAllocation';

export interface NodePlan {
  'nodeId'?: (string);
  'config'?: (string);
  'tenants'?: (_hera_common_v1_TenantAllocation)[];
  'emu'?: (number | string);
  'predicted'?: (boolean);
  'qps'?: ({[key: string]: number | string});
  'overcommitted'?: (boolean);
  'basis'?: (string);
}

export interface NodePlan__Output {
  'nodeId': (string);
  'config': (string);
  'tenants': (_hera_common_v1_TenantAllocation__Output)[];
  'emu': (number);
  'predicted': (boolean);
  'qps': ({[key: string]: number});
  'overcommitted': (boolean);
  'basis': (string);
}
