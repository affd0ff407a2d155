// Original file: hera/placement/v1/model_registry.proto

import type { VersionPolicy as _hera_placement_v1_VersionPolicy, VersionPolicy__Output as _hera_placement_v1_VersionPolicy__Output } from '../../../hera/placement/v1/VersionPolicy';
import type { RegistryVersion as _hera_placement_v1_RegistryVersion, RegistryVersion__Output as _hera_placement_v1_RegistryVersion__Output } from '../../../hera/placement/v1/RegistryVersion';

export interface RegistryModel {
  'name'?: (string);
  'version'?: (string);
  'state'?: (string);
  'versionPolicy'?: (_hera_placement_v1_VersionPolicy | null);
  'versions'?: (_hera_placement_v1_RegistryVersion)[];
}

export interface RegistryModel__Output {
  'name': (string);
  'version': (string);
  'state': (string);
  'versionPolicy': (_hera_placement_v1_VersionPolicy__Output | null);
  'versions': (_hera_placement_v1_RegistryVersion__Output)[];
}
