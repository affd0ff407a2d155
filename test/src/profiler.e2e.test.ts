/**
 * The profiler end to end (slow): real Redis, a real node agent with tenant hosts,
 * a real gateway and profiler on a tiny wnd. A job runs to completion with its
 * progress streamed; the stored profile has a point per worker count with p95 ≤ SLA
 * at the reported rate, and load at that rate meets the SLA again (scaled down by the machine's
 * own slowdown since the job, timed on a fixed query, when it has slowed). Also: the same
 * request is the same job, cancelling restores the node, and a job survives a
 * profiler restart. A pair job (StartPairProfiles) measures wnd and din co-located, each within
 * its own SLA, and the pair profile is stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { createClient, unaryCall } from '@hera/grpc';
import { PayloadPool, runLoad, workerTarget, type LoadSummary, type Target } from '@hera/loadgen';
import { toModelRecord, type ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import {
  loadProtos,
  type JobProgress__Output,
  type ProfilerServiceClient,
  type WorkerServiceClient,
} from '@hera/proto';
import { Keyspace, ModelStore } from '@hera/state';
import { startRedis, startService, waitFor, type TestRedis, type TestService } from '@hera/testing';
import { serviceEntry } from './service-entry';

const repo = mkdtempSync(join(tmpdir(), 'hera-prof-repo-'));
const prefix = 'pf';
let redisServer: TestRedis;
let redis: Redis;
let worker: TestService;
let profiler: TestService;
let gateway: TestService;
let client: ProfilerServiceClient;
let agent: WorkerServiceClient;
let wnd: ModelConfig;
let din: ModelConfig;
const env = () => ({
  REDIS_URL: redisServer.url,
  HERA_REDIS_PREFIX: prefix,
  HERA_MODEL_REPO: repo,
  HEARTBEAT_MS: '300',
});
const profilerEnv = () => ({
  ...env(),
  POINT_SECONDS: '2',
  WARMUP_SECONDS: '0.5',
  MIN_QUERIES: '100',
  PRECISION: '0.1',
  RECHECK_SECONDS: '6',
});

before(async () => {
  [din, wnd] = (await buildRepository({ repo, scale: 0.0005, only: ['wnd', 'din'] })).sort((a, b) =>
    a.name.localeCompare(b.name),
  ) as [ModelConfig, ModelConfig];
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  await new ModelStore(redis, new Keyspace(prefix)).put(toModelRecord(wnd), toModelRecord(din));
  worker = await startService(serviceEntry('worker'), {
    ...env(),
    NODE_ID: 'prof-node',
    NODE_CLASS: '2c',
    NODE_CORES: '2',
  });
  gateway = await startService(serviceEntry('gateway'), env());
  profiler = await startService(serviceEntry('profiler'), profilerEnv());
  client = createClient(loadProtos().proto.hera.profiler.v1.ProfilerService, profiler.address, {
    defaultDeadlineMs: 30_000,
  });
  agent = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address);
});

after(async () => {
  client?.close();
  agent?.close();
  await profiler?.stop();
  await gateway?.stop();
  await worker?.stop();
  redis?.disconnect();
  await redisServer?.stop();
  rmSync(repo, { recursive: true, force: true });
});

function watch(
  c: ProfilerServiceClient,
  jobId: string,
  onData?: (p: JobProgress__Output) => void,
): Promise<JobProgress__Output[]> {
  return new Promise((resolve, reject) => {
    const seen: JobProgress__Output[] = [];
    const s = c.watchJob({ jobId }, new grpc.Metadata(), { deadline: Date.now() + 300_000 });
    s.on('data', (p: JobProgress__Output) => {
      seen.push(p);
      onData?.(p);
    });
    s.on('error', reject);
    s.on('end', () => resolve(seen));
  });
}

const QUERY_ITEMS = 256;

/** A one-worker wnd tenant on core 1 (where the profiler measures n = 1) and a client for it. */
async function openWnd(subBatch: number): Promise<{ target: Target; remove: () => Promise<void> }> {
  const { tenant } = await unaryCall(
    agent,
    'ApplyAllocation',
    { allocation: { model: 'wnd', workers: 1, cpuset: [1], subBatchSize: subBatch } },
    { deadlineMs: 60_000 },
  );
  const target = workerTarget(tenant!.endpoint, 'wnd', new PayloadPool(wnd, 1024, 5), subBatch);
  return {
    target,
    remove: async () => {
      target.close();
      await unaryCall(agent, 'RemoveTenant', { model: 'wnd' });
    },
  };
}

/** Median time of back-to-back fixed-size queries after a few seconds' warm-up: the tenant's speed now. */
async function serviceMs(target: Target): Promise<number> {
  const warmUntil = Date.now() + 5_000;
  while (Date.now() < warmUntil) await target.send(QUERY_ITEMS, Date.now() + 10_000);
  const ms: number[] = [];
  for (let i = 0; i < 41; i++) {
    const t0 = performance.now();
    await target.send(QUERY_ITEMS, Date.now() + 10_000);
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[20]!;
}

describe('profiler', () => {
  it('rejects bad requests naming the field', async () => {
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 'OK',
        (e: grpc.ServiceError) => `${grpc.status[e.code]}: ${e.details}`,
      );
    assert.match(await status(unaryCall(client, 'StartProfile', { model: 'nosuch' })), /^NOT_FOUND: model nosuch/);
    assert.match(
      await status(unaryCall(client, 'StartProfile', { model: 'wnd', workerCounts: [3] })),
      /^INVALID_ARGUMENT: worker_counts\[0\]: must be in 1\.\.2/,
    );
    assert.match(
      await status(unaryCall(client, 'StartProfile', { model: 'wnd', pairModel: 'wnd' })),
      /^INVALID_ARGUMENT: pair_model/,
    );
    assert.match(await status(unaryCall(client, 'CancelJob', { jobId: 'nope' })), /^NOT_FOUND/);
  });

  it('measures a profile as a job, streams progress, and the reported rates hold when re-run', async t => {
    // wnd, compute-bound, so that the load which saturates the node is light for the clients:
    // the profiler's (through the gateway) and this test's re-run share core 0 with the services,
    // and with rmc1's 3 KB items they, not the node, were the bottleneck at 200+ qps. At wnd's
    // own 25 ms SLA a p95-sized query (~230 items, two sub-batches) alone takes ~30 ms on one
    // worker of this VM, and with n = 2 one worker shares core 0 with every other process here:
    // measure against eight times the SLA, where the rate matters.
    const req = { model: 'wnd', workerCounts: [1, 2], subBatchSizes: [128], slaFactor: 8 };
    // This VM's speed drifts by up to 2× within minutes (CI once re-ran the n = 1 rate, measured
    // ~50 qps sustainable a minute earlier, into a host that then held less than 35): time a
    // fixed query on the same tenant shape now, and again when a re-run misses, so that a miss
    // is judged against the machine's speed at profiling time, not against its drift.
    const probe = await openWnd(128);
    const before = await serviceMs(probe.target);
    await probe.remove();
    const { jobId, existing } = await unaryCall(client, 'StartProfile', req);
    assert.equal(existing, false);
    const again = await unaryCall(client, 'StartProfile', req);
    assert.deepEqual([again.jobId, again.existing], [jobId, true], 'the same request while it runs is the same job');

    const progress = await watch(client, jobId);
    t.diagnostic(
      progress
        .filter(p => p.point)
        .map(p => `${p.point}: ${p.rateQps.toFixed(1)} qps p95 ${p.p95Ms.toFixed(1)}`)
        .join('; '),
    );
    assert.equal(progress.at(-1)?.state, 'completed', JSON.stringify(progress.at(-1)));
    const points = progress.filter(p => p.point && p.rateQps > 0);
    assert.ok(points.length >= 4, `progress reported ${points.length} measurement steps`);
    assert.ok(points.some(p => /wnd n=1/.test(p.point)) && points.some(p => /wnd n=2/.test(p.point)));

    const { profile } = await unaryCall(client, 'GetProfile', { model: 'wnd', nodeClass: '2c' });
    assert.ok(profile);
    assert.equal(profile.slaMs, 8 * wnd.slaMs);
    assert.deepEqual(
      profile.points.map(p => p.workers),
      [1, 2],
    );
    for (const p of profile.points) {
      assert.ok(p.qps > 0, `n=${p.workers}: qps ${p.qps}`);
      assert.ok(
        p.p95Ms <= profile.slaMs && p.recheckP95Ms <= profile.slaMs,
        `n=${p.workers}: p95 ${p.p95Ms}, re-check ${p.recheckP95Ms}, SLA ${profile.slaMs}`,
      );
    }
    assert.ok(['memory-bound', 'compute-bound'].includes(profile.kind));
    assert.equal(profile.qpsMax, Math.max(...profile.points.map(p => p.qps)));
    assert.match(profile.method, /measured on node prof-node/);
    // The node had no tenant when the job began: the backend comes from the host it measured.
    assert.match(profile.method, /backend (tensorflow|wasm|cpu)\)/);
    // The node is back as it was: no wnd tenant.
    assert.equal((await unaryCall(agent, 'GetStatus', {})).tenants.length, 0);

    // Re-run the load at the reported rate for n = 1 ourselves, in a window longer than any the
    // profiler used (its re-check runs 3 × a point's window, so a slowly building queue shows).
    const p1 = profile.points[0]!;
    const { target, remove } = await openWnd(p1.subBatch);
    // A fresh host is slow for its first seconds (JIT, heap growth): warm it as the profiler's was.
    // Another attempt only if one misses: this shared VM now and then stalls for most of a second,
    // and at 60 qps that alone is the 5% of a 15 s window that sets its p95 (seen once in ten runs,
    // with the window's last third at 88 ms). After a miss the fixed query is timed again: when the
    // machine is now slower than it was before the job, the next attempt runs at the reported rate
    // scaled down by exactly that slowdown (never up), so a rate the node could not sustain at the
    // speed it had still misses. An attempt in which this process could not keep to its own
    // schedule (it shares a core with the services; at 200+ qps it has fallen seconds behind)
    // measured the client, not the node: it does not count, and the calls it left behind get time to drain.
    const runs: string[] = [];
    let s: LoadSummary | undefined;
    let conclusive = 0;
    let slowdown = 1;
    try {
      for (let attempt = 0; attempt < 4 && conclusive < 2 && !s?.meetsSla; attempt++) {
        const rate = p1.qps / Math.max(1, slowdown);
        s = await runLoad(target.send, {
          rate,
          seed: 77 + attempt,
          durationMs: 15_000,
          warmupMs: 4_000,
          timeoutMs: 2 * profile.slaMs,
          slaMs: profile.slaMs,
        });
        const clientBound = s.sendLagP95Ms > 50;
        if (!clientBound) conclusive++;
        let now = '';
        if (!s.meetsSla) {
          await new Promise(r => setTimeout(r, 2_000 + (clientBound ? 2_000 : 0)));
          const ms = await serviceMs(target);
          slowdown = ms / before;
          now = `; a ${QUERY_ITEMS}-item query now takes ${ms.toFixed(1)} ms, ${before.toFixed(1)} before the job (× ${slowdown.toFixed(2)})`;
        }
        runs.push(
          `at ${rate.toFixed(1)} qps: p95 ${s.p95Ms.toFixed(1)} ms (last third ${s.lastThirdP95Ms.toFixed(1)}) ${JSON.stringify(s.errors)}, this client sent up to ${s.sendLagMaxMs.toFixed(0)} ms late (p95 ${s.sendLagP95Ms.toFixed(1)})${clientBound ? ' — client-bound, does not count' : ''}${now}`,
        );
        t.diagnostic(`re-run ${attempt + 1} ${runs.at(-1)}; profiler's re-check p95 ${p1.recheckP95Ms.toFixed(1)}`);
      }
    } finally {
      await remove();
    }
    assert.ok(s?.meetsSla, `re-run of ${p1.qps.toFixed(1)} qps vs SLA ${profile.slaMs} ms: ${runs.join('; ')}`);
  });

  it('measures a pair co-located, each model within its own SLA, once both have solo profiles', async t => {
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 'OK',
        (e: grpc.ServiceError) => `${grpc.status[e.code]}: ${e.details}`,
      );
    // din has no solo profile at 8 × its SLA yet: nothing to pair wnd with.
    assert.match(
      await status(unaryCall(client, 'StartPairProfiles', { models: ['wnd', 'din'], slaFactor: 8, quick: true })),
      /^FAILED_PRECONDITION: 1 model\(s\) have a solo profile on node class 2c at 8 × their SLA/,
    );
    assert.match(
      await status(unaryCall(client, 'StartPairProfiles', { models: ['nosuch'] })),
      /^NOT_FOUND: models\[0\]: model nosuch/,
    );
    const solo = await unaryCall(client, 'StartProfile', {
      model: 'din',
      workerCounts: [1],
      quick: true,
      slaFactor: 8,
    });
    assert.equal((await watch(client, solo.jobId)).at(-1)?.state, 'completed');

    const r = await unaryCall(client, 'StartPairProfiles', { models: ['wnd', 'din'], slaFactor: 8, quick: true });
    assert.equal(r.nodeClass, '2c');
    assert.deepEqual(
      r.jobs.map(j => [j.modelA, j.modelB, j.splits.map(s => `${s.workersA}:${s.workersB}`).join()]),
      [['din', 'wnd', '1:1']],
    );
    assert.ok(r.jobs[0]!.splits[0]!.predictedEmu > 0);
    const progress = await watch(client, r.jobs[0]!.jobId);
    t.diagnostic(
      progress
        .filter(p => p.point)
        .map(p => p.point)
        .join('\n'),
    );
    assert.equal(progress.at(-1)?.state, 'completed', JSON.stringify(progress.at(-1)));
    assert.ok(
      progress.some(p => /common/.test(p.point)) && progress.some(p => /recheck/.test(p.point)),
      'the search reported its phases',
    );

    const { pairProfiles } = await unaryCall(client, 'ListPairProfiles', { nodeClass: '2c' });
    assert.equal(pairProfiles.length, 1);
    const p = pairProfiles[0]!;
    assert.deepEqual([p.modelA, p.modelB, p.slaMsA, p.slaMsB], ['din', 'wnd', 8 * din.slaMs, 8 * wnd.slaMs]);
    const s = p.splits[0]!;
    assert.deepEqual([s.workersA, s.workersB], [1, 1]);
    assert.ok(s.qpsA > 0 && s.qpsB > 0 && s.fraction > 0, JSON.stringify(s));
    assert.ok(s.p95MsA <= p.slaMsA && s.p95MsB <= p.slaMsB, JSON.stringify(s));
    assert.match(p.method, /measured co-located on node prof-node .* two-dimensional search/);
    assert.match(p.method, /backend (tensorflow|wasm|cpu)\)/);
    assert.equal((await unaryCall(agent, 'GetStatus', {})).tenants.length, 0, 'the node is back as it was');
  });

  it('cancels a running job and leaves the node as it found it', async () => {
    await unaryCall(
      agent,
      'ApplyAllocation',
      { allocation: { model: 'wnd', workers: 2, cpuset: [0, 1] } },
      { deadlineMs: 60_000 },
    );
    const { jobId } = await unaryCall(client, 'StartProfile', { model: 'wnd', workerCounts: [1], subBatchSizes: [32] });
    let cancelled: Promise<unknown> | undefined;
    const seen = await watch(client, jobId, p => {
      if (p.state === 'active' && p.rateQps > 0 && !cancelled) cancelled = unaryCall(client, 'CancelJob', { jobId });
    });
    assert.deepEqual(await cancelled, { state: 'cancelling' });
    assert.equal(seen.at(-1)?.state, 'cancelled');
    const t = (await unaryCall(agent, 'GetStatus', {})).tenants.find(x => x.allocation?.model === 'wnd');
    assert.deepEqual(
      [t?.allocation?.workers, t?.allocation?.cpuset],
      [2, [0, 1]],
      'the allocation it had before the job',
    );
    await unaryCall(agent, 'RemoveTenant', { model: 'wnd' });
  });

  it('resumes a job after the profiler restarts', async () => {
    const { jobId } = await unaryCall(client, 'StartProfile', {
      model: 'wnd',
      workerCounts: [1, 2],
      quick: true,
      subBatchSizes: [64],
      slaFactor: 8,
    });
    await waitFor(
      async () =>
        (await unaryCall(client, 'ListProfiles', {})) &&
        (await redis.hget(`${new Keyspace(prefix).bullPrefix()}:profile:${jobId}`, 'progress'))?.includes('n=2'),
      120_000,
      'the job to reach n=2',
    );
    assert.equal(await profiler.stop(), 0);
    client.close();
    profiler = await startService(serviceEntry('profiler'), profilerEnv());
    client = createClient(loadProtos().proto.hera.profiler.v1.ProfilerService, profiler.address, {
      defaultDeadlineMs: 30_000,
    });
    const seen = await watch(client, jobId);
    assert.equal(seen.at(-1)?.state, 'completed', JSON.stringify(seen.at(-1)));
    const { profile } = await unaryCall(client, 'GetProfile', { model: 'wnd', nodeClass: '2c' });
    assert.deepEqual(
      profile!.points.map(p => p.workers),
      [1, 2],
    );
    assert.match(profile!.method, new RegExp(`job ${jobId}`));
  });
});
