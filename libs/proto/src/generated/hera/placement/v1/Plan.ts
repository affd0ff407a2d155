// Original file: hera/placement/v1/placement_service.proto

import type { NodePlan as _hera_placement_v1_NodePlan, NodePlan__Output as _hera_placement_v1_NodePlan__Output } from '../../../hera/placement/v1/NodePlan';
import type { ModelDemand as _hera_placement_v1_ModelDemand, ModelDemand__Output as _hera_placement_v1_ModelDemand__Output } from '../../../hera/placement/v1/ModelDemand';
import type { Long } from '@grpc/proto-loader';

export interface Plan {
  'version'?: (number | string | Long);
  'createdAtMs'?: (number | string | Long);
  'nodeClass'?: (string);
  'nodes'?: (_hera_placement_v1_NodePlan)[];
  'demands'?: (_hera_placement_v1_ModelDemand)[];
  'serversNeeded'?: (number);
  'meanEmu'?: (number | string);
  'solver'?: (string);
}

export interface Plan__Output {
  'version': (number);
  'createdAtMs': (number);
  'nodeClass': (string);
  'nodes': (_hera_placement_v1_NodePlan__Output)[];
  'demands': (_hera_placement_v1_ModelDemand__Output)[];
  'serversNeeded': (number);
  'meanEmu': (number);
  'solver': (string);
}
