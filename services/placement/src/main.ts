#!/usr/bin/env node
import { resolve } from 'node:path';
import { telemetry } from './instrument';
import { openQueue } from '@hera/queues';
import { runService } from '@hera/runtime';
import { connectRedis, DemandStore, ModelStore, NodeStore, PlanStore, ProfileStore } from '@hera/state';
import { loadConfig } from './config';
import { MAX_WAITING_SOLVES, SOLVER_HEAP_MIB } from './limits';
import { Planner } from './planner';
import { registerPlanMetrics } from './plan-metrics';
import { ProfileSource } from './profile-source';
import { Replanner } from './replanner';
import { ModelRegistry, registryService } from './registry';
import { Rollouts } from './rollout';
import { placementService } from './server';
import { SolverThread } from './solver';

void runService({
  name: 'placement',
  loadConfig,
  telemetry,
  build: async ({ config, log, redis, keys, metrics }) => {
    const models = new ModelStore(redis, keys);
    const plans = new PlanStore(redis, keys);
    registerPlanMetrics(metrics, plans);
    const demand = new DemandStore(redis, keys);
    const source = new ProfileSource(new ProfileStore(redis, keys), models, log.child({ component: 'profiles' }));
    source.loadBase(config.PROFILE_SETS);
    // The solve runs on its own thread so health checks and other RPCs answer while it runs.
    const solver = new SolverThread({
      graceMs: config.PLAN_SOLVE_GRACE_MS,
      defaultTimeLimitMs: config.PLAN_TIME_LIMIT_MS,
      maxWaiting: MAX_WAITING_SOLVES,
      heapMib: SOLVER_HEAP_MIB,
      log: log.child({ component: 'solver' }),
      metrics,
    });
    await solver.start();
    const planner = new Planner(
      {
        nodes: new NodeStore(redis, keys),
        plans,
        profiles: source,
        demand,
        models,
        solver,
      },
      config.PLAN_TIME_LIMIT_MS,
      log.child({ component: 'planner' }),
    );
    // BullMQ needs its own blocking connection (maxRetriesPerRequest: null).
    const bull = await connectRedis(config.REDIS_URL, {
      name: 'placement-bull',
      offlineQueue: true,
      maxRetriesPerRequest: null,
      onError: err => log.warn({ err: err.message }, 'bullmq redis error'),
    });
    const queue = openQueue('replan', keys, bull);
    queue.on('error', err => log.warn({ err: err.message }, 'replan queue error'));
    const replanner = new Replanner(
      redis,
      keys,
      queue,
      planner,
      { connection: bull, sweepMs: config.NODE_SWEEP_MS, delayMs: config.REPLAN_DELAY_MS },
      log.child({ component: 'replan' }),
    );
    // Registering a model queues its quick profile (the profiler consumes the queue).
    const profileQueue = openQueue('profile', keys, bull);
    profileQueue.on('error', err => log.warn({ err: err.message }, 'profile queue error'));
    const registry = new ModelRegistry({
      repo: config.HERA_MODEL_REPO,
      models,
      demand,
      planner,
      redis,
      keys,
      profileQueue,
      limits: {
        maxFileBytes: config.REGISTRY_MAX_FILE_BYTES,
        maxImportBytes: config.REGISTRY_MAX_IMPORT_BYTES,
        maxFiles: config.REGISTRY_MAX_FILES,
        idleMs: config.REGISTRY_IDLE_MS,
        waitMs: config.REGISTRY_WAIT_MS,
      },
      log: log.child({ component: 'registry' }),
    });
    // What a process that died mid-upload staged is garbage now.
    await registry.sweepStaging();
    const rolloutQueue = openQueue('rollout', keys, bull);
    rolloutQueue.on('error', err => log.warn({ err: err.message }, 'rollout queue error'));
    const rollouts = new Rollouts(
      {
        models,
        plans,
        nodes: new NodeStore(redis, keys),
        repo: resolve(config.HERA_MODEL_REPO),
        timeoutMs: config.ROLLOUT_TIMEOUT_MS,
        log: log.child({ component: 'rollout' }),
      },
      rolloutQueue,
      { keys, connection: bull },
    );
    return {
      services: [placementService({ planner, demand, rollouts, log }), registryService(registry, log)],
      start: async () => {
        await replanner.start();
        rollouts.start();
      },
      shutdownSteps: [
        ['replan', () => replanner.stop()],
        ['rollout', () => rollouts.stop()],
        [
          'queues',
          async () => {
            await queue.close();
            await profileQueue.close();
            await rolloutQueue.close();
            await bull.quit();
          },
        ],
        ['solver', () => solver.close()],
      ],
    };
  },
});
