/** SlaWatch against a real Redis and BullMQ queue: three windows over SLA → one re-plan job. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { silentLogger } from '@hera/logger';
import { openQueue } from '@hera/queues';
import { Keyspace } from '@hera/state';
import { startRedis, type TestRedis } from '@hera/testing';
import type { NodeAgent } from './node-agent';
import { SlaWatch } from './sla-watch';

let server: TestRedis;
let redis: Redis;
before(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
});
after(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('SlaWatch', () => {
  it('asks for a re-plan once a tenant has been over its SLA for three windows, once per plan version', async () => {
    const keys = new Keyspace('sla');
    const queue = openQueue('replan', keys, redis);
    const tenant = { allocation: { model: 'ncf' }, state: 'serving', stats: { count: 200, p95Ms: 9 } };
    // The agent's surface SlaWatch reads: its tenants and their models' SLAs.
    const agent = {
      tenants: () => [tenant],
      slaMs: (m: string) => (m === 'ncf' ? 5 : undefined),
    } as unknown as NodeAgent;
    const watch = new SlaWatch(agent, queue, redis, keys, 'n1', silentLogger());
    await watch.check();
    await watch.check();
    assert.equal(await queue.count(), 0, 'two windows are not enough');
    await watch.check();
    const jobs = await queue.getJobs(['waiting', 'delayed']);
    assert.deepEqual(
      jobs.map(j => j.id),
      ['sla-risk/n1/ncf/v0'],
    );
    assert.deepEqual(jobs[0]!.data.reason, { kind: 'sla-risk', nodeId: 'n1', model: 'ncf', p95Ms: 9, slaMs: 5 });
    await watch.check();
    await watch.check();
    await watch.check();
    assert.equal(await queue.count(), 1, 'the same plan version is not asked twice');
    tenant.stats.p95Ms = 3;
    await watch.check();
    await queue.close();
  });
});
