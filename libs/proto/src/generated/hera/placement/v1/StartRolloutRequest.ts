// Original file: hera/placement/v1/placement_service.proto


export interface StartRolloutRequest {
  'model'?: (string);
  'version'?: (string);
}

export interface StartRolloutRequest__Output {
  'model': (string);
  'version': (string);
}
