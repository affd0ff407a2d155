// Original file: hera/placement/v1/placement_service.proto


export interface GetDemandRequest {
}

export interface GetDemandRequest__Output {
}
