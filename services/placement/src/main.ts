#!/usr/bin/env node
import { telemetry } from './instrument';
import { runService } from '@hera/runtime';
import { ModelStore } from '@hera/state';
import { loadConfig } from './config';
import { DemandStore } from './demand-store';
import { placementService } from './server';

void runService({
  name: 'placement',
  loadConfig,
  telemetry,
  build: async ({ log, redis, keys }) => {
    const demand = new DemandStore(redis, keys, new ModelStore(redis, keys));
    return { services: [placementService({ redis, keys, demand, log })] };
  },
});
