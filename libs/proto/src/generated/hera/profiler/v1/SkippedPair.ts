// Original file: hera/profiler/v1/profiler_service.proto


export interface SkippedPair {
  'modelA'?: (string);
  'modelB'?: (string);
  'reason'?: (string);
}

export interface SkippedPair__Output {
  'modelA': (string);
  'modelB': (string);
  'reason': (string);
}
