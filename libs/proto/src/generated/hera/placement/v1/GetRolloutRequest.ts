// Original file: hera/placement/v1/placement_service.proto


export interface GetRolloutRequest {
  'id'?: (string);
}

export interface GetRolloutRequest__Output {
  'id': (string);
}
