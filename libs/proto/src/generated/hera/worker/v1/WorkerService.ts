// Original file: hera/worker/v1/worker_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApplyAllocationRequest as _hera_worker_v1_ApplyAllocationRequest, ApplyAllocationRequest__Output as _hera_worker_v1_ApplyAllocationRequest__Output } from '../../../hera/worker/v1/ApplyAllocationRequest';
import type { ApplyAllocationResponse as _hera_worker_v1_ApplyAllocationResponse, ApplyAllocationResponse__Output as _hera_worker_v1_ApplyAllocationResponse__Output } from '../../../hera/worker/v1/ApplyAllocationResponse';
import type { GetStatusRequest as _hera_worker_v1_GetStatusRequest, GetStatusRequest__Output as _hera_worker_v1_GetStatusRequest__Output } from '../../../hera/worker/v1/GetStatusRequest';
import type { GetStatusResponse as _hera_worker_v1_GetStatusResponse, GetStatusResponse__Output as _hera_worker_v1_GetStatusResponse__Output } from '../../../hera/worker/v1/GetStatusResponse';
import type { InferRequest as _hera_worker_v1_InferRequest, InferRequest__Output as _hera_worker_v1_InferRequest__Output } from '../../../hera/worker/v1/InferRequest';
import type { InferResponse as _hera_worker_v1_InferResponse, InferResponse__Output as _hera_worker_v1_InferResponse__Output } from '../../../hera/worker/v1/InferResponse';
import type { InferStreamRequest as _hera_worker_v1_InferStreamRequest, InferStreamRequest__Output as _hera_worker_v1_InferStreamRequest__Output } from '../../../hera/worker/v1/InferStreamRequest';
import type { InferStreamResponse as _hera_worker_v1_InferStreamResponse, InferStreamResponse__Output as _hera_worker_v1_InferStreamResponse__Output } from '../../../hera/worker/v1/InferStreamResponse';
import type { RemoveTenantRequest as _hera_worker_v1_RemoveTenantRequest, RemoveTenantRequest__Output as _hera_worker_v1_RemoveTenantRequest__Output } from '../../../hera/worker/v1/RemoveTenantRequest';
import type { RemoveTenantResponse as _hera_worker_v1_RemoveTenantResponse, RemoveTenantResponse__Output as _hera_worker_v1_RemoveTenantResponse__Output } from '../../../hera/worker/v1/RemoveTenantResponse';

export interface WorkerServiceClient extends grpc.Client {
  ApplyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  ApplyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  ApplyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  ApplyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  applyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  applyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  applyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  applyAllocation(argument: _hera_worker_v1_ApplyAllocationRequest, callback: grpc.requestCallback<_hera_worker_v1_ApplyAllocationResponse__Output>): grpc.ClientUnaryCall;
  
  GetStatus(argument: _hera_worker_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _hera_worker_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _hera_worker_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _hera_worker_v1_GetStatusRequest, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _hera_worker_v1_GetStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _hera_worker_v1_GetStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _hera_worker_v1_GetStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _hera_worker_v1_GetStatusRequest, callback: grpc.requestCallback<_hera_worker_v1_GetStatusResponse__Output>): grpc.ClientUnaryCall;
  
  Infer(argument: _hera_worker_v1_InferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  Infer(argument: _hera_worker_v1_InferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  Infer(argument: _hera_worker_v1_InferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  Infer(argument: _hera_worker_v1_InferRequest, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  infer(argument: _hera_worker_v1_InferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  infer(argument: _hera_worker_v1_InferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  infer(argument: _hera_worker_v1_InferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  infer(argument: _hera_worker_v1_InferRequest, callback: grpc.requestCallback<_hera_worker_v1_InferResponse__Output>): grpc.ClientUnaryCall;
  
  InferStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hera_worker_v1_InferStreamRequest, _hera_worker_v1_InferStreamResponse__Output>;
  InferStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hera_worker_v1_InferStreamRequest, _hera_worker_v1_InferStreamResponse__Output>;
  inferStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_hera_worker_v1_InferStreamRequest, _hera_worker_v1_InferStreamResponse__Output>;
  inferStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_hera_worker_v1_InferStreamRequest, _hera_worker_v1_InferStreamResponse__Output>;
  
  RemoveTenant(argument: _hera_worker_v1_RemoveTenantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  RemoveTenant(argument: _hera_worker_v1_RemoveTenantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  RemoveTenant(argument: _hera_worker_v1_RemoveTenantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  RemoveTenant(argument: _hera_worker_v1_RemoveTenantRequest, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  removeTenant(argument: _hera_worker_v1_RemoveTenantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  removeTenant(argument: _hera_worker_v1_RemoveTenantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  removeTenant(argument: _hera_worker_v1_RemoveTenantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  removeTenant(argument: _hera_worker_v1_RemoveTenantRequest, callback: grpc.requestCallback<_hera_worker_v1_RemoveTenantResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface WorkerServiceHandlers extends grpc.UntypedServiceImplementation {
  ApplyAllocation: grpc.handleUnaryCall<_hera_worker_v1_ApplyAllocationRequest__Output, _hera_worker_v1_ApplyAllocationResponse>;
  
  GetStatus: grpc.handleUnaryCall<_hera_worker_v1_GetStatusRequest__Output, _hera_worker_v1_GetStatusResponse>;
  
  Infer: grpc.handleUnaryCall<_hera_worker_v1_InferRequest__Output, _hera_worker_v1_InferResponse>;
  
  InferStream: grpc.handleBidiStreamingCall<_hera_worker_v1_InferStreamRequest__Output, _hera_worker_v1_InferStreamResponse>;
  
  RemoveTenant: grpc.handleUnaryCall<_hera_worker_v1_RemoveTenantRequest__Output, _hera_worker_v1_RemoveTenantResponse>;
  
}

export interface WorkerServiceDefinition extends grpc.ServiceDefinition {
  ApplyAllocation: MethodDefinition<_hera_worker_v1_ApplyAllocationRequest, _hera_worker_v1_ApplyAllocationResponse, _hera_worker_v1_ApplyAllocationRequest__Output, _hera_worker_v1_ApplyAllocationResponse__Output>
  GetStatus: MethodDefinition<_hera_worker_v1_GetStatusRequest, _hera_worker_v1_GetStatusResponse, _hera_worker_v1_GetStatusRequest__Output, _hera_worker_v1_GetStatusResponse__Output>
  Infer: MethodDefinition<_hera_worker_v1_InferRequest, _hera_worker_v1_InferResponse, _hera_worker_v1_InferRequest__Output, _hera_worker_v1_InferResponse__Output>
  InferStream: MethodDefinition<_hera_worker_v1_InferStreamRequest, _hera_worker_v1_InferStreamResponse, _hera_worker_v1_InferStreamRequest__Output, _hera_worker_v1_InferStreamResponse__Output>
  RemoveTenant: MethodDefinition<_hera_worker_v1_RemoveTenantRequest, _hera_worker_v1_RemoveTenantResponse, _hera_worker_v1_RemoveTenantRequest__Output, _hera_worker_v1_RemoveTenantResponse__Output>
}
