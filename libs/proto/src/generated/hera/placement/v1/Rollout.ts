// Original file: hera/placement/v1/placement_service.proto

import type { Long } from '@grpc/proto-loader';

export interface Rollout {
  'id'?: (string);
  'model'?: (string);
  'fromVersion'?: (string);
  'toVersion'?: (string);
  'state'?: (string);
  'phase'?: (string);
  'tenants'?: (number);
  'tenantsDone'?: (number);
  'error'?: (string);
  'startedAtMs'?: (number | string | Long);
  'finishedAtMs'?: (number | string | Long);
}

export interface Rollout__Output {
  'id': (string);
  'model': (string);
  'fromVersion': (string);
  'toVersion': (string);
  'state': (string);
  'phase': (string);
  'tenants': (number);
  'tenantsDone': (number);
  'error': (string);
  'startedAtMs': (number);
  'finishedAtMs': (number);
}
