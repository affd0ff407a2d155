// Original file: hera/placement/v1/placement_service.proto

import type { Alternative as _hera_placement_v1_Alternative, Alternative__Output as _hera_placement_v1_Alternative__Output } from '../../../hera/placement/v1/Alternative';
import type { TenantShare as _hera_placement_v1_TenantShare, TenantShare__Output as _hera_placement_v1_TenantShare__Output } from '../../../hera/placement/v1/TenantShare';

export interface ConfigExplanation {
  'config'?: (string);
  'count'?: (number);
  'emu'?: (number | string);
  'predicted'?: (boolean);
  'reason'?: (string);
  'alternatives'?: (_hera_placement_v1_Alternative)[];
  'tenants'?: (_hera_placement_v1_TenantShare)[];
  'basis'?: (string);
  'countReason'?: (string);
}

export interface ConfigExplanation__Output {
  'config': (string);
  'count': (number);
  'emu': (number);
  'predicted': (boolean);
  'reason': (string);
  'alternatives': (_hera_placement_v1_Alternative__Output)[];
  'tenants': (_hera_placement_v1_TenantShare__Output)[];
  'basis': (string);
  'countReason': (string);
}
