#!/usr/bin/env node
import { telemetry } from './instrument';
import { runService } from '@hera/runtime';
import { createSubscriber } from '@hera/state';
import { ModelCatalog } from './catalog';
import { loadConfig } from './config';
import { Ranker } from './ranker';
import { RoutingTable } from './routing';
import { gatewayMetrics, inferenceService, rankingService } from './server';

void runService({
  name: 'gateway',
  loadConfig,
  telemetry,
  build: async ({ config, log, redis, keys, lifecycle, metrics }) => {
    const catalog = new ModelCatalog(redis, keys, log.child({ component: 'catalog' }));
    const routing = new RoutingTable(redis, keys, log.child({ component: 'routing' }));
    const ranker = new Ranker(catalog, routing, {
      maxItems: config.MAX_ITEMS,
      deadlineSlaMultiple: config.DEFAULT_DEADLINE_SLA_MULTIPLE,
      admissionControl: config.ADMISSION_CONTROL === 'on',
      validateValues: config.VALIDATE_VALUES === 'on',
    });
    const refresh = () => Promise.all([catalog.refresh(), routing.refresh()]);
    // Invalidation by pub/sub (plan applied, node joined/left/changed, model registered) plus a
    // periodic safety refresh; all off the query path.
    const sub = createSubscriber(redis, err => log.warn({ err: err.message }, 'subscription error'));
    let timer: NodeJS.Timeout | undefined;
    let pending: Promise<unknown> | undefined;
    const schedule = () => {
      pending ??= refresh().finally(() => (pending = undefined));
    };
    const deps = { catalog, routing, ranker, lifecycle, metrics: gatewayMetrics(metrics), log };
    return {
      services: [rankingService(deps), inferenceService(deps)],
      start: async () => {
        await refresh();
        await sub.subscribe(keys.planChannel(), keys.nodeChannel(), keys.modelChannel());
        sub.on('message', schedule);
        timer = setInterval(schedule, config.ROUTING_REFRESH_MS);
        timer.unref();
        log.info({ models: catalog.list().map(x => x.name), routes: routing.models() }, 'routing loaded');
      },
      shutdownSteps: [
        ['routing', async () => {
          clearInterval(timer);
          await sub.quit().catch(() => undefined);
          routing.close();
        }],
      ],
    };
  },
});
