// Original file: hera/profiler/v1/profiler_service.proto


export interface PlannedSplit {
  'workersA'?: (number);
  'workersB'?: (number);
  'predictedQpsA'?: (number | string);
  'predictedQpsB'?: (number | string);
  'predictedEmu'?: (number | string);
}

export interface PlannedSplit__Output {
  'workersA': (number);
  'workersB': (number);
  'predictedQpsA': (number);
  'predictedQpsB': (number);
  'predictedEmu': (number);
}
