#!/usr/bin/env node
import { telemetry } from './instrument';
import { runService } from '@hera/runtime';
import { createSubscriber, NodeStore, PlanStore } from '@hera/state';
import { ModelCatalog } from './catalog';
import { loadConfig } from './config';
import { Ranker } from './ranker';
import { gatewayReadiness } from './readiness';
import { RoutingTable } from './routing';
import { GatewayMetrics } from './gateway-metrics';
import { RegistryLink } from './registry-link';
import { inferenceService, rankingService } from './server';

void runService({
  name: 'gateway',
  loadConfig,
  telemetry,
  build: async ({ config, log, redis, keys, lifecycle, metrics, readinessChanged }) => {
    const catalog = new ModelCatalog(redis, keys, log.child({ component: 'catalog' }));
    const routing = new RoutingTable(
      { plans: new PlanStore(redis, keys), nodes: new NodeStore(redis, keys) },
      log.child({ component: 'routing' }),
    );
    const ranker = new Ranker(catalog, routing, {
      maxItems: config.MAX_ITEMS,
      deadlineSlaMultiple: config.DEFAULT_DEADLINE_SLA_MULTIPLE,
      admissionControl: config.ADMISSION_CONTROL === 'on',
      validateValues: config.VALIDATE_VALUES === 'on',
    });
    // Both keep what they had when Redis cannot be read or lost records (see RoutingTable).
    const refresh = async () => {
      await Promise.all([catalog.refresh(), routing.refresh()]);
      readinessChanged();
    };
    // Invalidation by pub/sub (plan applied, node joined/left/changed, model registered) plus a
    // periodic safety refresh, which also re-syncs after Redis comes back; all off the query path.
    const sub = createSubscriber(redis, err => log.warn({ err: err.message }, 'subscription error'));
    let timer: NodeJS.Timeout | undefined;
    let pending: Promise<unknown> | undefined;
    let again = false;
    // One refresh at a time; an event during one (it may wait up to a second on health checks)
    // gets one more after it, so a change published meanwhile is not left to the next tick.
    const schedule = () => {
      if (pending) {
        again = true;
        return;
      }
      pending = refresh()
        .catch(err => log.error({ err }, 'routing refresh failed'))
        .finally(() => {
          pending = undefined;
          if (again) {
            again = false;
            schedule();
          }
        });
    };
    const registry = new RegistryLink(redis, keys, config.PLACEMENT_ADDR);
    const deps = {
      catalog,
      routing,
      ranker,
      lifecycle,
      metrics: new GatewayMetrics(metrics),
      log,
      maxItems: config.MAX_ITEMS,
      streamMaxInFlight: config.STREAM_MAX_IN_FLIGHT,
      registry,
    };
    return {
      services: [rankingService(deps), inferenceService(deps)],
      readiness: () => gatewayReadiness(routing, catalog),
      start: async () => {
        await refresh();
        await sub.subscribe(keys.planChannel(), keys.nodeChannel(), keys.modelChannel());
        sub.on('message', schedule);
        // Back from a Redis restart or a broken link: re-sync now rather than at the next tick.
        sub.on('ready', schedule);
        timer = setInterval(schedule, config.ROUTING_REFRESH_MS);
        timer.unref();
        log.info({ models: catalog.list().map(x => x.name), routes: routing.models() }, 'routing loaded');
      },
      shutdownSteps: [
        [
          'routing',
          async () => {
            clearInterval(timer);
            await sub.quit().catch(() => undefined);
            routing.close();
            registry.close();
          },
        ],
      ],
    };
  },
});
