import { HeraError } from '@hera/errors';
import { unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { services, type Plan, type PlacementServiceHandlers } from '@hera/proto';
import type { Redis } from 'ioredis';
import type { Keyspace } from '@hera/state';
import type { DemandStore } from './demand-store';

/** hera.placement.v1.PlacementService. */
export function placementService(deps: { redis: Redis; keys: Keyspace; demand: DemandStore; log: Logger }): ServiceBinding {
  const { redis, keys, demand, log } = deps;
  const impl: Partial<PlacementServiceHandlers> = {
    SetDemand: unary(log, 'SetDemand', async req => ({ demands: await demand.set(req.demands, req.replace) })),
    GetDemand: unary(log, 'GetDemand', async () => ({ demands: await demand.get() })),
    GetPlan: unary(log, 'GetPlan', async () => {
      const raw = await redis.get(keys.plan());
      if (raw === null) throw new HeraError('NOT_FOUND', 'no plan has been applied yet');
      return { plan: JSON.parse(raw) as Plan };
    }),
  };
  return { name: 'hera.placement.v1.PlacementService', definition: services().placement, implementation: impl };
}
