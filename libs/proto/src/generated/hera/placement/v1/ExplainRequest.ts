// Original file: hera/placement/v1/placement_service.proto


export interface ExplainRequest {
  'dryRun'?: (boolean);
}

export interface ExplainRequest__Output {
  'dryRun': (boolean);
}
