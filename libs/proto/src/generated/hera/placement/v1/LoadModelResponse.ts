// Original file: hera/placement/v1/model_registry.proto

import type { Long } from '@grpc/proto-loader';

export interface LoadModelResponse {
  'name'?: (string);
  'version'?: (string);
  'served'?: (boolean);
  'reason'?: (string);
  'profileJobId'?: (string);
  'planVersion'?: (number | string | Long);
}

export interface LoadModelResponse__Output {
  'name': (string);
  'version': (string);
  'served': (boolean);
  'reason': (string);
  'profileJobId': (string);
  'planVersion': (number);
}
