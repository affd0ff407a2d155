// Original file: hera/placement/v1/model_registry.proto


export interface _hera_placement_v1_VersionPolicy_All {
}

export interface _hera_placement_v1_VersionPolicy_All__Output {
}

export interface _hera_placement_v1_VersionPolicy_Latest {
  'numVersions'?: (number);
}

export interface _hera_placement_v1_VersionPolicy_Latest__Output {
  'numVersions': (number);
}

export interface _hera_placement_v1_VersionPolicy_Specific {
  'versions'?: (string)[];
}

export interface _hera_placement_v1_VersionPolicy_Specific__Output {
  'versions': (string)[];
}

export interface VersionPolicy {
  'latest'?: (_hera_placement_v1_VersionPolicy_Latest | null);
  'all'?: (_hera_placement_v1_VersionPolicy_All | null);
  'specific'?: (_hera_placement_v1_VersionPolicy_Specific | null);
  'policyChoice'?: "latest"|"all"|"specific";
}

export interface VersionPolicy__Output {
  'latest'?: (_hera_placement_v1_VersionPolicy_Latest__Output | null);
  'all'?: (_hera_placement_v1_VersionPolicy_All__Output | null);
  'specific'?: (_hera_placement_v1_VersionPolicy_Specific__Output | null);
  'policyChoice'?: "latest"|"all"|"specific";
}
