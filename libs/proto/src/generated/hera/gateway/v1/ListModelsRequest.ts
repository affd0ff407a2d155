// Original file: hera/gateway/v1/ranking_service.proto


export interface ListModelsRequest {
}

export interface ListModelsRequest__Output {
}
