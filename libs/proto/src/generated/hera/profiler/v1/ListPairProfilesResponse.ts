// Original file: hera/profiler/v1/profiler_service.proto

import type { PairProfile as _hera_profiler_v1_PairProfile, PairProfile__Output as _hera_profiler_v1_PairProfile__Output } from '../../../hera/profiler/v1/PairProfile';

export interface ListPairProfilesResponse {
  'pairProfiles'?: (_hera_profiler_v1_PairProfile)[];
}

export interface ListPairProfilesResponse__Output {
  'pairProfiles': (_hera_profiler_v1_PairProfile__Output)[];
}
