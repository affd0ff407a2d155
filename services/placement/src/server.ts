import { HeraError } from '@hera/errors';
import { unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { services, type PlacementServiceHandlers } from '@hera/proto';
import type { DemandStore } from './demand-store';
import type { Planner } from './planner';

/** hera.placement.v1.PlacementService. */
export function placementService(deps: { planner: Planner; demand: DemandStore; log: Logger }): ServiceBinding {
  const { planner, demand, log } = deps;
  const impl: PlacementServiceHandlers = {
    SetDemand: unary(log, 'SetDemand', async req => {
      const demands = await planner.toQps(req.demands);
      await planner.checkDemand(demands);
      return { demands: await demand.set(demands, req.replace) };
    }),
    GetDemand: unary(log, 'GetDemand', async () => ({ demands: await demand.get() })),
    Plan: unary(log, 'Plan', async req => {
      const c = await planner.compute({ nodeClass: req.nodeClass, demands: req.demands, timeLimitMs: req.timeLimitMs });
      return { plan: c.plan, strategies: c.strategies };
    }),
    Apply: unary(log, 'Apply', async req => {
      const { plan, changed } = await planner.apply({ nodeClass: req.nodeClass, expectedVersion: Number(req.expectedVersion), pinned: req.pinned.map(p => ({ config: p.config, count: p.count })) });
      return { plan, changed };
    }),
    GetPlan: unary(log, 'GetPlan', async () => {
      const plan = await planner.current();
      if (!plan) throw new HeraError('NOT_FOUND', 'no plan has been applied yet');
      return { plan };
    }),
    Explain: unary(log, 'Explain', async req => {
      if (req.dryRun) {
        const c = await planner.compute();
        return { configs: c.explanation, strategies: c.strategies, predictor: c.predictor };
      }
      const e = await planner.currentExplanation();
      if (!e) throw new HeraError('NOT_FOUND', 'no plan has been applied yet (Explain with dry_run explains a plan for the current demand)');
      return e;
    }),
  };
  return { name: 'hera.placement.v1.PlacementService', definition: services().placement, implementation: impl };
}
