import type { Readiness } from '@hera/runtime';
import type { PlannedModels } from './routing';

/** What readiness looks at: the routing table and the model catalog, as the query path sees them. */
export interface ReadinessView {
  plannedModels(): PlannedModels | undefined;
  /** Models with at least one replica routed. */
  models(): string[];
}

/**
 * Whether the gateway can answer queries: with an applied plan, every model the
 * plan places on a node is in the catalog and routed; without one, at least one
 * model is. Until then grpc.health.v1 ("" and the service names) and OIP
 * ServerReady say no, so a load balancer or `hera up` does not send queries that
 * would fail "no replica … is up" (a restarted gateway used to say SERVING before
 * its first refresh). Liveness (ServerLive, LIVENESS_SERVICE) does not wait for this.
 */
export function gatewayReadiness(routing: ReadinessView, catalog: { get(name: string): unknown }): Readiness {
  const routed = routing.models().filter(m => catalog.get(m) !== undefined);
  const plan = routing.plannedModels();
  if (!plan) {
    return routed.length > 0
      ? { ready: true, reason: `no plan applied; routing ${routed.sort().join(', ')}` }
      : { ready: false, reason: 'no plan applied and no registered model has a serving tenant' };
  }
  if (plan.models.length === 0) return { ready: false, reason: `plan v${plan.version} places no model on a node` };
  const have = new Set(routed);
  const missing = plan.models.filter(m => !have.has(m));
  return missing.length === 0
    ? { ready: true, reason: `routing every model of plan v${plan.version}` }
    : { ready: false, reason: `plan v${plan.version}: no route yet for ${missing.join(', ')}` };
}
