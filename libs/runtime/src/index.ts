export { runService } from './run-service';
export type { ServiceContext, ServiceParts, BaseServiceConfig, RunServiceOptions } from './run-service';
export { LIVENESS_SERVICE } from './readiness';
export type { Readiness } from './readiness';
export { advertisedAddress } from './address';
export { applySecurity, readTokenFile, securityOf } from './security';
export type { SecurityConfig } from './security';
