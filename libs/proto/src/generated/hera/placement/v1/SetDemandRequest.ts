// Original file: hera/placement/v1/placement_service.proto

import type { ModelDemand as _hera_placement_v1_ModelDemand, ModelDemand__Output as _hera_placement_v1_ModelDemand__Output } from '../../../hera/placement/v1/ModelDemand';

export interface SetDemandRequest {
  'demands'?: (_hera_placement_v1_ModelDemand)[];
  'replace'?: (boolean);
}

export interface SetDemandRequest__Output {
  'demands': (_hera_placement_v1_ModelDemand__Output)[];
  'replace': (boolean);
}
