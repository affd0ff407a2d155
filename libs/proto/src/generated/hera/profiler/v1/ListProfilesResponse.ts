// Original file: hera/profiler/v1/profiler_service.proto

import type { Profile as _hera_profiler_v1_Profile, Profile__Output as _hera_profiler_v1_Profile__Output } from '../../../hera/profiler/v1/Profile';

export interface ListProfilesResponse {
  'profiles'?: (_hera_profiler_v1_Profile)[];
}

export interface ListProfilesResponse__Output {
  'profiles': (_hera_profiler_v1_Profile__Output)[];
}
