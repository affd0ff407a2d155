// Original file: hera/placement/v1/placement_service.proto

import type { Plan as _hera_placement_v1_Plan, Plan__Output as _hera_placement_v1_Plan__Output } from '../../../hera/placement/v1/Plan';
import type { StrategyResult as _hera_placement_v1_StrategyResult, StrategyResult__Output as _hera_placement_v1_StrategyResult__Output } from '../../../hera/placement/v1/StrategyResult';

export interface PlanResponse {
  'plan'?: (_hera_placement_v1_Plan | null);
  'strategies'?: (_hera_placement_v1_StrategyResult)[];
}

export interface PlanResponse__Output {
  'plan': (_hera_placement_v1_Plan__Output | null);
  'strategies': (_hera_placement_v1_StrategyResult__Output)[];
}
