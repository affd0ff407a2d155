// Original file: hera/profiler/v1/profiler_service.proto


export interface GetProfileRequest {
  'model'?: (string);
  'nodeClass'?: (string);
}

export interface GetProfileRequest__Output {
  'model': (string);
  'nodeClass': (string);
}
