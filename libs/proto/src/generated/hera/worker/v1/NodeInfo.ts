// Original file: hera/worker/v1/worker_service.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'nodeId'?: (string);
  'endpoint'?: (string);
  'nodeClass'?: (string);
  'cores'?: (number);
  'memoryBytes'?: (number | string | Long);
  'cgroupMode'?: (string);
  'backend'?: (string);
  'labels'?: ({[key: string]: string});
  'resctrl'?: (boolean);
}

export interface NodeInfo__Output {
  'nodeId': (string);
  'endpoint': (string);
  'nodeClass': (string);
  'cores': (number);
  'memoryBytes': (number);
  'cgroupMode': (string);
  'backend': (string);
  'labels': ({[key: string]: string});
  'resctrl': (boolean);
}
