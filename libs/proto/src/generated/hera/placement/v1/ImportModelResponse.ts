// Original file: hera/placement/v1/model_registry.proto

import type { Long } from '@grpc/proto-loader';

export interface ImportModelResponse {
  'name'?: (string);
  'version'?: (string);
  'servedVersion'?: (string);
  'sizeBytes'?: (number | string | Long);
  'profileJobId'?: (string);
  'profileNodeId'?: (string);
  'profileNote'?: (string);
}

export interface ImportModelResponse__Output {
  'name': (string);
  'version': (string);
  'servedVersion': (string);
  'sizeBytes': (number);
  'profileJobId': (string);
  'profileNodeId': (string);
  'profileNote': (string);
}
