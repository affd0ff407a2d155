#!/usr/bin/env node
import { telemetry } from './instrument';
import { loadMilpSolver } from '@hera/hera';
import { openQueue } from '@hera/queues';
import { runService } from '@hera/runtime';
import { connectRedis, ModelStore, ProfileStore } from '@hera/state';
import { loadConfig } from './config';
import { DemandStore } from './demand-store';
import { Planner } from './planner';
import { ProfileSource } from './profile-source';
import { Replanner } from './replanner';
import { placementService } from './server';

void runService({
  name: 'placement',
  loadConfig,
  telemetry,
  build: async ({ config, log, redis, keys }) => {
    const models = new ModelStore(redis, keys);
    const demand = new DemandStore(redis, keys, models);
    const source = new ProfileSource(new ProfileStore(redis, keys), models, log.child({ component: 'profiles' }));
    source.loadBase(config.PROFILE_SETS);
    const solver = await loadMilpSolver();
    const planner = new Planner(redis, keys, source, demand, solver, config.PLAN_TIME_LIMIT_MS, log.child({ component: 'planner' }));
    // BullMQ needs its own blocking connection (maxRetriesPerRequest: null).
    const bull = await connectRedis(config.REDIS_URL, { name: 'placement-bull', offlineQueue: true, maxRetriesPerRequest: null, onError: err => log.warn({ err: err.message }, 'bullmq redis error') });
    const queue = openQueue('replan', keys, bull);
    queue.on('error', err => log.warn({ err: err.message }, 'replan queue error'));
    const replanner = new Replanner(redis, keys, queue, planner, { connection: bull, sweepMs: config.NODE_SWEEP_MS, delayMs: config.REPLAN_DELAY_MS }, log.child({ component: 'replan' }));
    return {
      services: [placementService({ planner, demand, log })],
      start: () => replanner.start(),
      shutdownSteps: [
        ['replan', () => replanner.stop()],
        ['queues', async () => {
          await queue.close();
          await bull.quit();
        }],
      ],
    };
  },
});
