// Original file: hera/worker/v1/worker_service.proto

import type { ItemBatch as _hera_common_v1_ItemBatch, ItemBatch__Output as _hera_common_v1_ItemBatch__Output } from '../../../hera/common/v1/ItemBatch';

export interface InferRequest {
  'model'?: (string);
  'version'?: (string);
  'items'?: (_hera_common_v1_ItemBatch | null);
  'requestId'?: (string);
}

export interface InferRequest__Output {
  'model': (string);
  'version': (string);
  'items': (_hera_common_v1_ItemBatch__Output | null);
  'requestId': (string);
}
