// Original file: hera/placement/v1/placement_service.proto

import type { ConfigExplanation as _hera_placement_v1_ConfigExplanation, ConfigExplanation__Output as _hera_placement_v1_ConfigExplanation__Output } from '../../../hera/placement/v1/ConfigExplanation';
import type { StrategyResult as _hera_placement_v1_StrategyResult, StrategyResult__Output as _hera_placement_v1_StrategyResult__Output } from '../../../hera/placement/v1/StrategyResult';
import type { PredictorCheck as _hera_placement_v1_PredictorCheck, PredictorCheck__Output as _hera_placement_v1_PredictorCheck__Output } from '../../../hera/placement/v1/PredictorCheck';

export interface ExplainResponse {
  'configs'?: (_hera_placement_v1_ConfigExplanation)[];
  'strategies'?: (_hera_placement_v1_StrategyResult)[];
  'predictor'?: (_hera_placement_v1_PredictorCheck | null);
}

export interface ExplainResponse__Output {
  'configs': (_hera_placement_v1_ConfigExplanation__Output)[];
  'strategies': (_hera_placement_v1_StrategyResult__Output)[];
  'predictor': (_hera_placement_v1_PredictorCheck__Output | null);
}
