// Original file: hera/worker/v1/worker_service.proto

import type { Long } from '@grpc/proto-loader';

export interface InferResponse {
  'scores'?: (Buffer | Uint8Array | string);
  'version'?: (string);
  'queueUs'?: (number | string | Long);
  'computeUs'?: (number | string | Long);
}

export interface InferResponse__Output {
  'scores': (Buffer);
  'version': (string);
  'queueUs': (number);
  'computeUs': (number);
}
