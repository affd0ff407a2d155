// Original file: inference/grpc_service.proto

import type { DataType as _inference_DataType, DataType__Output as _inference_DataType__Output } from '../inference/DataType';
import type { Long } from '@grpc/proto-loader';

export interface ModelInput {
  'name'?: (string);
  'dataType'?: (_inference_DataType);
  'dims'?: (number | string | Long)[];
  'optional'?: (boolean);
}

export interface ModelInput__Output {
  'name': (string);
  'dataType': (_inference_DataType__Output);
  'dims': (number)[];
  'optional': (boolean);
}
