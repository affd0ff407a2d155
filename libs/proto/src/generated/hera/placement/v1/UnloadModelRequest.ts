// Original file: hera/placement/v1/model_registry.proto


export interface UnloadModelRequest {
  'name'?: (string);
}

export interface UnloadModelRequest__Output {
  'name': (string);
}
