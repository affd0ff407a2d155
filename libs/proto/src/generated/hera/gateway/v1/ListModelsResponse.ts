// Original file: hera/gateway/v1/ranking_service.proto

import type { ModelInfo as _hera_gateway_v1_ModelInfo, ModelInfo__Output as _hera_gateway_v1_ModelInfo__Output } from '../../../hera/gateway/v1/ModelInfo';

export interface ListModelsResponse {
  'models'?: (_hera_gateway_v1_ModelInfo)[];
}

export interface ListModelsResponse__Output {
  'models': (_hera_gateway_v1_ModelInfo__Output)[];
}
