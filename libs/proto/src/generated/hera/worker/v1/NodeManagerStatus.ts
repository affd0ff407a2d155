// Original file: hera/worker/v1/worker_service.proto

import type { NodeManagerMove as _hera_worker_v1_NodeManagerMove, NodeManagerMove__Output as _hera_worker_v1_NodeManagerMove__Output } from '../../../hera/worker/v1/NodeManagerMove';
import type { Long } from '@grpc/proto-loader';

export interface NodeManagerStatus {
  'enabled'?: (boolean);
  'state'?: (string);
  'intervalMs'?: (number);
  'resctrl'?: (string);
  'lastMoves'?: (_hera_worker_v1_NodeManagerMove)[];
  'moves'?: (number | string | Long);
  'undos'?: (number | string | Long);
}

export interface NodeManagerStatus__Output {
  'enabled': (boolean);
  'state': (string);
  'intervalMs': (number);
  'resctrl': (string);
  'lastMoves': (_hera_worker_v1_NodeManagerMove__Output)[];
  'moves': (number);
  'undos': (number);
}
