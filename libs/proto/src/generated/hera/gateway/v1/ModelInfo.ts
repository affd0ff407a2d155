// Original file: hera/gateway/v1/ranking_service.proto

import type { TableInfo as _hera_gateway_v1_TableInfo, TableInfo__Output as _hera_gateway_v1_TableInfo__Output } from '../../../hera/gateway/v1/TableInfo';

export interface ModelInfo {
  'name'?: (string);
  'version'?: (string);
  'denseDim'?: (number);
  'tables'?: (_hera_gateway_v1_TableInfo)[];
  'slaMs'?: (number | string);
  'subBatchSize'?: (number);
  'kind'?: (string);
  'denseDatatype'?: (string);
  'denseScale'?: (number | string)[];
  'denseZeroPoint'?: (number)[];
}

export interface ModelInfo__Output {
  'name': (string);
  'version': (string);
  'denseDim': (number);
  'tables': (_hera_gateway_v1_TableInfo__Output)[];
  'slaMs': (number);
  'subBatchSize': (number);
  'kind': (string);
  'denseDatatype': (string);
  'denseScale': (number)[];
  'denseZeroPoint': (number)[];
}
