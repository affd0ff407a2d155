/**
 * The node agent's death does not take its tenants down (issue 16, item 1): a real
 * worker process against a real Redis and a tiny model repository, killed with
 * SIGKILL under load; its tenant host keeps serving on its port, a new agent with the
 * same NODE_ID and state directory adopts it (same pid, same endpoint, no restart) and
 * supervises it as its own (a killed adopted host is restarted; SIGTERM drains it).
 * cgroup checks skip, with the reason, where the cgroup filesystem is not writable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createCgroupManager, detectCgroups } from '@hera/cgroups';
import { createClient, unaryCall } from '@hera/grpc';
import { randomBatch, type ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { loadProtos, type TenantStatus__Output, type WorkerServiceClient } from '@hera/proto';
import { Keyspace, type NodeRecord } from '@hera/state';
import { procStat } from './state-dir';
import {
  grpcCode,
  isAlive,
  startRedis,
  startService,
  waitFor,
  waitForExit,
  type TestRedis,
  type TestService,
} from '@hera/testing';

const cg = detectCgroups();
const cgroupSkip = cg.mode === 'none' ? `cgroups not writable here: ${cg.reason}` : false;
const repo = mkdtempSync(join(tmpdir(), 'hera-adopt-repo-'));
const stateDir = mkdtempSync(join(tmpdir(), 'hera-adopt-state-'));
const nodeId = `adopt-${process.pid}`;
const prefix = 'adopt';
const keys = new Keyspace(prefix);
let redisServer: TestRedis;
let redis: Redis;
let ncf: ModelConfig;
const agents: TestService[] = [];
const clients: WorkerServiceClient[] = [];
/** Every host pid seen, so a failing test still leaves none behind. */
const hostPids = new Set<number>();
/** Load loops still running (a failed assertion must not leave them spinning). */
const loads = new Set<() => Promise<unknown>>();

const env = () => ({
  REDIS_URL: redisServer.url,
  HERA_REDIS_PREFIX: prefix,
  NODE_ID: nodeId,
  HERA_MODEL_REPO: repo,
  HEARTBEAT_MS: '300',
  STATS_INTERVAL_MS: '100',
  NODE_STATE_DIR: stateDir,
  SHUTDOWN_GRACE_MS: '8000',
});

async function startAgent(
  extra: Record<string, string> = {},
): Promise<{ svc: TestService; client: WorkerServiceClient }> {
  const svc = await startService({ name: 'worker', main: require.resolve('./main') }, { ...env(), ...extra });
  agents.push(svc);
  const client = createClient(loadProtos().proto.hera.worker.v1.WorkerService, svc.address, {
    maxAttempts: 1,
    defaultDeadlineMs: 60_000,
  });
  clients.push(client);
  return { svc, client };
}

before(async () => {
  ncf = (await buildRepository({ repo, scale: 0.0005, only: ['ncf', 'rmc1'] })).find(c => c.name === 'ncf')!;
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
});

after(async () => {
  for (const stop of loads) await stop();
  for (const c of clients) c.close();
  for (const a of agents) await a.stop();
  // Hosts outlive a killed agent by design: stop whatever a failed test left running.
  for (const pid of hostPids) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000).catch(() => undefined);
  }
  if (!cgroupSkip)
    await createCgroupManager(`hera-${nodeId}`)
      .removeAll()
      .catch(() => undefined);
  redis?.disconnect();
  await redisServer?.stop();
  rmSync(repo, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

/** Running, not a zombie: an adopted host's new parent (init) reaps it in its own time. */
function running(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z';
}

function items(count: number) {
  const b = randomBatch(ncf, count, Math.floor(Math.random() * 1e9));
  return {
    itemCount: b.count,
    dense: Buffer.from(b.dense.buffer, b.dense.byteOffset, b.dense.byteLength),
    sparse: Buffer.from(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength),
  };
}

async function statusOf(client: WorkerServiceClient, model: string): Promise<TenantStatus__Output> {
  const s = await unaryCall(client, 'GetStatus', {});
  const t = s.tenants.find(x => x.allocation?.model === model);
  assert.ok(t, `no tenant ${model}`);
  return t;
}

/** The host process of `model` among the agent's children (found by its HERA_TENANT env). */
function childHostPid(agentPid: number, model: string): number | undefined {
  const path = `/proc/${agentPid}/task/${agentPid}/children`;
  if (!existsSync(path)) return undefined;
  const pids = readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const pid = pids.find(p => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`HERA_TENANT=${model}`);
    } catch {
      return false;
    }
  });
  if (pid) hostPids.add(pid);
  return pid;
}

async function nodeRecord(): Promise<NodeRecord | undefined> {
  const raw = await redis.get(keys.node(nodeId));
  return raw ? (JSON.parse(raw) as NodeRecord) : undefined;
}

/** Closed-loop unary Infer calls straight to the host's endpoint (the gateway's path). */
function load(endpoint: string, concurrency: number) {
  const c = createClient(loadProtos().proto.hera.worker.v1.WorkerService, endpoint, { maxAttempts: 1 });
  let stop = false;
  const codes: Record<string, number> = {};
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stop) {
      const code = await grpcCode(unaryCall(c, 'Infer', { model: 'ncf', items: items(16) }, { deadlineMs: 5_000 }));
      codes[code] = (codes[code] ?? 0) + 1;
      if (code !== 'OK') await new Promise(r => setTimeout(r, 50));
    }
  });
  const stopLoad = async () => {
    stop = true;
    await Promise.all(loops);
    c.close();
    loads.delete(stopLoad);
    return codes;
  };
  loads.add(stopLoad);
  return { codes, stop: stopLoad };
}

describe('node agent restarts without taking its tenant hosts down', () => {
  let endpoint = '';
  let hostPid = 0;
  /** rmc1's host: adopted and left alone until the SIGTERM test. */
  let otherPid = 0;
  let second: { svc: TestService; client: WorkerServiceClient };

  it('keeps a host serving through a SIGKILL of its agent; a new agent adopts it (same pid and endpoint, no restart)', async t => {
    // The tenant comes from the applied plan, as under `hera up`.
    const allocation = {
      model: 'ncf',
      workers: 1,
      ...(cgroupSkip ? {} : { cpuset: [0], memoryLimitBytes: 512 * 1024 * 1024 }),
    };
    const planned = [
      { ...allocation, memoryLimitBytes: String(allocation.memoryLimitBytes ?? 0) },
      { model: 'rmc1', workers: 1 },
    ];
    await redis.set(
      keys.plan(),
      JSON.stringify({ version: 1, createdAtMs: Date.now(), nodes: [{ nodeId, tenants: planned }] }),
    );
    const first = await startAgent();
    for (const m of ['ncf', 'rmc1'])
      await waitFor(
        async () => (await statusOf(first.client, m)).state === 'serving',
        30_000,
        `planned tenant ${m} to serve`,
      );
    endpoint = (await statusOf(first.client, 'ncf')).endpoint;
    const otherEndpoint = (await statusOf(first.client, 'rmc1')).endpoint;
    hostPid = childHostPid(first.svc.child.pid, 'ncf') ?? 0;
    otherPid = childHostPid(first.svc.child.pid, 'rmc1') ?? 0;
    assert.ok(hostPid > 0 && otherPid > 0, "the hosts are the agent's children");

    const l = load(endpoint, 2);
    await new Promise(r => setTimeout(r, 300));
    const okAtKill = l.codes['OK'] ?? 0;
    process.kill(first.svc.child.pid, 'SIGKILL'); // the agent only, by its pid
    await first.svc.child.exited;
    await new Promise(r => setTimeout(r, 1_000));
    assert.ok(isAlive(hostPid), 'the host outlived its agent');
    const probe = createClient(loadProtos().proto.hera.worker.v1.WorkerService, endpoint, { maxAttempts: 1 });
    try {
      assert.equal(
        await grpcCode(unaryCall(probe, 'Infer', { model: 'ncf', items: items(4) }, { deadlineMs: 5_000 })),
        'OK',
        'its port still answers Infer on a new connection',
      );
    } finally {
      probe.close();
    }
    const orphanOk = l.codes['OK'] ?? 0;
    assert.ok(
      orphanOk > okAtKill,
      `served while orphaned: ${okAtKill} answered before the kill, ${orphanOk} a second after`,
    );

    const restartAt = Date.now();
    second = await startAgent();
    const startedMs = Date.now() - restartAt;
    // It has reconciled the plan (before it said serving): the adopted tenant counted as running.
    await second.svc.child.waitForLine(/"msg":"applying plan"/, 1_000);
    // The first node record the new agent writes already lists the adopted host.
    const rec = await nodeRecord();
    assert.equal(rec?.tenants['ncf']?.endpoint, endpoint);
    assert.equal(rec?.tenants['ncf']?.state, 'serving');
    assert.equal(rec?.tenants['rmc1']?.endpoint, otherEndpoint);
    assert.equal(rec?.tenants['rmc1']?.state, 'serving');
    assert.equal((await statusOf(second.client, 'rmc1')).restarts, 0);
    assert.ok(isAlive(otherPid));
    const s = await statusOf(second.client, 'ncf');
    assert.equal(s.state, 'serving');
    assert.equal(s.endpoint, endpoint);
    assert.equal(s.restarts, 0);
    assert.deepEqual(s.allocation?.cpuset, allocation.cpuset ?? []);
    assert.ok(isAlive(hostPid), 'same host process');
    await new Promise(r => setTimeout(r, 500));
    const codes = await l.stop();
    const at = (re: RegExp) =>
      Date.parse((JSON.parse(second.svc.child.lines.find(x => re.test(x)) ?? '{}') as { time?: string }).time ?? '');
    t.diagnostic(
      `queries through the agent's death and the adoption: ${JSON.stringify(codes)}; ${orphanOk - okAtKill} answered in the second after the kill; new agent serving ${startedMs} ms after its start, adoption took ${at(/took over the tenant hosts/) - at(/cgroups detected/)} ms`,
    );
    assert.deepEqual(Object.keys(codes), ['OK'], `no query failed: ${JSON.stringify(codes)}`);
    assert.ok(codes['OK']! > orphanOk, `served after adoption: ${orphanOk} then ${codes['OK']}`);
    // The adopted host reports to the new agent (stats flow over the new control connection).
    await waitFor(
      async () => Number((await statusOf(second.client, 'ncf')).latency?.count ?? 0) > 0,
      3_000,
      'stats from the adopted host',
    );
    // The same allocation again is no change: the adopted tenant counts as running.
    const again = await unaryCall(second.client, 'ApplyAllocation', { allocation });
    assert.equal(again.changed, false);
    assert.ok(isAlive(hostPid));
    assert.equal(
      second.svc.child.lines.filter(l => /"msg":"(tenant host started|replacing host for a new version)"/.test(l))
        .length,
      0,
      'the new agent started no host',
    );
    assert.ok(second.svc.child.lines.some(l => /"msg":"adopted a running tenant host"/.test(l)));
    if (!cgroupSkip) {
      assert.match(readFileSync(`/proc/${hostPid}/cgroup`, 'utf8'), new RegExp(`hera-${nodeId}/tenant-ncf`));
      assert.ok(Number(s.memoryBytes) > 0, 'memory of the re-opened cgroup is read');
    }
  });

  it('restarts an adopted host that dies, on the same endpoint', async t => {
    assert.ok(hostPid > 0 && second, 'needs the adoption test');
    const killedAt = Date.now();
    process.kill(hostPid, 'SIGKILL');
    await waitFor(() => !running(hostPid), 5_000, 'the adopted host to die');
    await waitFor(
      async () => {
        const s = await statusOf(second.client, 'ncf');
        return s.state === 'serving' && s.restarts === 1;
      },
      30_000,
      'the adopted tenant to be restarted',
    );
    const diedAt = Date.parse(
      (JSON.parse(second.svc.child.lines.find(x => /tenant host died/.test(x)) ?? '{}') as { time?: string }).time ??
        '',
    );
    t.diagnostic(
      `adopted host's death seen ${diedAt - killedAt} ms after the kill; serving again ${Date.now() - killedAt} ms after it`,
    );
    const s = await statusOf(second.client, 'ncf');
    assert.equal(s.endpoint, endpoint);
    assert.match(s.lastRestartCause, /exited/);
    const newPid = childHostPid(second.svc.child.pid, 'ncf');
    assert.ok(newPid && newPid !== hostPid, 'a new host, started by the new agent');
    const c = createClient(loadProtos().proto.hera.worker.v1.WorkerService, endpoint, { maxAttempts: 1 });
    try {
      assert.equal(await grpcCode(unaryCall(c, 'Infer', { model: 'ncf', items: items(4) })), 'OK');
    } finally {
      c.close();
    }
  });

  it('still drains and stops its hosts on SIGTERM (adopted ones too), and leaves no descriptor behind', async () => {
    assert.ok(second && otherPid > 0, 'needs the adoption test');
    const pid = childHostPid(second.svc.child.pid, 'ncf');
    assert.ok(pid);
    assert.ok(isAlive(otherPid), "rmc1's adopted host still runs");
    assert.equal(await second.svc.stop(), 0);
    assert.equal(running(pid), false, 'host stopped with its agent');
    assert.equal(running(otherPid), false, 'adopted host stopped with its agent');
    // Drained, not killed: its log (still on the first agent's output, which it inherited) says so.
    assert.ok(
      agents[0]!.child.lines.some(
        l => l.includes(`"pid":${otherPid}`) && /"reason":"drain"/.test(l) && /tenant host stopping/.test(l),
      ),
      'the adopted host drained',
    );
    const left = existsSync(stateDir)
      ? readdirSync(stateDir).filter(f => f.endsWith('.json') || f.endsWith('.sock'))
      : [];
    assert.deepEqual(left, []);
    await redis.del(keys.plan());
  });

  it('leaves no host running unsupervised: with no agent for HOST_ORPHAN_MS it drains, exits and removes its files', async () => {
    // A descriptor whose host is gone (its pid exited) is cleaned up at start.
    const dead = spawnSync('true').pid;
    mkdirSync(stateDir, { recursive: true }); // the last agent removed it, empty, on its way out
    writeFileSync(
      join(stateDir, 'host-deadbeef.json'),
      JSON.stringify({
        id: 'deadbeef',
        pid: dead,
        startTime: '1',
        socket: join(stateDir, 'host-deadbeef.sock'),
        port: 1,
        endpoint: '127.0.0.1:1',
        allocation: {
          model: 'ncf',
          version: '1',
          workers: 1,
          cpuset: [],
          cpuMillis: 0,
          memoryLimitBytes: 0,
          subBatchSize: 16,
        },
        origin: 'api',
        cluster: 'x',
        startedAtMs: 0,
      }),
    );
    const a = await startAgent({ HOST_ORPHAN_MS: '1000', TENANT_WARMUP_MS: '0' });
    assert.equal(existsSync(join(stateDir, 'host-deadbeef.json')), false, 'stale descriptor removed');
    assert.match(a.svc.child.lines.find(l => /took over the tenant hosts/.test(l)) ?? '', /"stale":1/);
    const applied = await unaryCall(a.client, 'ApplyAllocation', { allocation: { model: 'ncf', workers: 1 } });
    const pid = childHostPid(a.svc.child.pid, 'ncf');
    assert.ok(pid);
    assert.equal(readdirSync(stateDir).filter(f => f.startsWith('host-')).length, 2, 'a descriptor and a socket');
    process.kill(a.svc.child.pid, 'SIGKILL');
    await a.svc.child.exited;
    const c = createClient(loadProtos().proto.hera.worker.v1.WorkerService, applied.tenant!.endpoint, {
      maxAttempts: 1,
    });
    try {
      assert.equal(
        await grpcCode(unaryCall(c, 'Infer', { model: 'ncf', items: items(4) }, { deadlineMs: 900 })),
        'OK',
        'serves while orphaned',
      );
    } finally {
      c.close();
    }
    const t0 = Date.now();
    await waitFor(() => !running(pid), 10_000, 'the orphaned host to exit');
    assert.ok(Date.now() - t0 < 8_000, `exited ${Date.now() - t0} ms later`);
    assert.deepEqual(
      readdirSync(stateDir).filter(f => f.startsWith('host-')),
      [],
      'it removed its descriptor and socket',
    );
  });
});
