// Original file: hera/worker/v1/worker_service.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeManagerMove {
  'atMs'?: (number | string | Long);
  'to'?: (string);
  'from'?: (string);
  'millis'?: (number);
  'kind'?: (string);
  'reason'?: (string);
  'undo'?: (boolean);
}

export interface NodeManagerMove__Output {
  'atMs': (number);
  'to': (string);
  'from': (string);
  'millis': (number);
  'kind': (string);
  'reason': (string);
  'undo': (boolean);
}
