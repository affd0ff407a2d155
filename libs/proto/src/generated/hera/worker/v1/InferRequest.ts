// Original file: hera/worker/v1/worker_service.proto

import type { ItemBatch as _hera_common_v1_ItemBatch, ItemBatch__Output as _hera_common_v1_ItemBatch__Output } from '../../../hera/common/v1/ItemBatch';
import type { NamedTensor as _hera_worker_v1_NamedTensor, NamedTensor__Output as _hera_worker_v1_NamedTensor__Output } from '../../../hera/worker/v1/NamedTensor';

export interface InferRequest {
  'model'?: (string);
  'version'?: (string);
  'items'?: (_hera_common_v1_ItemBatch | null);
  'requestId'?: (string);
  'tensors'?: (_hera_worker_v1_NamedTensor)[];
  'outputs'?: (string)[];
}

export interface InferRequest__Output {
  'model': (string);
  'version': (string);
  'items': (_hera_common_v1_ItemBatch__Output | null);
  'requestId': (string);
  'tensors': (_hera_worker_v1_NamedTensor__Output)[];
  'outputs': (string)[];
}
