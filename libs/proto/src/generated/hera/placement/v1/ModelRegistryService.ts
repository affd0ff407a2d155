// Original file: hera/placement/v1/model_registry.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ImportModelRequest as _hera_placement_v1_ImportModelRequest, ImportModelRequest__Output as _hera_placement_v1_ImportModelRequest__Output } from '../../../hera/placement/v1/ImportModelRequest';
import type { ImportModelResponse as _hera_placement_v1_ImportModelResponse, ImportModelResponse__Output as _hera_placement_v1_ImportModelResponse__Output } from '../../../hera/placement/v1/ImportModelResponse';
import type { LoadModelRequest as _hera_placement_v1_LoadModelRequest, LoadModelRequest__Output as _hera_placement_v1_LoadModelRequest__Output } from '../../../hera/placement/v1/LoadModelRequest';
import type { LoadModelResponse as _hera_placement_v1_LoadModelResponse, LoadModelResponse__Output as _hera_placement_v1_LoadModelResponse__Output } from '../../../hera/placement/v1/LoadModelResponse';
import type { RegistryListRequest as _hera_placement_v1_RegistryListRequest, RegistryListRequest__Output as _hera_placement_v1_RegistryListRequest__Output } from '../../../hera/placement/v1/RegistryListRequest';
import type { RegistryListResponse as _hera_placement_v1_RegistryListResponse, RegistryListResponse__Output as _hera_placement_v1_RegistryListResponse__Output } from '../../../hera/placement/v1/RegistryListResponse';
import type { UnloadModelRequest as _hera_placement_v1_UnloadModelRequest, UnloadModelRequest__Output as _hera_placement_v1_UnloadModelRequest__Output } from '../../../hera/placement/v1/UnloadModelRequest';
import type { UnloadModelResponse as _hera_placement_v1_UnloadModelResponse, UnloadModelResponse__Output as _hera_placement_v1_UnloadModelResponse__Output } from '../../../hera/placement/v1/UnloadModelResponse';

export interface ModelRegistryServiceClient extends grpc.Client {
  ImportModel(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  ImportModel(metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  ImportModel(options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  ImportModel(callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  importModel(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  importModel(metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  importModel(options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  importModel(callback: grpc.requestCallback<_hera_placement_v1_ImportModelResponse__Output>): grpc.ClientWritableStream<_hera_placement_v1_ImportModelRequest>;
  
  ListModels(argument: _hera_placement_v1_RegistryListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hera_placement_v1_RegistryListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hera_placement_v1_RegistryListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hera_placement_v1_RegistryListRequest, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_placement_v1_RegistryListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_placement_v1_RegistryListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_placement_v1_RegistryListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_placement_v1_RegistryListRequest, callback: grpc.requestCallback<_hera_placement_v1_RegistryListResponse__Output>): grpc.ClientUnaryCall;
  
  LoadModel(argument: _hera_placement_v1_LoadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  LoadModel(argument: _hera_placement_v1_LoadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  LoadModel(argument: _hera_placement_v1_LoadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  LoadModel(argument: _hera_placement_v1_LoadModelRequest, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hera_placement_v1_LoadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hera_placement_v1_LoadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hera_placement_v1_LoadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  loadModel(argument: _hera_placement_v1_LoadModelRequest, callback: grpc.requestCallback<_hera_placement_v1_LoadModelResponse__Output>): grpc.ClientUnaryCall;
  
  UnloadModel(argument: _hera_placement_v1_UnloadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  UnloadModel(argument: _hera_placement_v1_UnloadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  UnloadModel(argument: _hera_placement_v1_UnloadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  UnloadModel(argument: _hera_placement_v1_UnloadModelRequest, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hera_placement_v1_UnloadModelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hera_placement_v1_UnloadModelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hera_placement_v1_UnloadModelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  unloadModel(argument: _hera_placement_v1_UnloadModelRequest, callback: grpc.requestCallback<_hera_placement_v1_UnloadModelResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ModelRegistryServiceHandlers extends grpc.UntypedServiceImplementation {
  ImportModel: grpc.handleClientStreamingCall<_hera_placement_v1_ImportModelRequest__Output, _hera_placement_v1_ImportModelResponse>;
  
  ListModels: grpc.handleUnaryCall<_hera_placement_v1_RegistryListRequest__Output, _hera_placement_v1_RegistryListResponse>;
  
  LoadModel: grpc.handleUnaryCall<_hera_placement_v1_LoadModelRequest__Output, _hera_placement_v1_LoadModelResponse>;
  
  UnloadModel: grpc.handleUnaryCall<_hera_placement_v1_UnloadModelRequest__Output, _hera_placement_v1_UnloadModelResponse>;
  
}

export interface ModelRegistryServiceDefinition extends grpc.ServiceDefinition {
  ImportModel: MethodDefinition<_hera_placement_v1_ImportModelRequest, _hera_placement_v1_ImportModelResponse, _hera_placement_v1_ImportModelRequest__Output, _hera_placement_v1_ImportModelResponse__Output>
  ListModels: MethodDefinition<_hera_placement_v1_RegistryListRequest, _hera_placement_v1_RegistryListResponse, _hera_placement_v1_RegistryListRequest__Output, _hera_placement_v1_RegistryListResponse__Output>
  LoadModel: MethodDefinition<_hera_placement_v1_LoadModelRequest, _hera_placement_v1_LoadModelResponse, _hera_placement_v1_LoadModelRequest__Output, _hera_placement_v1_LoadModelResponse__Output>
  UnloadModel: MethodDefinition<_hera_placement_v1_UnloadModelRequest, _hera_placement_v1_UnloadModelResponse, _hera_placement_v1_UnloadModelRequest__Output, _hera_placement_v1_UnloadModelResponse__Output>
}
