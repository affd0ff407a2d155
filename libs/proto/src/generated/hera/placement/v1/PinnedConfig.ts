// Original file: hera/placement/v1/placement_service.proto


export interface PinnedConfig {
  'config'?: (string);
  'count'?: (number);
}

export interface PinnedConfig__Output {
  'config': (string);
  'count': (number);
}
