#!/usr/bin/env node
import { telemetry } from './instrument';
import { runService } from '@hera/runtime';
import { loadConfig } from './config';
import { ProfileStore } from '@hera/state';
import { profilerService } from './server';

void runService({
  name: 'profiler',
  loadConfig,
  telemetry,
  build: async ({ log, redis, keys }) => ({
    services: [profilerService(new ProfileStore(redis, keys), log)],
  }),
});
