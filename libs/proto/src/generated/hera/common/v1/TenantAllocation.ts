// Original file: hera/common/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface TenantAllocation {
  'model'?: (string);
  'version'?: (string);
  'workers'?: (number);
  'cpuset'?: (number)[];
  'cpuMillis'?: (number);
  'memoryLimitBytes'?: (number | string | Long);
  'subBatchSize'?: (number);
}

export interface TenantAllocation__Output {
  'model': (string);
  'version': (string);
  'workers': (number);
  'cpuset': (number)[];
  'cpuMillis': (number);
  'memoryLimitBytes': (number);
  'subBatchSize': (number);
}
