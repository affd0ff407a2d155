// Original file: hera/worker/v1/worker_service.proto

import type { NamedTensor as _hera_worker_v1_NamedTensor, NamedTensor__Output as _hera_worker_v1_NamedTensor__Output } from '../../../hera/worker/v1/NamedTensor';
import type { Long } from '@grpc/proto-loader';

export interface InferResponse {
  'scores'?: (Buffer | Uint8Array | string);
  'version'?: (string);
  'queueUs'?: (number | string | Long);
  'computeUs'?: (number | string | Long);
  'outputs'?: (_hera_worker_v1_NamedTensor)[];
}

export interface InferResponse__Output {
  'scores': (Buffer);
  'version': (string);
  'queueUs': (number);
  'computeUs': (number);
  'outputs': (_hera_worker_v1_NamedTensor__Output)[];
}
