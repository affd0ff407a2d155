// Original file: hera/placement/v1/placement_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApplyRequest as _hera_placement_v1_ApplyRequest, ApplyRequest__Output as _hera_placement_v1_ApplyRequest__Output } from '../../../hera/placement/v1/ApplyRequest';
import type { ApplyResponse as _hera_placement_v1_ApplyResponse, ApplyResponse__Output as _hera_placement_v1_ApplyResponse__Output } from '../../../hera/placement/v1/ApplyResponse';
import type { ExplainRequest as _hera_placement_v1_ExplainRequest, ExplainRequest__Output as _hera_placement_v1_ExplainRequest__Output } from '../../../hera/placement/v1/ExplainRequest';
import type { ExplainResponse as _hera_placement_v1_ExplainResponse, ExplainResponse__Output as _hera_placement_v1_ExplainResponse__Output } from '../../../hera/placement/v1/ExplainResponse';
import type { GetDemandRequest as _hera_placement_v1_GetDemandRequest, GetDemandRequest__Output as _hera_placement_v1_GetDemandRequest__Output } from '../../../hera/placement/v1/GetDemandRequest';
import type { GetDemandResponse as _hera_placement_v1_GetDemandResponse, GetDemandResponse__Output as _hera_placement_v1_GetDemandResponse__Output } from '../../../hera/placement/v1/GetDemandResponse';
import type { GetPlanRequest as _hera_placement_v1_GetPlanRequest, GetPlanRequest__Output as _hera_placement_v1_GetPlanRequest__Output } from '../../../hera/placement/v1/GetPlanRequest';
import type { GetPlanResponse as _hera_placement_v1_GetPlanResponse, GetPlanResponse__Output as _hera_placement_v1_GetPlanResponse__Output } from '../../../hera/placement/v1/GetPlanResponse';
import type { GetRolloutRequest as _hera_placement_v1_GetRolloutRequest, GetRolloutRequest__Output as _hera_placement_v1_GetRolloutRequest__Output } from '../../../hera/placement/v1/GetRolloutRequest';
import type { GetRolloutResponse as _hera_placement_v1_GetRolloutResponse, GetRolloutResponse__Output as _hera_placement_v1_GetRolloutResponse__Output } from '../../../hera/placement/v1/GetRolloutResponse';
import type { PlanRequest as _hera_placement_v1_PlanRequest, PlanRequest__Output as _hera_placement_v1_PlanRequest__Output } from '../../../hera/placement/v1/PlanRequest';
import type { PlanResponse as _hera_placement_v1_PlanResponse, PlanResponse__Output as _hera_placement_v1_PlanResponse__Output } from '../../../hera/placement/v1/PlanResponse';
import type { SetDemandRequest as _hera_placement_v1_SetDemandRequest, SetDemandRequest__Output as _hera_placement_v1_SetDemandRequest__Output } from '../../../hera/placement/v1/SetDemandRequest';
import type { SetDemandResponse as _hera_placement_v1_SetDemandResponse, SetDemandResponse__Output as _hera_placement_v1_SetDemandResponse__Output } from '../../../hera/placement/v1/SetDemandResponse';
import type { StartRolloutRequest as _hera_placement_v1_StartRolloutRequest, StartRolloutRequest__Output as _hera_placement_v1_StartRolloutRequest__Output } from '../../../hera/placement/v1/StartRolloutRequest';
import type { StartRolloutResponse as _hera_placement_v1_StartRolloutResponse, StartRolloutResponse__Output as _hera_placement_v1_StartRolloutResponse__Output } from '../../../hera/placement/v1/StartRolloutResponse';

export interface PlacementServiceClient extends grpc.Client {
  Apply(argument: _hera_placement_v1_ApplyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  Apply(argument: _hera_placement_v1_ApplyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  Apply(argument: _hera_placement_v1_ApplyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  Apply(argument: _hera_placement_v1_ApplyRequest, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  apply(argument: _hera_placement_v1_ApplyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  apply(argument: _hera_placement_v1_ApplyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  apply(argument: _hera_placement_v1_ApplyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  apply(argument: _hera_placement_v1_ApplyRequest, callback: grpc.requestCallback<_hera_placement_v1_ApplyResponse__Output>): grpc.ClientUnaryCall;
  
  Explain(argument: _hera_placement_v1_ExplainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  Explain(argument: _hera_placement_v1_ExplainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  Explain(argument: _hera_placement_v1_ExplainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  Explain(argument: _hera_placement_v1_ExplainRequest, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  explain(argument: _hera_placement_v1_ExplainRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  explain(argument: _hera_placement_v1_ExplainRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  explain(argument: _hera_placement_v1_ExplainRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  explain(argument: _hera_placement_v1_ExplainRequest, callback: grpc.requestCallback<_hera_placement_v1_ExplainResponse__Output>): grpc.ClientUnaryCall;
  
  GetDemand(argument: _hera_placement_v1_GetDemandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  GetDemand(argument: _hera_placement_v1_GetDemandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  GetDemand(argument: _hera_placement_v1_GetDemandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  GetDemand(argument: _hera_placement_v1_GetDemandRequest, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  getDemand(argument: _hera_placement_v1_GetDemandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  getDemand(argument: _hera_placement_v1_GetDemandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  getDemand(argument: _hera_placement_v1_GetDemandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  getDemand(argument: _hera_placement_v1_GetDemandRequest, callback: grpc.requestCallback<_hera_placement_v1_GetDemandResponse__Output>): grpc.ClientUnaryCall;
  
  GetPlan(argument: _hera_placement_v1_GetPlanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  GetPlan(argument: _hera_placement_v1_GetPlanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  GetPlan(argument: _hera_placement_v1_GetPlanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  GetPlan(argument: _hera_placement_v1_GetPlanRequest, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  getPlan(argument: _hera_placement_v1_GetPlanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  getPlan(argument: _hera_placement_v1_GetPlanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  getPlan(argument: _hera_placement_v1_GetPlanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  getPlan(argument: _hera_placement_v1_GetPlanRequest, callback: grpc.requestCallback<_hera_placement_v1_GetPlanResponse__Output>): grpc.ClientUnaryCall;
  
  GetRollout(argument: _hera_placement_v1_GetRolloutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  GetRollout(argument: _hera_placement_v1_GetRolloutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  GetRollout(argument: _hera_placement_v1_GetRolloutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  GetRollout(argument: _hera_placement_v1_GetRolloutRequest, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  getRollout(argument: _hera_placement_v1_GetRolloutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  getRollout(argument: _hera_placement_v1_GetRolloutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  getRollout(argument: _hera_placement_v1_GetRolloutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  getRollout(argument: _hera_placement_v1_GetRolloutRequest, callback: grpc.requestCallback<_hera_placement_v1_GetRolloutResponse__Output>): grpc.ClientUnaryCall;
  
  Plan(argument: _hera_placement_v1_PlanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  Plan(argument: _hera_placement_v1_PlanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  Plan(argument: _hera_placement_v1_PlanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  Plan(argument: _hera_placement_v1_PlanRequest, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  plan(argument: _hera_placement_v1_PlanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  plan(argument: _hera_placement_v1_PlanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  plan(argument: _hera_placement_v1_PlanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  plan(argument: _hera_placement_v1_PlanRequest, callback: grpc.requestCallback<_hera_placement_v1_PlanResponse__Output>): grpc.ClientUnaryCall;
  
  SetDemand(argument: _hera_placement_v1_SetDemandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  SetDemand(argument: _hera_placement_v1_SetDemandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  SetDemand(argument: _hera_placement_v1_SetDemandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  SetDemand(argument: _hera_placement_v1_SetDemandRequest, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  setDemand(argument: _hera_placement_v1_SetDemandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  setDemand(argument: _hera_placement_v1_SetDemandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  setDemand(argument: _hera_placement_v1_SetDemandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  setDemand(argument: _hera_placement_v1_SetDemandRequest, callback: grpc.requestCallback<_hera_placement_v1_SetDemandResponse__Output>): grpc.ClientUnaryCall;
  
  StartRollout(argument: _hera_placement_v1_StartRolloutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  StartRollout(argument: _hera_placement_v1_StartRolloutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  StartRollout(argument: _hera_placement_v1_StartRolloutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  StartRollout(argument: _hera_placement_v1_StartRolloutRequest, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  startRollout(argument: _hera_placement_v1_StartRolloutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  startRollout(argument: _hera_placement_v1_StartRolloutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  startRollout(argument: _hera_placement_v1_StartRolloutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  startRollout(argument: _hera_placement_v1_StartRolloutRequest, callback: grpc.requestCallback<_hera_placement_v1_StartRolloutResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PlacementServiceHandlers extends grpc.UntypedServiceImplementation {
  Apply: grpc.handleUnaryCall<_hera_placement_v1_ApplyRequest__Output, _hera_placement_v1_ApplyResponse>;
  
  Explain: grpc.handleUnaryCall<_hera_placement_v1_ExplainRequest__Output, _hera_placement_v1_ExplainResponse>;
  
  GetDemand: grpc.handleUnaryCall<_hera_placement_v1_GetDemandRequest__Output, _hera_placement_v1_GetDemandResponse>;
  
  GetPlan: grpc.handleUnaryCall<_hera_placement_v1_GetPlanRequest__Output, _hera_placement_v1_GetPlanResponse>;
  
  GetRollout: grpc.handleUnaryCall<_hera_placement_v1_GetRolloutRequest__Output, _hera_placement_v1_GetRolloutResponse>;
  
  Plan: grpc.handleUnaryCall<_hera_placement_v1_PlanRequest__Output, _hera_placement_v1_PlanResponse>;
  
  SetDemand: grpc.handleUnaryCall<_hera_placement_v1_SetDemandRequest__Output, _hera_placement_v1_SetDemandResponse>;
  
  StartRollout: grpc.handleUnaryCall<_hera_placement_v1_StartRolloutRequest__Output, _hera_placement_v1_StartRolloutResponse>;
  
}

export interface PlacementServiceDefinition extends grpc.ServiceDefinition {
  Apply: MethodDefinition<_hera_placement_v1_ApplyRequest, _hera_placement_v1_ApplyResponse, _hera_placement_v1_ApplyRequest__Output, _hera_placement_v1_ApplyResponse__Output>
  Explain: MethodDefinition<_hera_placement_v1_ExplainRequest, _hera_placement_v1_ExplainResponse, _hera_placement_v1_ExplainRequest__Output, _hera_placement_v1_ExplainResponse__Output>
  GetDemand: MethodDefinition<_hera_placement_v1_GetDemandRequest, _hera_placement_v1_GetDemandResponse, _hera_placement_v1_GetDemandRequest__Output, _hera_placement_v1_GetDemandResponse__Output>
  GetPlan: MethodDefinition<_hera_placement_v1_GetPlanRequest, _hera_placement_v1_GetPlanResponse, _hera_placement_v1_GetPlanRequest__Output, _hera_placement_v1_GetPlanResponse__Output>
  GetRollout: MethodDefinition<_hera_placement_v1_GetRolloutRequest, _hera_placement_v1_GetRolloutResponse, _hera_placement_v1_GetRolloutRequest__Output, _hera_placement_v1_GetRolloutResponse__Output>
  Plan: MethodDefinition<_hera_placement_v1_PlanRequest, _hera_placement_v1_PlanResponse, _hera_placement_v1_PlanRequest__Output, _hera_placement_v1_PlanResponse__Output>
  SetDemand: MethodDefinition<_hera_placement_v1_SetDemandRequest, _hera_placement_v1_SetDemandResponse, _hera_placement_v1_SetDemandRequest__Output, _hera_placement_v1_SetDemandResponse__Output>
  StartRollout: MethodDefinition<_hera_placement_v1_StartRolloutRequest, _hera_placement_v1_StartRolloutResponse, _hera_placement_v1_StartRolloutRequest__Output, _hera_placement_v1_StartRolloutResponse__Output>
}
