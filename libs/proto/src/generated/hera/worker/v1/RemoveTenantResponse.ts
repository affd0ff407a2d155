// Original file: hera/worker/v1/worker_service.proto


export interface RemoveTenantResponse {
  'removed'?: (boolean);
}

export interface RemoveTenantResponse__Output {
  'removed': (boolean);
}
