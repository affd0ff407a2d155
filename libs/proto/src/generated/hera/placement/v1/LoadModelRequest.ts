// Original file: hera/placement/v1/model_registry.proto

import type { VersionPolicy as _hera_placement_v1_VersionPolicy, VersionPolicy__Output as _hera_placement_v1_VersionPolicy__Output } from '../../../hera/placement/v1/VersionPolicy';

export interface LoadModelRequest {
  'name'?: (string);
  'versionPolicy'?: (_hera_placement_v1_VersionPolicy | null);
}

export interface LoadModelRequest__Output {
  'name': (string);
  'versionPolicy': (_hera_placement_v1_VersionPolicy__Output | null);
}
