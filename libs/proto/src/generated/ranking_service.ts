import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ItemBatch as _hera_common_v1_ItemBatch, ItemBatch__Output as _hera_common_v1_ItemBatch__Output } from './hera/common/v1/ItemBatch';
import type { LatencySummary as _hera_common_v1_LatencySummary, LatencySummary__Output as _hera_common_v1_LatencySummary__Output } from './hera/common/v1/LatencySummary';
import type { TenantAllocation as _hera_common_v1_TenantAllocation, TenantAllocation__Output as _hera_common_v1_TenantAllocation__Output } from './hera/common/v1/TenantAllocation';
import type { ListModelsRequest as _hera_gateway_v1_ListModelsRequest, ListModelsRequest__Output as _hera_gateway_v1_ListModelsRequest__Output } from './hera/gateway/v1/ListModelsRequest';
import type { ListModelsResponse as _hera_gateway_v1_ListModelsResponse, ListModelsResponse__Output as _hera_gateway_v1_ListModelsResponse__Output } from './hera/gateway/v1/ListModelsResponse';
import type { ModelInfo as _hera_gateway_v1_ModelInfo, ModelInfo__Output as _hera_gateway_v1_ModelInfo__Output } from './hera/gateway/v1/ModelInfo';
import type { RankRequest as _hera_gateway_v1_RankRequest, RankRequest__Output as _hera_gateway_v1_RankRequest__Output } from './hera/gateway/v1/RankRequest';
import type { RankResponse as _hera_gateway_v1_RankResponse, RankResponse__Output as _hera_gateway_v1_RankResponse__Output } from './hera/gateway/v1/RankResponse';
import type { RankingServiceClient as _hera_gateway_v1_RankingServiceClient, RankingServiceDefinition as _hera_gateway_v1_RankingServiceDefinition } from './hera/gateway/v1/RankingService';
import type { TableInfo as _hera_gateway_v1_TableInfo, TableInfo__Output as _hera_gateway_v1_TableInfo__Output } from './hera/gateway/v1/TableInfo';
import type { Timing as _hera_gateway_v1_Timing, Timing__Output as _hera_gateway_v1_Timing__Output } from './hera/gateway/v1/Timing';

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
    gateway: {
      v1: {
        ListModelsRequest: MessageTypeDefinition<_hera_gateway_v1_ListModelsRequest, _hera_gateway_v1_ListModelsRequest__Output>
        ListModelsResponse: MessageTypeDefinition<_hera_gateway_v1_ListModelsResponse, _hera_gateway_v1_ListModelsResponse__Output>
        ModelInfo: MessageTypeDefinition<_hera_gateway_v1_ModelInfo, _hera_gateway_v1_ModelInfo__Output>
        RankRequest: MessageTypeDefinition<_hera_gateway_v1_RankRequest, _hera_gateway_v1_RankRequest__Output>
        RankResponse: MessageTypeDefinition<_hera_gateway_v1_RankResponse, _hera_gateway_v1_RankResponse__Output>
        RankingService: SubtypeConstructor<typeof grpc.Client, _hera_gateway_v1_RankingServiceClient> & { service: _hera_gateway_v1_RankingServiceDefinition }
        TableInfo: MessageTypeDefinition<_hera_gateway_v1_TableInfo, _hera_gateway_v1_TableInfo__Output>
        Timing: MessageTypeDefinition<_hera_gateway_v1_Timing, _hera_gateway_v1_Timing__Output>
      }
    }
  }
}

