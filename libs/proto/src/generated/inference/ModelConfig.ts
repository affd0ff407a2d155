// Original file: inference/grpc_service.proto

import type { ModelVersionPolicy as _inference_ModelVersionPolicy, ModelVersionPolicy__Output as _inference_ModelVersionPolicy__Output } from '../inference/ModelVersionPolicy';
import type { ModelInput as _inference_ModelInput, ModelInput__Output as _inference_ModelInput__Output } from '../inference/ModelInput';
import type { ModelOutput as _inference_ModelOutput, ModelOutput__Output as _inference_ModelOutput__Output } from '../inference/ModelOutput';

export interface ModelConfig {
  'name'?: (string);
  'platform'?: (string);
  'versionPolicy'?: (_inference_ModelVersionPolicy | null);
  'maxBatchSize'?: (number);
  'input'?: (_inference_ModelInput)[];
  'output'?: (_inference_ModelOutput)[];
  'backend'?: (string);
}

export interface ModelConfig__Output {
  'name': (string);
  'platform': (string);
  'versionPolicy': (_inference_ModelVersionPolicy__Output | null);
  'maxBatchSize': (number);
  'input': (_inference_ModelInput__Output)[];
  'output': (_inference_ModelOutput__Output)[];
  'backend': (string);
}
