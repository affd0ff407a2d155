// Original file: hera/gateway/v1/ranking_service.proto

import type { Long } from '@grpc/proto-loader';

export interface Timing {
  'queueUs'?: (number | string | Long);
  'inferenceUs'?: (number | string | Long);
  'totalUs'?: (number | string | Long);
  'subBatches'?: (number);
}

export interface Timing__Output {
  'queueUs': (number);
  'inferenceUs': (number);
  'totalUs': (number);
  'subBatches': (number);
}
