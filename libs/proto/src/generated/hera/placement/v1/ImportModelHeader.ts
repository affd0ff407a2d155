// Original file: hera/placement/v1/model_registry.proto

import type { VersionPolicy as _hera_placement_v1_VersionPolicy, VersionPolicy__Output as _hera_placement_v1_VersionPolicy__Output } from '../../../hera/placement/v1/VersionPolicy';

export interface ImportModelHeader {
  'name'?: (string);
  'version'?: (string);
  'signature'?: (Buffer | Uint8Array | string);
  'versionPolicy'?: (_hera_placement_v1_VersionPolicy | null);
}

export interface ImportModelHeader__Output {
  'name': (string);
  'version': (string);
  'signature': (Buffer);
  'versionPolicy': (_hera_placement_v1_VersionPolicy__Output | null);
}
