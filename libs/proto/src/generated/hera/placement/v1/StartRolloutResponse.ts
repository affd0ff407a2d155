// Original file: hera/placement/v1/placement_service.proto

import type { Rollout as _hera_placement_v1_Rollout, Rollout__Output as _hera_placement_v1_Rollout__Output } from '../../../hera/placement/v1/Rollout';

export interface StartRolloutResponse {
  'rollout'?: (_hera_placement_v1_Rollout | null);
}

export interface StartRolloutResponse__Output {
  'rollout': (_hera_placement_v1_Rollout__Output | null);
}
