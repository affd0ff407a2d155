// Original file: hera/profiler/v1/profiler_service.proto

import type { PairJob as _hera_profiler_v1_PairJob, PairJob__Output as _hera_profiler_v1_PairJob__Output } from '../../../hera/profiler/v1/PairJob';
import type { SkippedPair as _hera_profiler_v1_SkippedPair, SkippedPair__Output as _hera_profiler_v1_SkippedPair__Output } from '../../../hera/profiler/v1/SkippedPair';

export interface StartPairProfilesResponse {
  'jobs'?: (_hera_profiler_v1_PairJob)[];
  'skipped'?: (_hera_profiler_v1_SkippedPair)[];
  'nodeClass'?: (string);
}

export interface StartPairProfilesResponse__Output {
  'jobs': (_hera_profiler_v1_PairJob__Output)[];
  'skipped': (_hera_profiler_v1_SkippedPair__Output)[];
  'nodeClass': (string);
}
