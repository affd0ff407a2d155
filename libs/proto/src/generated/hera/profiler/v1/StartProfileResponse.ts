// Original file: hera/profiler/v1/profiler_service.proto


export interface StartProfileResponse {
  'jobId'?: (string);
  'existing'?: (boolean);
}

export interface StartProfileResponse__Output {
  'jobId': (string);
  'existing': (boolean);
}
