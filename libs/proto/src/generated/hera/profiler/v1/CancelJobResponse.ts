// Original file: hera/profiler/v1/profiler_service.proto


export interface CancelJobResponse {
  'state'?: (string);
}

export interface CancelJobResponse__Output {
  'state': (string);
}
