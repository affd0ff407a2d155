// Original file: hera/profiler/v1/profiler_service.proto


export interface JobProgress {
  'jobId'?: (string);
  'state'?: (string);
  'fraction'?: (number | string);
  'point'?: (string);
  'rateQps'?: (number | string);
  'p95Ms'?: (number | string);
  'etaS'?: (number | string);
  'error'?: (string);
}

export interface JobProgress__Output {
  'jobId': (string);
  'state': (string);
  'fraction': (number);
  'point': (string);
  'rateQps': (number);
  'p95Ms': (number);
  'etaS': (number);
  'error': (string);
}
