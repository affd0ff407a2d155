// Original file: hera/placement/v1/placement_service.proto


export interface GetPlanRequest {
}

export interface GetPlanRequest__Output {
}
