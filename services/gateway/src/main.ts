#!/usr/bin/env node
import { telemetry } from './instrument';
import { runService } from '@hera/runtime';
import { ModelStore } from '@hera/state';
import { loadConfig } from './config';
import { inferenceService, rankingService } from './server';

void runService({
  name: 'gateway',
  loadConfig,
  telemetry,
  build: async ({ log, redis, keys, lifecycle }) => {
    const models = new ModelStore(redis, keys);
    return {
      services: [rankingService(models, log), inferenceService(models, lifecycle, log)],
    };
  },
});
