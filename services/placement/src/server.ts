import type * as grpc from '@grpc/grpc-js';
import { HeraError, invalidArgument } from '@hera/errors';
import { unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { services, type PlacementServiceHandlers } from '@hera/proto';
import type { DemandStore } from '@hera/state';
import { MAX_PLAN_TIME_LIMIT_MS, MIN_PLAN_TIME_LIMIT_MS } from './limits';
import type { Planner } from './planner';
import type { Rollouts } from './rollout';

/** Aborts when the call is cancelled or its deadline passes, so a queued solve is dropped. */
function callSignal(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const ac = new AbortController();
  if (call.cancelled) ac.abort();
  else call.once('cancelled', () => ac.abort());
  return ac.signal;
}

/** PlanRequest.time_limit_ms: 0 (the configured default) or MIN..MAX_PLAN_TIME_LIMIT_MS. */
function checkTimeLimit(ms: number): void {
  if (ms !== 0 && !(Number.isInteger(ms) && ms >= MIN_PLAN_TIME_LIMIT_MS && ms <= MAX_PLAN_TIME_LIMIT_MS)) {
    throw invalidArgument(
      'time_limit_ms',
      `must be 0 (the default) or an integer in ${MIN_PLAN_TIME_LIMIT_MS}..${MAX_PLAN_TIME_LIMIT_MS}, got ${ms}`,
    );
  }
}

/** ApplyRequest.expected_version: 0 (unconditional) or a version that fits a double exactly. */
function checkVersion(v: number): void {
  if (!(Number.isSafeInteger(v) && v >= 0))
    throw invalidArgument('expected_version', `must be an integer in 0..${Number.MAX_SAFE_INTEGER}, got ${v}`);
}

/** hera.placement.v1.PlacementService. */
export function placementService(deps: {
  planner: Planner;
  demand: DemandStore;
  rollouts: Pick<Rollouts, 'request' | 'get'>;
  log: Logger;
}): ServiceBinding {
  const { planner, demand, rollouts, log } = deps;
  const impl: PlacementServiceHandlers = {
    SetDemand: unary(log, 'SetDemand', async req => ({ demands: await planner.setDemand(req.demands, req.replace) })),
    GetDemand: unary(log, 'GetDemand', async () => ({ demands: await demand.get() })),
    Plan: unary(log, 'Plan', async (req, call) => {
      checkTimeLimit(req.timeLimitMs);
      const c = await planner.compute(
        { nodeClass: req.nodeClass, demands: req.demands, timeLimitMs: req.timeLimitMs },
        callSignal(call),
      );
      return { plan: c.plan, strategies: c.strategies };
    }),
    Apply: unary(log, 'Apply', async (req, call) => {
      const expectedVersion = Number(req.expectedVersion);
      checkVersion(expectedVersion);
      const { plan, changed } = await planner.apply(
        {
          nodeClass: req.nodeClass,
          expectedVersion,
          pinned: req.pinned.map(p => ({ config: p.config, count: p.count })),
        },
        callSignal(call),
      );
      return { plan, changed };
    }),
    GetPlan: unary(log, 'GetPlan', async () => {
      const plan = await planner.current();
      if (!plan) throw new HeraError('NOT_FOUND', 'no plan has been applied yet');
      return { plan };
    }),
    Explain: unary(log, 'Explain', async (req, call) => {
      if (req.dryRun) {
        const c = await planner.compute({}, callSignal(call));
        return { configs: c.explanation, strategies: c.strategies, predictor: c.predictor };
      }
      const e = await planner.currentExplanation();
      if (!e)
        throw new HeraError(
          'NOT_FOUND',
          'no plan has been applied yet (Explain with dry_run explains a plan for the current demand)',
        );
      return e;
    }),
    StartRollout: unary(log, 'StartRollout', async req => ({
      rollout: await rollouts.request(req.model, req.version),
    })),
    GetRollout: unary(log, 'GetRollout', async req => ({ rollout: await rollouts.get(req.id) })),
  };
  return { name: 'hera.placement.v1.PlacementService', definition: services().placement, implementation: impl };
}
