// Original file: hera/profiler/v1/profiler_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelJobRequest as _hera_profiler_v1_CancelJobRequest, CancelJobRequest__Output as _hera_profiler_v1_CancelJobRequest__Output } from '../../../hera/profiler/v1/CancelJobRequest';
import type { CancelJobResponse as _hera_profiler_v1_CancelJobResponse, CancelJobResponse__Output as _hera_profiler_v1_CancelJobResponse__Output } from '../../../hera/profiler/v1/CancelJobResponse';
import type { GetProfileRequest as _hera_profiler_v1_GetProfileRequest, GetProfileRequest__Output as _hera_profiler_v1_GetProfileRequest__Output } from '../../../hera/profiler/v1/GetProfileRequest';
import type { GetProfileResponse as _hera_profiler_v1_GetProfileResponse, GetProfileResponse__Output as _hera_profiler_v1_GetProfileResponse__Output } from '../../../hera/profiler/v1/GetProfileResponse';
import type { JobProgress as _hera_profiler_v1_JobProgress, JobProgress__Output as _hera_profiler_v1_JobProgress__Output } from '../../../hera/profiler/v1/JobProgress';
import type { ListPairProfilesRequest as _hera_profiler_v1_ListPairProfilesRequest, ListPairProfilesRequest__Output as _hera_profiler_v1_ListPairProfilesRequest__Output } from '../../../hera/profiler/v1/ListPairProfilesRequest';
import type { ListPairProfilesResponse as _hera_profiler_v1_ListPairProfilesResponse, ListPairProfilesResponse__Output as _hera_profiler_v1_ListPairProfilesResponse__Output } from '../../../hera/profiler/v1/ListPairProfilesResponse';
import type { ListProfilesRequest as _hera_profiler_v1_ListProfilesRequest, ListProfilesRequest__Output as _hera_profiler_v1_ListProfilesRequest__Output } from '../../../hera/profiler/v1/ListProfilesRequest';
import type { ListProfilesResponse as _hera_profiler_v1_ListProfilesResponse, ListProfilesResponse__Output as _hera_profiler_v1_ListProfilesResponse__Output } from '../../../hera/profiler/v1/ListProfilesResponse';
import type { StartPairProfilesRequest as _hera_profiler_v1_StartPairProfilesRequest, StartPairProfilesRequest__Output as _hera_profiler_v1_StartPairProfilesRequest__Output } from '../../../hera/profiler/v1/StartPairProfilesRequest';
import type { StartPairProfilesResponse as _hera_profiler_v1_StartPairProfilesResponse, StartPairProfilesResponse__Output as _hera_profiler_v1_StartPairProfilesResponse__Output } from '../../../hera/profiler/v1/StartPairProfilesResponse';
import type { StartProfileRequest as _hera_profiler_v1_StartProfileRequest, StartProfileRequest__Output as _hera_profiler_v1_StartProfileRequest__Output } from '../../../hera/profiler/v1/StartProfileRequest';
import type { StartProfileResponse as _hera_profiler_v1_StartProfileResponse, StartProfileResponse__Output as _hera_profiler_v1_StartProfileResponse__Output } from '../../../hera/profiler/v1/StartProfileResponse';
import type { WatchJobRequest as _hera_profiler_v1_WatchJobRequest, WatchJobRequest__Output as _hera_profiler_v1_WatchJobRequest__Output } from '../../../hera/profiler/v1/WatchJobRequest';

export interface ProfilerServiceClient extends grpc.Client {
  CancelJob(argument: _hera_profiler_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _hera_profiler_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _hera_profiler_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _hera_profiler_v1_CancelJobRequest, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _hera_profiler_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _hera_profiler_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _hera_profiler_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _hera_profiler_v1_CancelJobRequest, callback: grpc.requestCallback<_hera_profiler_v1_CancelJobResponse__Output>): grpc.ClientUnaryCall;
  
  GetProfile(argument: _hera_profiler_v1_GetProfileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  GetProfile(argument: _hera_profiler_v1_GetProfileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  GetProfile(argument: _hera_profiler_v1_GetProfileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  GetProfile(argument: _hera_profiler_v1_GetProfileRequest, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  getProfile(argument: _hera_profiler_v1_GetProfileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  getProfile(argument: _hera_profiler_v1_GetProfileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  getProfile(argument: _hera_profiler_v1_GetProfileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  getProfile(argument: _hera_profiler_v1_GetProfileRequest, callback: grpc.requestCallback<_hera_profiler_v1_GetProfileResponse__Output>): grpc.ClientUnaryCall;
  
  ListPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  ListPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  ListPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  ListPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  listPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  listPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  listPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  listPairProfiles(argument: _hera_profiler_v1_ListPairProfilesRequest, callback: grpc.requestCallback<_hera_profiler_v1_ListPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  
  ListProfiles(argument: _hera_profiler_v1_ListProfilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  ListProfiles(argument: _hera_profiler_v1_ListProfilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  ListProfiles(argument: _hera_profiler_v1_ListProfilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  ListProfiles(argument: _hera_profiler_v1_ListProfilesRequest, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  listProfiles(argument: _hera_profiler_v1_ListProfilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  listProfiles(argument: _hera_profiler_v1_ListProfilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  listProfiles(argument: _hera_profiler_v1_ListProfilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  listProfiles(argument: _hera_profiler_v1_ListProfilesRequest, callback: grpc.requestCallback<_hera_profiler_v1_ListProfilesResponse__Output>): grpc.ClientUnaryCall;
  
  StartPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  StartPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  StartPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  StartPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  startPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  startPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  startPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  startPairProfiles(argument: _hera_profiler_v1_StartPairProfilesRequest, callback: grpc.requestCallback<_hera_profiler_v1_StartPairProfilesResponse__Output>): grpc.ClientUnaryCall;
  
  StartProfile(argument: _hera_profiler_v1_StartProfileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  StartProfile(argument: _hera_profiler_v1_StartProfileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  StartProfile(argument: _hera_profiler_v1_StartProfileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  StartProfile(argument: _hera_profiler_v1_StartProfileRequest, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  startProfile(argument: _hera_profiler_v1_StartProfileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  startProfile(argument: _hera_profiler_v1_StartProfileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  startProfile(argument: _hera_profiler_v1_StartProfileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  startProfile(argument: _hera_profiler_v1_StartProfileRequest, callback: grpc.requestCallback<_hera_profiler_v1_StartProfileResponse__Output>): grpc.ClientUnaryCall;
  
  WatchJob(argument: _hera_profiler_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hera_profiler_v1_JobProgress__Output>;
  WatchJob(argument: _hera_profiler_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hera_profiler_v1_JobProgress__Output>;
  watchJob(argument: _hera_profiler_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hera_profiler_v1_JobProgress__Output>;
  watchJob(argument: _hera_profiler_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hera_profiler_v1_JobProgress__Output>;
  
}

export interface ProfilerServiceHandlers extends grpc.UntypedServiceImplementation {
  CancelJob: grpc.handleUnaryCall<_hera_profiler_v1_CancelJobRequest__Output, _hera_profiler_v1_CancelJobResponse>;
  
  GetProfile: grpc.handleUnaryCall<_hera_profiler_v1_GetProfileRequest__Output, _hera_profiler_v1_GetProfileResponse>;
  
  ListPairProfiles: grpc.handleUnaryCall<_hera_profiler_v1_ListPairProfilesRequest__Output, _hera_profiler_v1_ListPairProfilesResponse>;
  
  ListProfiles: grpc.handleUnaryCall<_hera_profiler_v1_ListProfilesRequest__Output, _hera_profiler_v1_ListProfilesResponse>;
  
  StartPairProfiles: grpc.handleUnaryCall<_hera_profiler_v1_StartPairProfilesRequest__Output, _hera_profiler_v1_StartPairProfilesResponse>;
  
  StartProfile: grpc.handleUnaryCall<_hera_profiler_v1_StartProfileRequest__Output, _hera_profiler_v1_StartProfileResponse>;
  
  WatchJob: grpc.handleServerStreamingCall<_hera_profiler_v1_WatchJobRequest__Output, _hera_profiler_v1_JobProgress>;
  
}

export interface ProfilerServiceDefinition extends grpc.ServiceDefinition {
  CancelJob: MethodDefinition<_hera_profiler_v1_CancelJobRequest, _hera_profiler_v1_CancelJobResponse, _hera_profiler_v1_CancelJobRequest__Output, _hera_profiler_v1_CancelJobResponse__Output>
  GetProfile: MethodDefinition<_hera_profiler_v1_GetProfileRequest, _hera_profiler_v1_GetProfileResponse, _hera_profiler_v1_GetProfileRequest__Output, _hera_profiler_v1_GetProfileResponse__Output>
  ListPairProfiles: MethodDefinition<_hera_profiler_v1_ListPairProfilesRequest, _hera_profiler_v1_ListPairProfilesResponse, _hera_profiler_v1_ListPairProfilesRequest__Output, _hera_profiler_v1_ListPairProfilesResponse__Output>
  ListProfiles: MethodDefinition<_hera_profiler_v1_ListProfilesRequest, _hera_profiler_v1_ListProfilesResponse, _hera_profiler_v1_ListProfilesRequest__Output, _hera_profiler_v1_ListProfilesResponse__Output>
  StartPairProfiles: MethodDefinition<_hera_profiler_v1_StartPairProfilesRequest, _hera_profiler_v1_StartPairProfilesResponse, _hera_profiler_v1_StartPairProfilesRequest__Output, _hera_profiler_v1_StartPairProfilesResponse__Output>
  StartProfile: MethodDefinition<_hera_profiler_v1_StartProfileRequest, _hera_profiler_v1_StartProfileResponse, _hera_profiler_v1_StartProfileRequest__Output, _hera_profiler_v1_StartProfileResponse__Output>
  WatchJob: MethodDefinition<_hera_profiler_v1_WatchJobRequest, _hera_profiler_v1_JobProgress, _hera_profiler_v1_WatchJobRequest__Output, _hera_profiler_v1_JobProgress__Output>
}
