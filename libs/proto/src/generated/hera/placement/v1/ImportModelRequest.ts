// Original file: hera/placement/v1/model_registry.proto

import type { ImportModelHeader as _hera_placement_v1_ImportModelHeader, ImportModelHeader__Output as _hera_placement_v1_ImportModelHeader__Output } from '../../../hera/placement/v1/ImportModelHeader';
import type { ImportModelChunk as _hera_placement_v1_ImportModelChunk, ImportModelChunk__Output as _hera_placement_v1_ImportModelChunk__Output } from '../../../hera/placement/v1/ImportModelChunk';

export interface ImportModelRequest {
  'header'?: (_hera_placement_v1_ImportModelHeader | null);
  'chunk'?: (_hera_placement_v1_ImportModelChunk | null);
  'part'?: "header"|"chunk";
}

export interface ImportModelRequest__Output {
  'header'?: (_hera_placement_v1_ImportModelHeader__Output | null);
  'chunk'?: (_hera_placement_v1_ImportModelChunk__Output | null);
  'part'?: "header"|"chunk";
}
