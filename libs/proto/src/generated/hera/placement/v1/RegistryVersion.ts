// Original file: hera/placement/v1/model_registry.proto


export interface RegistryVersion {
  'version'?: (string);
  'available'?: (boolean);
  'reason'?: (string);
}

export interface RegistryVersion__Output {
  'version': (string);
  'available': (boolean);
  'reason': (string);
}
