// Original file: hera/profiler/v1/profiler_service.proto

import type { ProfilePoint as _hera_profiler_v1_ProfilePoint, ProfilePoint__Output as _hera_profiler_v1_ProfilePoint__Output } from '../../../hera/profiler/v1/ProfilePoint';
import type { Long } from '@grpc/proto-loader';

export interface Profile {
  'model'?: (string);
  'nodeClass'?: (string);
  'cores'?: (number);
  'points'?: (_hera_profiler_v1_ProfilePoint)[];
  'knee'?: (number);
  'qpsMax'?: (number | string);
  'kind'?: (string);
  'bestSubBatch'?: (number);
  'memoryPerHostBytes'?: (number | string | Long);
  'memoryPerWorkerBytes'?: (number | string | Long);
  'measuredAtMs'?: (number | string | Long);
  'method'?: (string);
  'slaMs'?: (number | string);
  'bytesPerQuery'?: (number | string);
  'bytesPerQueryDetail'?: (string);
  'via'?: (string);
  'backend'?: (string);
}

export interface Profile__Output {
  'model': (string);
  'nodeClass': (string);
  'cores': (number);
  'points': (_hera_profiler_v1_ProfilePoint__Output)[];
  'knee': (number);
  'qpsMax': (number);
  'kind': (string);
  'bestSubBatch': (number);
  'memoryPerHostBytes': (number);
  'memoryPerWorkerBytes': (number);
  'measuredAtMs': (number);
  'method': (string);
  'slaMs': (number);
  'bytesPerQuery': (number);
  'bytesPerQueryDetail': (string);
  'via': (string);
  'backend': (string);
}
