// Original file: hera/placement/v1/placement_service.proto


export interface StrategyResult {
  'strategy'?: (string);
  'servers'?: (number);
  'meanEmu'?: (number | string);
  'solveMs'?: (number | string);
  'solver'?: (string);
}

export interface StrategyResult__Output {
  'strategy': (string);
  'servers': (number);
  'meanEmu': (number);
  'solveMs': (number);
  'solver': (string);
}
