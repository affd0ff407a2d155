// Original file: hera/profiler/v1/profiler_service.proto

import type { PairSplit as _hera_profiler_v1_PairSplit, PairSplit__Output as _hera_profiler_v1_PairSplit__Output } from '../../../hera/profiler/v1/PairSplit';
import type { Long } from '@grpc/proto-loader';

export interface PairProfile {
  'nodeClass'?: (string);
  'modelA'?: (string);
  'modelB'?: (string);
  'splits'?: (_hera_profiler_v1_PairSplit)[];
  'measuredAtMs'?: (number | string | Long);
  'method'?: (string);
  'slaMsA'?: (number | string);
  'slaMsB'?: (number | string);
  'via'?: (string);
  'backendA'?: (string);
  'backendB'?: (string);
}

export interface PairProfile__Output {
  'nodeClass': (string);
  'modelA': (string);
  'modelB': (string);
  'splits': (_hera_profiler_v1_PairSplit__Output)[];
  'measuredAtMs': (number);
  'method': (string);
  'slaMsA': (number);
  'slaMsB': (number);
  'via': (string);
  'backendA': (string);
  'backendB': (string);
}
