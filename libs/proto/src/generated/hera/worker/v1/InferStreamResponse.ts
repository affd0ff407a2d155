// Original file: hera/worker/v1/worker_service.proto

import type { InferResponse as _hera_worker_v1_InferResponse, InferResponse__Output as _hera_worker_v1_InferResponse__Output } from '../../../hera/worker/v1/InferResponse';

export interface InferStreamResponse {
  'tag'?: (number);
  'response'?: (_hera_worker_v1_InferResponse | null);
  'code'?: (number);
  'message'?: (string);
}

export interface InferStreamResponse__Output {
  'tag': (number);
  'response': (_hera_worker_v1_InferResponse__Output | null);
  'code': (number);
  'message': (string);
}
