import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ItemBatch as _hera_common_v1_ItemBatch, ItemBatch__Output as _hera_common_v1_ItemBatch__Output } from './hera/common/v1/ItemBatch';
import type { LatencySummary as _hera_common_v1_LatencySummary, LatencySummary__Output as _hera_common_v1_LatencySummary__Output } from './hera/common/v1/LatencySummary';
import type { TenantAllocation as _hera_common_v1_TenantAllocation, TenantAllocation__Output as _hera_common_v1_TenantAllocation__Output } from './hera/common/v1/TenantAllocation';

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
  }
}

