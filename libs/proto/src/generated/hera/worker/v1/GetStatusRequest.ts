// Original file: hera/worker/v1/worker_service.proto


export interface GetStatusRequest {
}

export interface GetStatusRequest__Output {
}
