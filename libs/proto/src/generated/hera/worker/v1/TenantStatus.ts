// Original file: hera/worker/v1/worker_service.proto

import type { TenantAllocation as _hera_common_v1_TenantAllocation, TenantAllocation__Output as _hera_common_v1_TenantAllocation__Output } from '../../../hera/common/v1/TenantAllocation';
import type { LatencySummary as _hera_common_v1_LatencySummary, LatencySummary__Output as _hera_common_v1_LatencySummary__Output } from '../../../hera/common/v1/LatencySummary';
import type { Long } from '@grpc/proto-loader';

export interface TenantStatus {
  'allocation'?: (_hera_common_v1_TenantAllocation | null);
  'state'?: (string);
  'latency'?: (_hera_common_v1_LatencySummary | null);
  'servedQps'?: (number | string);
  'servedItemsPerS'?: (number | string);
  'queueDepth'?: (number);
  'memoryBytes'?: (number | string | Long);
  'restarts'?: (number);
  'lastRestartCause'?: (string);
  'endpoint'?: (string);
  'version'?: (string);
  'errors'?: ({[key: string]: number | string | Long});
  'plannedAllocation'?: (_hera_common_v1_TenantAllocation | null);
  'recent'?: (_hera_common_v1_LatencySummary | null);
  'backend'?: (string);
}

export interface TenantStatus__Output {
  'allocation': (_hera_common_v1_TenantAllocation__Output | null);
  'state': (string);
  'latency': (_hera_common_v1_LatencySummary__Output | null);
  'servedQps': (number);
  'servedItemsPerS': (number);
  'queueDepth': (number);
  'memoryBytes': (number);
  'restarts': (number);
  'lastRestartCause': (string);
  'endpoint': (string);
  'version': (string);
  'errors': ({[key: string]: number});
  'plannedAllocation': (_hera_common_v1_TenantAllocation__Output | null);
  'recent': (_hera_common_v1_LatencySummary__Output | null);
  'backend': (string);
}
