// Original file: hera/placement/v1/placement_service.proto

import type { PredictorCheckRow as _hera_placement_v1_PredictorCheckRow, PredictorCheckRow__Output as _hera_placement_v1_PredictorCheckRow__Output } from '../../../hera/placement/v1/PredictorCheckRow';

export interface PredictorCheck {
  'splits'?: (number);
  'qpsErrorMean'?: (number | string);
  'qpsErrorMax'?: (number | string);
  'emuErrorMean'?: (number | string);
  'emuErrorMax'?: (number | string);
  'rows'?: (_hera_placement_v1_PredictorCheckRow)[];
}

export interface PredictorCheck__Output {
  'splits': (number);
  'qpsErrorMean': (number);
  'qpsErrorMax': (number);
  'emuErrorMean': (number);
  'emuErrorMax': (number);
  'rows': (_hera_placement_v1_PredictorCheckRow__Output)[];
}
