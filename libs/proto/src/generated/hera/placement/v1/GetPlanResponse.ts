// Original file: hera/placement/v1/placement_service.proto

import type { Plan as _hera_placement_v1_Plan, Plan__Output as _hera_placement_v1_Plan__Output } from '../../../hera/placement/v1/Plan';

export interface GetPlanResponse {
  'plan'?: (_hera_placement_v1_Plan | null);
}

export interface GetPlanResponse__Output {
  'plan': (_hera_placement_v1_Plan__Output | null);
}
