// Original file: hera/gateway/v1/ranking_service.proto

import type { Timing as _hera_gateway_v1_Timing, Timing__Output as _hera_gateway_v1_Timing__Output } from '../../../hera/gateway/v1/Timing';

export interface RankResponse {
  'model'?: (string);
  'version'?: (string);
  'scores'?: (Buffer | Uint8Array | string);
  'topIndices'?: (number)[];
  'topScores'?: (number | string)[];
  'timing'?: (_hera_gateway_v1_Timing | null);
  'requestId'?: (string);
}

export interface RankResponse__Output {
  'model': (string);
  'version': (string);
  'scores': (Buffer);
  'topIndices': (number)[];
  'topScores': (number)[];
  'timing': (_hera_gateway_v1_Timing__Output | null);
  'requestId': (string);
}
