// Original file: hera/profiler/v1/profiler_service.proto


export interface PairSplit {
  'workersA'?: (number);
  'workersB'?: (number);
  'qpsA'?: (number | string);
  'qpsB'?: (number | string);
  'p95MsA'?: (number | string);
  'p95MsB'?: (number | string);
  'fraction'?: (number | string);
}

export interface PairSplit__Output {
  'workersA': (number);
  'workersB': (number);
  'qpsA': (number);
  'qpsB': (number);
  'p95MsA': (number);
  'p95MsB': (number);
  'fraction': (number);
}
