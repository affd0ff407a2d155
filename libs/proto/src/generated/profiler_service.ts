import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelJobRequest as _hera_profiler_v1_CancelJobRequest, CancelJobRequest__Output as _hera_profiler_v1_CancelJobRequest__Output } from './hera/profiler/v1/CancelJobRequest';
import type { CancelJobResponse as _hera_profiler_v1_CancelJobResponse, CancelJobResponse__Output as _hera_profiler_v1_CancelJobResponse__Output } from './hera/profiler/v1/CancelJobResponse';
import type { GetProfileRequest as _hera_profiler_v1_GetProfileRequest, GetProfileRequest__Output as _hera_profiler_v1_GetProfileRequest__Output } from './hera/profiler/v1/GetProfileRequest';
import type { GetProfileResponse as _hera_profiler_v1_GetProfileResponse, GetProfileResponse__Output as _hera_profiler_v1_GetProfileResponse__Output } from './hera/profiler/v1/GetProfileResponse';
import type { JobProgress as _hera_profiler_v1_JobProgress, JobProgress__Output as _hera_profiler_v1_JobProgress__Output } from './hera/profiler/v1/JobProgress';
import type { ListPairProfilesRequest as _hera_profiler_v1_ListPairProfilesRequest, ListPairProfilesRequest__Output as _hera_profiler_v1_ListPairProfilesRequest__Output } from './hera/profiler/v1/ListPairProfilesRequest';
import type { ListPairProfilesResponse as _hera_profiler_v1_ListPairProfilesResponse, ListPairProfilesResponse__Output as _hera_profiler_v1_ListPairProfilesResponse__Output } from './hera/profiler/v1/ListPairProfilesResponse';
import type { ListProfilesRequest as _hera_profiler_v1_ListProfilesRequest, ListProfilesRequest__Output as _hera_profiler_v1_ListProfilesRequest__Output } from './hera/profiler/v1/ListProfilesRequest';
import type { ListProfilesResponse as _hera_profiler_v1_ListProfilesResponse, ListProfilesResponse__Output as _hera_profiler_v1_ListProfilesResponse__Output } from './hera/profiler/v1/ListProfilesResponse';
import type { PairJob as _hera_profiler_v1_PairJob, PairJob__Output as _hera_profiler_v1_PairJob__Output } from './hera/profiler/v1/PairJob';
import type { PairProfile as _hera_profiler_v1_PairProfile, PairProfile__Output as _hera_profiler_v1_PairProfile__Output } from './hera/profiler/v1/PairProfile';
import type { PairSplit as _hera_profiler_v1_PairSplit, PairSplit__Output as _hera_profiler_v1_PairSplit__Output } from './hera/profiler/v1/PairSplit';
import type { PlannedSplit as _hera_profiler_v1_PlannedSplit, PlannedSplit__Output as _hera_profiler_v1_PlannedSplit__Output } from './hera/profiler/v1/PlannedSplit';
import type { Profile as _hera_profiler_v1_Profile, Profile__Output as _hera_profiler_v1_Profile__Output } from './hera/profiler/v1/Profile';
import type { ProfilePoint as _hera_profiler_v1_ProfilePoint, ProfilePoint__Output as _hera_profiler_v1_ProfilePoint__Output } from './hera/profiler/v1/ProfilePoint';
import type { ProfilerServiceClient as _hera_profiler_v1_ProfilerServiceClient, ProfilerServiceDefinition as _hera_profiler_v1_ProfilerServiceDefinition } from './hera/profiler/v1/ProfilerService';
import type { SkippedPair as _hera_profiler_v1_SkippedPair, SkippedPair__Output as _hera_profiler_v1_SkippedPair__Output } from './hera/profiler/v1/SkippedPair';
import type { Split as _hera_profiler_v1_Split, Split__Output as _hera_profiler_v1_Split__Output } from './hera/profiler/v1/Split';
import type { StartPairProfilesRequest as _hera_profiler_v1_StartPairProfilesRequest, StartPairProfilesRequest__Output as _hera_profiler_v1_StartPairProfilesRequest__Output } from './hera/profiler/v1/StartPairProfilesRequest';
import type { StartPairProfilesResponse as _hera_profiler_v1_StartPairProfilesResponse, StartPairProfilesResponse__Output as _hera_profiler_v1_StartPairProfilesResponse__Output } from './hera/profiler/v1/StartPairProfilesResponse';
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
        ListPairProfilesRequest: MessageTypeDefinition<_hera_profiler_v1_ListPairProfilesRequest, _hera_profiler_v1_ListPairProfilesRequest__Output>
        ListPairProfilesResponse: MessageTypeDefinition<_hera_profiler_v1_ListPairProfilesResponse, _hera_profiler_v1_ListPairProfilesResponse__Output>
        ListProfilesRequest: MessageTypeDefinition<_hera_profiler_v1_ListProfilesRequest, _hera_profiler_v1_ListProfilesRequest__Output>
        ListProfilesResponse: MessageTypeDefinition<_hera_profiler_v1_ListProfilesResponse, _hera_profiler_v1_ListProfilesResponse__Output>
        PairJob: MessageTypeDefinition<_hera_profiler_v1_PairJob, _hera_profiler_v1_PairJob__Output>
        PairProfile: MessageTypeDefinition<_hera_profiler_v1_PairProfile, _hera_profiler_v1_PairProfile__Output>
        PairSplit: MessageTypeDefinition<_hera_profiler_v1_PairSplit, _hera_profiler_v1_PairSplit__Output>
        PlannedSplit: MessageTypeDefinition<_hera_profiler_v1_PlannedSplit, _hera_profiler_v1_PlannedSplit__Output>
        Profile: MessageTypeDefinition<_hera_profiler_v1_Profile, _hera_profiler_v1_Profile__Output>
        ProfilePoint: MessageTypeDefinition<_hera_profiler_v1_ProfilePoint, _hera_profiler_v1_ProfilePoint__Output>
        ProfilerService: SubtypeConstructor<typeof grpc.Client, _hera_profiler_v1_ProfilerServiceClient> & { service: _hera_profiler_v1_ProfilerServiceDefinition }
        SkippedPair: MessageTypeDefinition<_hera_profiler_v1_SkippedPair, _hera_profiler_v1_SkippedPair__Output>
        Split: MessageTypeDefinition<_hera_profiler_v1_Split, _hera_profiler_v1_Split__Output>
        StartPairProfilesRequest: MessageTypeDefinition<_hera_profiler_v1_StartPairProfilesRequest, _hera_profiler_v1_StartPairProfilesRequest__Output>
        StartPairProfilesResponse: MessageTypeDefinition<_hera_profiler_v1_StartPairProfilesResponse, _hera_profiler_v1_StartPairProfilesResponse__Output>
        StartProfileRequest: MessageTypeDefinition<_hera_profiler_v1_StartProfileRequest, _hera_profiler_v1_StartProfileRequest__Output>
        StartProfileResponse: MessageTypeDefinition<_hera_profiler_v1_StartProfileResponse, _hera_profiler_v1_StartProfileResponse__Output>
        WatchJobRequest: MessageTypeDefinition<_hera_profiler_v1_WatchJobRequest, _hera_profiler_v1_WatchJobRequest__Output>
      }
    }
  }
}

