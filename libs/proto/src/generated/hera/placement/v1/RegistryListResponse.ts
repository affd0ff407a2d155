// Original file: hera/placement/v1/model_registry.proto

import type { RegistryModel as _hera_placement_v1_RegistryModel, RegistryModel__Output as _hera_placement_v1_RegistryModel__Output } from '../../../hera/placement/v1/RegistryModel';

export interface RegistryListResponse {
  'models'?: (_hera_placement_v1_RegistryModel)[];
}

export interface RegistryListResponse__Output {
  'models': (_hera_placement_v1_RegistryModel__Output)[];
}
