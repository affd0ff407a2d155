// Original file: hera/profiler/v1/profiler_service.proto


export interface ListPairProfilesRequest {
  'nodeClass'?: (string);
}

export interface ListPairProfilesRequest__Output {
  'nodeClass': (string);
}
