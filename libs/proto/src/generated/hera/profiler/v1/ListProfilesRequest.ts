// Original file: hera/profiler/v1/profiler_service.proto


export interface ListProfilesRequest {
  'nodeClass'?: (string);
}

export interface ListProfilesRequest__Output {
  'nodeClass': (string);
}
