// Original file: hera/profiler/v1/profiler_service.proto

import type { Split as _hera_profiler_v1_Split, Split__Output as _hera_profiler_v1_Split__Output } from '../../../hera/profiler/v1/Split';

export interface StartProfileRequest {
  'model'?: (string);
  'pairModel'?: (string);
  'splits'?: (_hera_profiler_v1_Split)[];
  'nodeId'?: (string);
  'workerCounts'?: (number)[];
  'quick'?: (boolean);
  'subBatchSizes'?: (number)[];
  'slaFactor'?: (number | string);
  'via'?: (string);
}

export interface StartProfileRequest__Output {
  'model': (string);
  'pairModel': (string);
  'splits': (_hera_profiler_v1_Split__Output)[];
  'nodeId': (string);
  'workerCounts': (number)[];
  'quick': (boolean);
  'subBatchSizes': (number)[];
  'slaFactor': (number);
  'via': (string);
}
