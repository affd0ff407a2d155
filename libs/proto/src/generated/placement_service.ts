import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ItemBatch as _hera_common_v1_ItemBatch, ItemBatch__Output as _hera_common_v1_ItemBatch__Output } from './hera/common/v1/ItemBatch';
import type { LatencySummary as _hera_common_v1_LatencySummary, LatencySummary__Output as _hera_common_v1_LatencySummary__Output } from './hera/common/v1/LatencySummary';
import type { TenantAllocation as _hera_common_v1_TenantAllocation, TenantAllocation__Output as _hera_common_v1_TenantAllocation__Output } from './hera/common/v1/TenantAllocation';
import type { Alternative as _hera_placement_v1_Alternative, Alternative__Output as _hera_placement_v1_Alternative__Output } from './hera/placement/v1/Alternative';
import type { ApplyRequest as _hera_placement_v1_ApplyRequest, ApplyRequest__Output as _hera_placement_v1_ApplyRequest__Output } from './hera/placement/v1/ApplyRequest';
import type { ApplyResponse as _hera_placement_v1_ApplyResponse, ApplyResponse__Output as _hera_placement_v1_ApplyResponse__Output } from './hera/placement/v1/ApplyResponse';
import type { ConfigExplanation as _hera_placement_v1_ConfigExplanation, ConfigExplanation__Output as _hera_placement_v1_ConfigExplanation__Output } from './hera/placement/v1/ConfigExplanation';
import type { ExplainRequest as _hera_placement_v1_ExplainRequest, ExplainRequest__Output as _hera_placement_v1_ExplainRequest__Output } from './hera/placement/v1/ExplainRequest';
import type { ExplainResponse as _hera_placement_v1_ExplainResponse, ExplainResponse__Output as _hera_placement_v1_ExplainResponse__Output } from './hera/placement/v1/ExplainResponse';
import type { GetDemandRequest as _hera_placement_v1_GetDemandRequest, GetDemandRequest__Output as _hera_placement_v1_GetDemandRequest__Output } from './hera/placement/v1/GetDemandRequest';
import type { GetDemandResponse as _hera_placement_v1_GetDemandResponse, GetDemandResponse__Output as _hera_placement_v1_GetDemandResponse__Output } from './hera/placement/v1/GetDemandResponse';
import type { GetPlanRequest as _hera_placement_v1_GetPlanRequest, GetPlanRequest__Output as _hera_placement_v1_GetPlanRequest__Output } from './hera/placement/v1/GetPlanRequest';
import type { GetPlanResponse as _hera_placement_v1_GetPlanResponse, GetPlanResponse__Output as _hera_placement_v1_GetPlanResponse__Output } from './hera/placement/v1/GetPlanResponse';
import type { GetRolloutRequest as _hera_placement_v1_GetRolloutRequest, GetRolloutRequest__Output as _hera_placement_v1_GetRolloutRequest__Output } from './hera/placement/v1/GetRolloutRequest';
import type { GetRolloutResponse as _hera_placement_v1_GetRolloutResponse, GetRolloutResponse__Output as _hera_placement_v1_GetRolloutResponse__Output } from './hera/placement/v1/GetRolloutResponse';
import type { ModelDemand as _hera_placement_v1_ModelDemand, ModelDemand__Output as _hera_placement_v1_ModelDemand__Output } from './hera/placement/v1/ModelDemand';
import type { NodePlan as _hera_placement_v1_NodePlan, NodePlan__Output as _hera_placement_v1_NodePlan__Output } from './hera/placement/v1/NodePlan';
import type { PinnedConfig as _hera_placement_v1_PinnedConfig, PinnedConfig__Output as _hera_placement_v1_PinnedConfig__Output } from './hera/placement/v1/PinnedConfig';
import type { PlacementServiceClient as _hera_placement_v1_PlacementServiceClient, PlacementServiceDefinition as _hera_placement_v1_PlacementServiceDefinition } from './hera/placement/v1/PlacementService';
import type { Plan as _hera_placement_v1_Plan, Plan__Output as _hera_placement_v1_Plan__Output } from './hera/placement/v1/Plan';
import type { PlanRequest as _hera_placement_v1_PlanRequest, PlanRequest__Output as _hera_placement_v1_PlanRequest__Output } from './hera/placement/v1/PlanRequest';
import type { PlanResponse as _hera_placement_v1_PlanResponse, PlanResponse__Output as _hera_placement_v1_PlanResponse__Output } from './hera/placement/v1/PlanResponse';
import type { PredictorCheck as _hera_placement_v1_PredictorCheck, PredictorCheck__Output as _hera_placement_v1_PredictorCheck__Output } from './hera/placement/v1/PredictorCheck';
import type { PredictorCheckRow as _hera_placement_v1_PredictorCheckRow, PredictorCheckRow__Output as _hera_placement_v1_PredictorCheckRow__Output } from './hera/placement/v1/PredictorCheckRow';
import type { Rollout as _hera_placement_v1_Rollout, Rollout__Output as _hera_placement_v1_Rollout__Output } from './hera/placement/v1/Rollout';
import type { SetDemandRequest as _hera_placement_v1_SetDemandRequest, SetDemandRequest__Output as _hera_placement_v1_SetDemandRequest__Output } from './hera/placement/v1/SetDemandRequest';
import type { SetDemandResponse as _hera_placement_v1_SetDemandResponse, SetDemandResponse__Output as _hera_placement_v1_SetDemandResponse__Output } from './hera/placement/v1/SetDemandResponse';
import type { StartRolloutRequest as _hera_placement_v1_StartRolloutRequest, StartRolloutRequest__Output as _hera_placement_v1_StartRolloutRequest__Output } from './hera/placement/v1/StartRolloutRequest';
import type { StartRolloutResponse as _hera_placement_v1_StartRolloutResponse, StartRolloutResponse__Output as _hera_placement_v1_StartRolloutResponse__Output } from './hera/placement/v1/StartRolloutResponse';
import type { StrategyResult as _hera_placement_v1_StrategyResult, StrategyResult__Output as _hera_placement_v1_StrategyResult__Output } from './hera/placement/v1/StrategyResult';
import type { TenantShare as _hera_placement_v1_TenantShare, TenantShare__Output as _hera_placement_v1_TenantShare__Output } from './hera/placement/v1/TenantShare';

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
    placement: {
      v1: {
        Alternative: MessageTypeDefinition<_hera_placement_v1_Alternative, _hera_placement_v1_Alternative__Output>
        ApplyRequest: MessageTypeDefinition<_hera_placement_v1_ApplyRequest, _hera_placement_v1_ApplyRequest__Output>
        ApplyResponse: MessageTypeDefinition<_hera_placement_v1_ApplyResponse, _hera_placement_v1_ApplyResponse__Output>
        ConfigExplanation: MessageTypeDefinition<_hera_placement_v1_ConfigExplanation, _hera_placement_v1_ConfigExplanation__Output>
        ExplainRequest: MessageTypeDefinition<_hera_placement_v1_ExplainRequest, _hera_placement_v1_ExplainRequest__Output>
        ExplainResponse: MessageTypeDefinition<_hera_placement_v1_ExplainResponse, _hera_placement_v1_ExplainResponse__Output>
        GetDemandRequest: MessageTypeDefinition<_hera_placement_v1_GetDemandRequest, _hera_placement_v1_GetDemandRequest__Output>
        GetDemandResponse: MessageTypeDefinition<_hera_placement_v1_GetDemandResponse, _hera_placement_v1_GetDemandResponse__Output>
        GetPlanRequest: MessageTypeDefinition<_hera_placement_v1_GetPlanRequest, _hera_placement_v1_GetPlanRequest__Output>
        GetPlanResponse: MessageTypeDefinition<_hera_placement_v1_GetPlanResponse, _hera_placement_v1_GetPlanResponse__Output>
        GetRolloutRequest: MessageTypeDefinition<_hera_placement_v1_GetRolloutRequest, _hera_placement_v1_GetRolloutRequest__Output>
        GetRolloutResponse: MessageTypeDefinition<_hera_placement_v1_GetRolloutResponse, _hera_placement_v1_GetRolloutResponse__Output>
        ModelDemand: MessageTypeDefinition<_hera_placement_v1_ModelDemand, _hera_placement_v1_ModelDemand__Output>
        NodePlan: MessageTypeDefinition<_hera_placement_v1_NodePlan, _hera_placement_v1_NodePlan__Output>
        PinnedConfig: MessageTypeDefinition<_hera_placement_v1_PinnedConfig, _hera_placement_v1_PinnedConfig__Output>
        PlacementService: SubtypeConstructor<typeof grpc.Client, _hera_placement_v1_PlacementServiceClient> & { service: _hera_placement_v1_PlacementServiceDefinition }
        Plan: MessageTypeDefinition<_hera_placement_v1_Plan, _hera_placement_v1_Plan__Output>
        PlanRequest: MessageTypeDefinition<_hera_placement_v1_PlanRequest, _hera_placement_v1_PlanRequest__Output>
        PlanResponse: MessageTypeDefinition<_hera_placement_v1_PlanResponse, _hera_placement_v1_PlanResponse__Output>
        PredictorCheck: MessageTypeDefinition<_hera_placement_v1_PredictorCheck, _hera_placement_v1_PredictorCheck__Output>
        PredictorCheckRow: MessageTypeDefinition<_hera_placement_v1_PredictorCheckRow, _hera_placement_v1_PredictorCheckRow__Output>
        Rollout: MessageTypeDefinition<_hera_placement_v1_Rollout, _hera_placement_v1_Rollout__Output>
        SetDemandRequest: MessageTypeDefinition<_hera_placement_v1_SetDemandRequest, _hera_placement_v1_SetDemandRequest__Output>
        SetDemandResponse: MessageTypeDefinition<_hera_placement_v1_SetDemandResponse, _hera_placement_v1_SetDemandResponse__Output>
        StartRolloutRequest: MessageTypeDefinition<_hera_placement_v1_StartRolloutRequest, _hera_placement_v1_StartRolloutRequest__Output>
        StartRolloutResponse: MessageTypeDefinition<_hera_placement_v1_StartRolloutResponse, _hera_placement_v1_StartRolloutResponse__Output>
        StrategyResult: MessageTypeDefinition<_hera_placement_v1_StrategyResult, _hera_placement_v1_StrategyResult__Output>
        TenantShare: MessageTypeDefinition<_hera_placement_v1_TenantShare, _hera_placement_v1_TenantShare__Output>
      }
    }
  }
}

