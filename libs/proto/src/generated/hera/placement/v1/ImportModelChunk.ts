// Original file: hera/placement/v1/model_registry.proto


export interface ImportModelChunk {
  'path'?: (string);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ImportModelChunk__Output {
  'path': (string);
  'data': (Buffer);
}
