// Original file: hera/gateway/v1/ranking_service.proto

import type { ItemBatch as _hera_common_v1_ItemBatch, ItemBatch__Output as _hera_common_v1_ItemBatch__Output } from '../../../hera/common/v1/ItemBatch';

export interface RankRequest {
  'model'?: (string);
  'version'?: (string);
  'items'?: (_hera_common_v1_ItemBatch | null);
  'topK'?: (number);
  'timeoutMs'?: (number);
  'requestId'?: (string);
}

export interface RankRequest__Output {
  'model': (string);
  'version': (string);
  'items': (_hera_common_v1_ItemBatch__Output | null);
  'topK': (number);
  'timeoutMs': (number);
  'requestId': (string);
}
