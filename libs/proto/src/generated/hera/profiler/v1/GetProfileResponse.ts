// Original file: hera/profiler/v1/profiler_service.proto

import type { Profile as _hera_profiler_v1_Profile, Profile__Output as _hera_profiler_v1_Profile__Output } from '../../../hera/profiler/v1/Profile';

export interface GetProfileResponse {
  'profile'?: (_hera_profiler_v1_Profile | null);
}

export interface GetProfileResponse__Output {
  'profile': (_hera_profiler_v1_Profile__Output | null);
}
