// Original file: hera/placement/v1/placement_service.proto


export interface TenantShare {
  'model'?: (string);
  'workers'?: (number);
  'qps'?: (number | string);
  'qpsMax'?: (number | string);
  'kind'?: (string);
  'profileSource'?: (string);
}

export interface TenantShare__Output {
  'model': (string);
  'workers': (number);
  'qps': (number);
  'qpsMax': (number);
  'kind': (string);
  'profileSource': (string);
}
