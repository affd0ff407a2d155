// Original file: hera/worker/v1/worker_service.proto

import type { InferRequest as _hera_worker_v1_InferRequest, InferRequest__Output as _hera_worker_v1_InferRequest__Output } from '../../../hera/worker/v1/InferRequest';
import type { Long } from '@grpc/proto-loader';

export interface InferStreamRequest {
  'tag'?: (number);
  'request'?: (_hera_worker_v1_InferRequest | null);
  'deadlineMs'?: (number | string | Long);
  'traceparent'?: (string);
  'tracestate'?: (string);
}

export interface InferStreamRequest__Output {
  'tag': (number);
  'request': (_hera_worker_v1_InferRequest__Output | null);
  'deadlineMs': (number);
  'traceparent': (string);
  'tracestate': (string);
}
