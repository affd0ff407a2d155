// Original file: hera/worker/v1/worker_service.proto


export interface NamedTensor {
  'name'?: (string);
  'datatype'?: (string);
  'shape'?: (number)[];
  'data'?: (Buffer | Uint8Array | string);
}

export interface NamedTensor__Output {
  'name': (string);
  'datatype': (string);
  'shape': (number)[];
  'data': (Buffer);
}
