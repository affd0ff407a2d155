// Original file: hera/placement/v1/model_registry.proto

import type { Long } from '@grpc/proto-loader';

export interface UnloadModelResponse {
  'name'?: (string);
  'changed'?: (boolean);
  'stopped'?: (boolean);
  'planVersion'?: (number | string | Long);
}

export interface UnloadModelResponse__Output {
  'name': (string);
  'changed': (boolean);
  'stopped': (boolean);
  'planVersion': (number);
}
