#!/usr/bin/env node
import { telemetry } from './instrument';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { openQueue, QUEUES, queueOptions, tracedProcessor, type ProfileJobData } from '@hera/queues';
import { runService } from '@hera/runtime';
import { connectRedis, ModelStore, ProfileStore } from '@hera/state';
import { loadConfig } from './config';
import { LIVE_LOAD } from './measure';
import { CancelledError, ProfileRunner } from './profile-job';
import { redisRunnerStores } from './redis-stores';
import { registerQueueMetrics } from './queue-metrics';
import { profilerService } from './server';

void runService({
  name: 'profiler',
  loadConfig,
  telemetry,
  build: async ({ config, log, redis, keys, metrics }) => {
    const budget = {
      pointMs: config.POINT_SECONDS * 1000,
      maxPointMs: config.POINT_SECONDS * 4000,
      warmupMs: config.WARMUP_SECONDS * 1000,
      minQueries: config.MIN_QUERIES,
      precision: config.PRECISION,
      maxSteps: 14,
    };
    // Quick: a quarter of the time per point, at most twice that, coarser precision, fewer steps
    // (all eight zoo models on a 2-core node in about ten minutes).
    const quickBudget = {
      pointMs: budget.pointMs / 4,
      maxPointMs: budget.pointMs / 2,
      warmupMs: budget.warmupMs / 4,
      minQueries: Math.ceil(budget.minQueries / 4),
      precision: budget.precision * 3,
      maxSteps: 7,
    };
    const runner = new ProfileRunner(
      redisRunnerStores(redis, keys),
      LIVE_LOAD,
      {
        budget,
        quickBudget,
        applyTimeoutMs: config.APPLY_TIMEOUT_MS,
        recheckMargin: config.RECHECK_MARGIN,
        recheckMs: config.RECHECK_SECONDS * 1000,
        rateHeadroom: config.RATE_HEADROOM,
      },
      log.child({ component: 'runner' }),
    );
    // BullMQ blocks on its connection: its own, with no per-command retry limit.
    const bull = await connectRedis(config.REDIS_URL, {
      name: 'profiler-bull',
      offlineQueue: true,
      maxRetriesPerRequest: null,
      onError: err => log.warn({ err: err.message }, 'bullmq redis error'),
    });
    const queue = openQueue('profile', keys, bull);
    queue.on('error', err => log.warn({ err: err.message }, 'profile queue error'));
    registerQueueMetrics(metrics, QUEUES.profile, queue);
    let worker: Worker<ProfileJobData> | undefined;
    return {
      services: [
        profilerService({
          redis,
          keys,
          queue,
          profiles: new ProfileStore(redis, keys),
          models: new ModelStore(redis, keys),
          log,
        }),
      ],
      start: async () => {
        worker = new Worker<ProfileJobData>(
          QUEUES.profile,
          // A span per job, child of the RPC that queued it (its context is in the job's data).
          tracedProcessor(QUEUES.profile, async (job: Job<ProfileJobData>) => {
            try {
              return await runner.run(job);
            } catch (err) {
              if (err instanceof CancelledError) throw new UnrecoverableError('cancelled');
              throw err;
            }
          }),
          // One job at a time: two would measure each other's interference.
          { ...queueOptions(keys, bull), concurrency: 1, lockDuration: 60_000 },
        );
        worker.on('error', err => log.warn({ err }, 'profile worker error'));
        worker.on('failed', (job, err) => log.warn({ job: job?.id, err: err.message }, 'profile job failed'));
        worker.on('completed', job => log.info({ job: job.id }, 'profile job completed'));
      },
      shutdownSteps: [
        // The running job stops at once, restores its node and is resumed by the next profiler.
        [
          'jobs',
          async () => {
            runner.stop();
            await worker?.close();
          },
        ],
        [
          'queues',
          async () => {
            await queue.close();
            await bull.quit();
          },
        ],
      ],
    };
  },
});
