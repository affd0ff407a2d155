// Original file: hera/placement/v1/placement_service.proto

import type { PinnedConfig as _hera_placement_v1_PinnedConfig, PinnedConfig__Output as _hera_placement_v1_PinnedConfig__Output } from '../../../hera/placement/v1/PinnedConfig';
import type { Long } from '@grpc/proto-loader';

export interface ApplyRequest {
  'expectedVersion'?: (number | string | Long);
  'nodeClass'?: (string);
  'pinned'?: (_hera_placement_v1_PinnedConfig)[];
}

export interface ApplyRequest__Output {
  'expectedVersion': (number);
  'nodeClass': (string);
  'pinned': (_hera_placement_v1_PinnedConfig__Output)[];
}
