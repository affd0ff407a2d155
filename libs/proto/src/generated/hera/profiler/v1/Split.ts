// Original file: hera/profiler/v1/profiler_service.proto


export interface Split {
  'workersA'?: (number);
  'workersB'?: (number);
}

export interface Split__Output {
  'workersA': (number);
  'workersB': (number);
}
