export { runService } from './run-service';
export type { ServiceContext, ServiceParts, BaseServiceConfig, RunServiceOptions } from './run-service';
export { advertisedAddress } from './address';
