import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelJobRequest as _hera_profiler_v1_CancelJobRequest, CancelJobRequest__Output as _hera_profiler_v1_CancelJobRequest__Output } from './hera/profiler/v1/CancelJobRequest';
import type { CancelJobResponse as _hera_profiler_v1_CancelJobResponse, CancelJobResponse__Output as _hera_profiler_v1_CancelJobResponse__Output } from './hera/profiler/v1/CancelJobResponse';
import type { GetProfileRequest as _hera_profiler_v1_GetProfileRequest, GetProfileRequest__Output as _hera_profiler_v1_GetProfileRequest__Output } from './hera/profiler/v1/GetProfileRequest';
import type { GetProfileResponse as _hera_profiler_v1_GetProfileResponse, GetProfileResponse__Output as _hera_profiler_v1_GetProfileResponse__Output } from './hera/profiler/v1/GetProfileResponse';
import type { JobProgress as _hera_profiler_v1_JobProgress, JobProgress__Output as _hera_profiler_v1_JobProgress__Output } from './hera/profiler/v1/JobProgress';
import type { ListProfilesRequest as _hera_profiler_v1_ListProfilesRequest, ListProfilesRequest__Output as _hera_profiler_v1_ListProfilesRequest__Output } from './hera/profiler/v1/ListProfilesRequest';
import type { ListProfilesResponse as _hera_profiler_v1_ListProfilesResponse, ListProfilesResponse__Output as _hera_profiler_v1_ListProfilesResponse__Output } from './hera/profiler/v1/ListProfilesResponse';
import type { Profile as _hera_profiler_v1_Profile, Profile__Output as _hera_profiler_v1_Profile__Output } from './hera/profiler/v1/Profile';
import type { ProfilePoint as _hera_profiler_v1_ProfilePoint, ProfilePoint__Output as _hera_profiler_v1_ProfilePoint__Output } from './hera/profiler/v1/ProfilePoint';
import type { ProfilerServiceClient as _hera_profiler_v1_ProfilerServiceClient, ProfilerServiceDefinition as _hera_profiler_v1_ProfilerServiceDefinition } from './hera/profiler/v1/ProfilerService';
import type { Split as _hera_profiler_v1_Split, Split__Output as _hera_profiler_v1_Split__Output } from './hera/profiler/v1/Split';
import type { StartProfileRequest as _hera_profiler_v1_StartProfileRequest, StartProfileRequest__Output as _hera_profiler_v1_StartProfileRequest__Output } from './hera/profiler/v1/StartProfileRequest';
import type { StartProfileResponse as _hera_profiler_v1_StartProfileResponse, StartProfileResponse__Output as _hera_profiler_v1_StartProfileResponse__Output } from './hera/profiler/v1/StartProfileResponse';
import type { WatchJobRequest as _hera_profiler_v1_WatchJobRequest, WatchJobRequest__Output as _hera_profiler_v1_WatchJobRequest__Output } from './hera/profiler/v1/WatchJobRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hera: {
    profiler: {
      v1: {
        CancelJobRequest: MessageTypeDefinition<_hera_profiler_v1_CancelJobRequest, _hera_profiler_v1_CancelJobRequest__Output>
        CancelJobResponse: MessageTypeDefinition<_hera_profiler_v1_CancelJobResponse, _hera_profiler_v1_CancelJobResponse__Output>
        GetProfileRequest: MessageTypeDefinition<_hera_profiler_v1_GetProfileRequest, _hera_profiler_v1_GetProfileRequest__Output>
        GetProfileResponse: MessageTypeDefinition<_hera_profiler_v1_GetProfileResponse, _hera_profiler_v1_GetProfileResponse__Output>
        JobProgress: MessageTypeDefinition<_hera_profiler_v1_JobProgress, _hera_profiler_v1_JobProgress__Output>
        ListProfilesRequest: MessageTypeDefinition<_hera_profiler_v1_ListProfilesRequest, _hera_profiler_v1_ListProfilesRequest__Output>
        ListProfilesResponse: MessageTypeDefinition<_hera_profiler_v1_ListProfilesResponse, _hera_profiler_v1_ListProfilesResponse__Output>
        Profile: MessageTypeDefinition<_hera_profiler_v1_Profile, _hera_profiler_v1_Profile__Output>
        ProfilePoint: MessageTypeDefinition<_hera_profiler_v1_ProfilePoint, _hera_profiler_v1_ProfilePoint__Output>
        ProfilerService: SubtypeConstructor<typeof grpc.Client, _hera_profiler_v1_ProfilerServiceClient> & { service: _hera_profiler_v1_ProfilerServiceDefinition }
        Split: MessageTypeDefinition<_hera_profiler_v1_Split, _hera_profiler_v1_Split__Output>
        StartProfileRequest: MessageTypeDefinition<_hera_profiler_v1_StartProfileRequest, _hera_profiler_v1_StartProfileRequest__Output>
        StartProfileResponse: MessageTypeDefinition<_hera_profiler_v1_StartProfileResponse, _hera_profiler_v1_StartProfileResponse__Output>
        WatchJobRequest: MessageTypeDefinition<_hera_profiler_v1_WatchJobRequest, _hera_profiler_v1_WatchJobRequest__Output>
      }
    }
  }
}

