// Original file: hera/placement/v1/model_registry.proto


export interface RegistryListRequest {
}

export interface RegistryListRequest__Output {
}
