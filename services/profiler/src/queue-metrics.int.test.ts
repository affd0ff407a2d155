/** hera_profiler_jobs against a real BullMQ queue on a real Redis (redis-server per file). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { parseExposition, Registry } from '@hera/metrics';
import { redisPerFile } from '@hera/testing';
import { registerQueueMetrics } from './queue-metrics';

const ctx = redisPerFile();

describe('registerQueueMetrics', () => {
  it("counts the queue's jobs by state at scrape time", async () => {
    const queue = new Queue(`q-${randomUUID()}`, { connection: { url: ctx.server.url } });
    try {
      const registry = new Registry();
      registerQueueMetrics(registry, 'profile', queue);
      const jobs = async (state: string) =>
        parseExposition(await registry.metrics()).find(
          s => s.name === 'hera_profiler_jobs' && s.labels['state'] === state && s.labels['queue'] === 'profile',
        )?.value;
      assert.equal(await jobs('waiting'), 0);
      await queue.add('a', {});
      await queue.add('b', {});
      await queue.add('c', {}, { delay: 60_000 });
      assert.equal(await jobs('waiting'), 2);
      assert.equal(await jobs('delayed'), 1);
      assert.equal(await jobs('active'), 0);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
