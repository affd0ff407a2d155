// Original file: hera/placement/v1/placement_service.proto


export interface Alternative {
  'config'?: (string);
  'emu'?: (number | string);
  'whyNot'?: (string);
}

export interface Alternative__Output {
  'config': (string);
  'emu': (number);
  'whyNot': (string);
}
