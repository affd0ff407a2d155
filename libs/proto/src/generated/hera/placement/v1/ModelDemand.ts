// Original file: hera/placement/v1/placement_service.proto


export interface ModelDemand {
  'model'?: (string);
  'qps'?: (number | string);
  'dedicatedUnits'?: (number | string);
}

export interface ModelDemand__Output {
  'model': (string);
  'qps': (number);
  'dedicatedUnits': (number);
}
