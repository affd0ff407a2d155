// Original file: hera/gateway/v1/ranking_service.proto


export interface TableInfo {
  'name'?: (string);
  'rows'?: (number);
  'lookups'?: (number);
  'dim'?: (number);
}

export interface TableInfo__Output {
  'name': (string);
  'rows': (number);
  'lookups': (number);
  'dim': (number);
}
