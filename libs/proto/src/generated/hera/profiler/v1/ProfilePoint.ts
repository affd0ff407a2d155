// Original file: hera/profiler/v1/profiler_service.proto


export interface ProfilePoint {
  'workers'?: (number);
  'qps'?: (number | string);
  'p95Ms'?: (number | string);
  'subBatch'?: (number);
  'scalability'?: (number | string);
  'recheckP95Ms'?: (number | string);
}

export interface ProfilePoint__Output {
  'workers': (number);
  'qps': (number);
  'p95Ms': (number);
  'subBatch': (number);
  'scalability': (number);
  'recheckP95Ms': (number);
}
