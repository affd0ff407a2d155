// Original file: hera/worker/v1/worker_service.proto


export interface RemoveTenantRequest {
  'model'?: (string);
}

export interface RemoveTenantRequest__Output {
  'model': (string);
}
