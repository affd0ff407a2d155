// Original file: hera/profiler/v1/profiler_service.proto


export interface StartPairProfilesRequest {
  'models'?: (string)[];
  'splitsPerPair'?: (number);
  'controls'?: (number);
  'nodeId'?: (string);
  'quick'?: (boolean);
  'slaFactor'?: (number | string);
  'via'?: (string);
  '_controls'?: "controls";
}

export interface StartPairProfilesRequest__Output {
  'models': (string)[];
  'splitsPerPair': (number);
  'controls'?: (number);
  'nodeId': (string);
  'quick': (boolean);
  'slaFactor': (number);
  'via': (string);
  '_controls'?: "controls";
}
