// Original file: hera/placement/v1/placement_service.proto


export interface PredictorCheckRow {
  'modelA'?: (string);
  'modelB'?: (string);
  'workersA'?: (number);
  'workersB'?: (number);
  'predictedQpsA'?: (number | string);
  'predictedQpsB'?: (number | string);
  'measuredQpsA'?: (number | string);
  'measuredQpsB'?: (number | string);
  'predictedEmu'?: (number | string);
  'measuredEmu'?: (number | string);
}

export interface PredictorCheckRow__Output {
  'modelA': (string);
  'modelB': (string);
  'workersA': (number);
  'workersB': (number);
  'predictedQpsA': (number);
  'predictedQpsB': (number);
  'measuredQpsA': (number);
  'measuredQpsB': (number);
  'predictedEmu': (number);
  'measuredEmu': (number);
}
