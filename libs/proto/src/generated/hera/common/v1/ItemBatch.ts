// Original file: hera/common/v1/common.proto


export interface ItemBatch {
  'itemCount'?: (number);
  'dense'?: (Buffer | Uint8Array | string);
  'sparse'?: (Buffer | Uint8Array | string);
}

export interface ItemBatch__Output {
  'itemCount': (number);
  'dense': (Buffer);
  'sparse': (Buffer);
}
