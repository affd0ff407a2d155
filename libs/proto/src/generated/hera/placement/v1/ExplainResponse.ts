// Original file: hera/placement/v1/placement_service.proto

import type { ConfigExplanation as _hera_placement_v1_ConfigExplanation, ConfigExplanation__Output as _hera_placement_v1_ConfigExplanation__Output } from '../../../hera/placement/v1/ConfigExplanation';
import type { StrategyResult as _hera_placement_v1_StrategyResult, StrategyResult__Output as _hera_placement_v1_StrategyResult__Output } from '../../../hera/placement/v1/StrategyResult';

export interface ExplainResponse {
  'configs'?: (_hera_placement_v1_ConfigExplanation)[];
  'strategies'?: (_hera_placement_v1_StrategyResult)[];
}

export interface ExplainResponse__Output {
  'configs': (_hera_placement_v1_ConfigExplanation__Output)[];
  'strategies': (_hera_placement_v1_StrategyResult__Output)[];
}
