import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ItemBatch as _hera_common_v1_ItemBatch, ItemBatch__Output as _hera_common_v1_ItemBatch__Output } from './hera/common/v1/ItemBatch';
import type { LatencySummary as _hera_common_v1_LatencySummary, LatencySummary__Output as _hera_common_v1_LatencySummary__Output } from './hera/common/v1/LatencySummary';
import type { TenantAllocation as _hera_common_v1_TenantAllocation, TenantAllocation__Output as _hera_common_v1_TenantAllocation__Output } from './hera/common/v1/TenantAllocation';
import type { ApplyAllocationRequest as _hera_worker_v1_ApplyAllocationRequest, ApplyAllocationRequest__Output as _hera_worker_v1_ApplyAllocationRequest__Output } from './hera/worker/v1/ApplyAllocationRequest';
import type { ApplyAllocationResponse as _hera_worker_v1_ApplyAllocationResponse, ApplyAllocationResponse__Output as _hera_worker_v1_ApplyAllocationResponse__Output } from './hera/worker/v1/ApplyAllocationResponse';
import type { GetStatusRequest as _hera_worker_v1_GetStatusRequest, GetStatusRequest__Output as _hera_worker_v1_GetStatusRequest__Output } from './hera/worker/v1/GetStatusRequest';
import type { GetStatusResponse as _hera_worker_v1_GetStatusResponse, GetStatusResponse__Output as _hera_worker_v1_GetStatusResponse__Output } from './hera/worker/v1/GetStatusResponse';
import type { InferRequest as _hera_worker_v1_InferRequest, InferRequest__Output as _hera_worker_v1_InferRequest__Output } from './hera/worker/v1/InferRequest';
import type { InferResponse as _hera_worker_v1_InferResponse, InferResponse__Output as _hera_worker_v1_InferResponse__Output } from './hera/worker/v1/InferResponse';
import type { InferStreamRequest as _hera_worker_v1_InferStreamRequest, InferStreamRequest__Output as _hera_worker_v1_InferStreamRequest__Output } from './hera/worker/v1/InferStreamRequest';
import type { InferStreamResponse as _hera_worker_v1_InferStreamResponse, InferStreamResponse__Output as _hera_worker_v1_InferStreamResponse__Output } from './hera/worker/v1/InferStreamResponse';
import type { NamedTensor as _hera_worker_v1_NamedTensor, NamedTensor__Output as _hera_worker_v1_NamedTensor__Output } from './hera/worker/v1/NamedTensor';
import type { NodeInfo as _hera_worker_v1_NodeInfo, NodeInfo__Output as _hera_worker_v1_NodeInfo__Output } from './hera/worker/v1/NodeInfo';
import type { NodeManagerMove as _hera_worker_v1_NodeManagerMove, NodeManagerMove__Output as _hera_worker_v1_NodeManagerMove__Output } from './hera/worker/v1/NodeManagerMove';
import type { NodeManagerStatus as _hera_worker_v1_NodeManagerStatus, NodeManagerStatus__Output as _hera_worker_v1_NodeManagerStatus__Output } from './hera/worker/v1/NodeManagerStatus';
import type { RemoveTenantRequest as _hera_worker_v1_RemoveTenantRequest, RemoveTenantRequest__Output as _hera_worker_v1_RemoveTenantRequest__Output } from './hera/worker/v1/RemoveTenantRequest';
import type { RemoveTenantResponse as _hera_worker_v1_RemoveTenantResponse, RemoveTenantResponse__Output as _hera_worker_v1_RemoveTenantResponse__Output } from './hera/worker/v1/RemoveTenantResponse';
import type { TenantStatus as _hera_worker_v1_TenantStatus, TenantStatus__Output as _hera_worker_v1_TenantStatus__Output } from './hera/worker/v1/TenantStatus';
import type { WorkerServiceClient as _hera_worker_v1_WorkerServiceClient, WorkerServiceDefinition as _hera_worker_v1_WorkerServiceDefinition } from './hera/worker/v1/WorkerService';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hera: {
    common: {
      v1: {
        ItemBatch: MessageTypeDefinition<_hera_common_v1_ItemBatch, _hera_common_v1_ItemBatch__Output>
        LatencySummary: MessageTypeDefinition<_hera_common_v1_LatencySummary, _hera_common_v1_LatencySummary__Output>
        TenantAllocation: MessageTypeDefinition<_hera_common_v1_TenantAllocation, _hera_common_v1_TenantAllocation__Output>
      }
    }
    worker: {
      v1: {
        ApplyAllocationRequest: MessageTypeDefinition<_hera_worker_v1_ApplyAllocationRequest, _hera_worker_v1_ApplyAllocationRequest__Output>
        ApplyAllocationResponse: MessageTypeDefinition<_hera_worker_v1_ApplyAllocationResponse, _hera_worker_v1_ApplyAllocationResponse__Output>
        GetStatusRequest: MessageTypeDefinition<_hera_worker_v1_GetStatusRequest, _hera_worker_v1_GetStatusRequest__Output>
        GetStatusResponse: MessageTypeDefinition<_hera_worker_v1_GetStatusResponse, _hera_worker_v1_GetStatusResponse__Output>
        InferRequest: MessageTypeDefinition<_hera_worker_v1_InferRequest, _hera_worker_v1_InferRequest__Output>
        InferResponse: MessageTypeDefinition<_hera_worker_v1_InferResponse, _hera_worker_v1_InferResponse__Output>
        InferStreamRequest: MessageTypeDefinition<_hera_worker_v1_InferStreamRequest, _hera_worker_v1_InferStreamRequest__Output>
        InferStreamResponse: MessageTypeDefinition<_hera_worker_v1_InferStreamResponse, _hera_worker_v1_InferStreamResponse__Output>
        NamedTensor: MessageTypeDefinition<_hera_worker_v1_NamedTensor, _hera_worker_v1_NamedTensor__Output>
        NodeInfo: MessageTypeDefinition<_hera_worker_v1_NodeInfo, _hera_worker_v1_NodeInfo__Output>
        NodeManagerMove: MessageTypeDefinition<_hera_worker_v1_NodeManagerMove, _hera_worker_v1_NodeManagerMove__Output>
        NodeManagerStatus: MessageTypeDefinition<_hera_worker_v1_NodeManagerStatus, _hera_worker_v1_NodeManagerStatus__Output>
        RemoveTenantRequest: MessageTypeDefinition<_hera_worker_v1_RemoveTenantRequest, _hera_worker_v1_RemoveTenantRequest__Output>
        RemoveTenantResponse: MessageTypeDefinition<_hera_worker_v1_RemoveTenantResponse, _hera_worker_v1_RemoveTenantResponse__Output>
        TenantStatus: MessageTypeDefinition<_hera_worker_v1_TenantStatus, _hera_worker_v1_TenantStatus__Output>
        WorkerService: SubtypeConstructor<typeof grpc.Client, _hera_worker_v1_WorkerServiceClient> & { service: _hera_worker_v1_WorkerServiceDefinition }
      }
    }
  }
}

