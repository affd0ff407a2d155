// Original file: hera/placement/v1/placement_service.proto

import type { Long } from '@grpc/proto-loader';

export interface ApplyRequest {
  'expectedVersion'?: (number | string | Long);
  'nodeClass'?: (string);
}

export interface ApplyRequest__Output {
  'expectedVersion': (number);
  'nodeClass': (string);
}
