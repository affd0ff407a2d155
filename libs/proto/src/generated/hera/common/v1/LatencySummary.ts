// Original file: hera/common/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface LatencySummary {
  'p50Ms'?: (number | string);
  'p95Ms'?: (number | string);
  'p99Ms'?: (number | string);
  'count'?: (number | string | Long);
}

export interface LatencySummary__Output {
  'p50Ms': (number);
  'p95Ms': (number);
  'p99Ms': (number);
  'count': (number);
}
