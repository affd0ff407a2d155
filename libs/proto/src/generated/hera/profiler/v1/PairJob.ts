// Original file: hera/profiler/v1/profiler_service.proto

import type { PlannedSplit as _hera_profiler_v1_PlannedSplit, PlannedSplit__Output as _hera_profiler_v1_PlannedSplit__Output } from '../../../hera/profiler/v1/PlannedSplit';

export interface PairJob {
  'jobId'?: (string);
  'modelA'?: (string);
  'modelB'?: (string);
  'role'?: (string);
  'splits'?: (_hera_profiler_v1_PlannedSplit)[];
  'existing'?: (boolean);
}

export interface PairJob__Output {
  'jobId': (string);
  'modelA': (string);
  'modelB': (string);
  'role': (string);
  'splits': (_hera_profiler_v1_PlannedSplit__Output)[];
  'existing': (boolean);
}
