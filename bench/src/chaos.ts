/**
 * Chaos benchmark (issue 16): a real `hera up` cluster under steady open-loop load
 * through the gateway, and one process killed (SIGKILL) at a time — a tenant host,
 * the node agent, placement, the profiler, the gateway, redis-server — with nobody
 * helping it recover. Per fault it prints the queries sent while the fault and its
 * healing lasted, how many were answered OK, how many failed (by status), how many
 * were lost (no answer by their deadline), the failure window (first to last failed
 * query) and the time to heal without a hand (from the kill until the process is
 * back and serving, and queries succeed again).
 *
 * Targets on this machine: lost = 0 for every fault; killing placement, the profiler,
 * the node agent or redis-server fails no query; a tenant host or the gateway is back
 * within 5 s.
 *
 *   npm run bench -- chaos [--models ncf] [--scale 0.0005] [--qps 20] [--deadline-ms 2000] [--observe-s 15] [--faults host,agent,placement,profiler,gateway,redis]
 */
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHealth, statusName } from '@hera/grpc';
import { gatewayTarget, PayloadPool, runLoad, type SendQuery } from '@hera/loadgen';
import { connectRedis, Keyspace, ModelStore } from '@hera/state';
import { type Child, HERA_UP_FREE_PORTS, isAlive, startChild, waitFor } from '@hera/testing';
import { args, fmt } from './harness';

const o = args({
  models: 'ncf',
  scale: '0.0005',
  qps: '20',
  'deadline-ms': '2000',
  'observe-s': '15',
  faults: 'host,agent,placement,profiler,gateway,redis',
});
const FAULTS = ['host', 'agent', 'placement', 'profiler', 'gateway', 'redis'] as const;
type Fault = (typeof FAULTS)[number];
const faults = o['faults']!.split(',').map(s => s.trim()) as Fault[];
for (const f of faults) if (!FAULTS.includes(f)) throw new Error(`--faults: unknown ${f}; known: ${FAULTS.join(', ')}`);
const models = o['models']!.split(',')
  .map(s => s.trim())
  .filter(Boolean);
const qps = Number(o['qps']);
const deadlineMs = Number(o['deadline-ms']);
const observeMs = Number(o['observe-s']) * 1000;

interface Outcome {
  model: string;
  sentAt: number;
  doneAt: number;
  deadline: number;
  /** "OK" or the gRPC status name. */
  code: string;
}

interface ClusterFile {
  redisUrl: string;
  prefix: string;
  services: Record<string, string>;
  pids: Record<string, number>;
}

const cli = require.resolve('@hera/cli/dist/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'hera-chaos-'));
const readCluster = () => JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as ClusterFile;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Tenant host processes: found by their entry point and HERA_TENANT (an adopted host has no parent we know). */
function hostPid(model: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!cmd.includes('host/main.js')) continue;
      const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if (
        env.includes(`HERA_TENANT=${model}`) &&
        env.some(e => e === `HERA_REDIS_PREFIX=hera` || e.startsWith('REDIS_URL='))
      ) {
        const url = env.find(e => e.startsWith('REDIS_URL='))?.slice('REDIS_URL='.length);
        if (!url || url === readCluster().redisUrl) return Number(d);
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const env = { ...process.env };
  delete env['REDIS_URL'];
  const up: Child = startChild(
    process.execPath,
    [cli, 'up', '--data-dir', dataDir, ...HERA_UP_FREE_PORTS, '--models', models.join(','), '--scale', o['scale']!],
    { env },
  );
  const outcomes: Outcome[] = [];
  const abort = new AbortController();
  let load: Promise<unknown> | undefined;
  try {
    await up.waitForLine(/\| serving .* — try/, 180_000);
    const cluster = readCluster();
    const gateway = cluster.services['gateway']!;
    await waitFor(async () => (await checkHealth(gateway, '', 1_000)) === 'SERVING', 30_000, 'gateway readiness');
    const redis = await connectRedis(cluster.redisUrl, { name: 'hera-chaos', offlineQueue: true });
    const records = new Map((await new ModelStore(redis, new Keyspace(cluster.prefix)).list()).map(m => [m.name, m]));
    redis.disconnect();

    // Steady load on every model for the whole run; each query's outcome is kept with its times.
    load = Promise.all(
      models.map((model, i) => {
        const target = gatewayTarget(gateway, model, new PayloadPool(records.get(model)!, 1024, 7 + i));
        const send: SendQuery = async (items, deadline) => {
          const sentAt = Date.now();
          try {
            await target.send(items, deadline);
            outcomes.push({ model, sentAt, doneAt: Date.now(), deadline, code: 'OK' });
          } catch (err) {
            const code = (err as { code?: number }).code;
            outcomes.push({
              model,
              sentAt,
              doneAt: Date.now(),
              deadline,
              code: typeof code === 'number' ? statusName(code) : 'ERROR',
            });
            throw err;
          }
        };
        return runLoad(send, {
          rate: qps,
          durationMs: 3_600_000,
          timeoutMs: deadlineMs,
          seed: 11 + i,
          signal: abort.signal,
        }).finally(() => target.close());
      }),
    );

    await sleep(5_000); // steady state before the first fault
    const results: Record<string, FaultResult> = {};
    for (const fault of faults) {
      results[fault] = await inject(fault, up, outcomes);
      print(fault, results[fault]);
      await sleep(3_000);
    }
    abort.abort();
    await load;
    const lost = Object.values(results).reduce((s, r) => s + r.lost, 0);
    const targets = {
      lost_zero: lost === 0,
      no_failures_for_placement_profiler_agent_redis: (['placement', 'profiler', 'agent', 'redis'] as const).every(
        f => !results[f] || results[f].failed === 0,
      ),
      host_and_gateway_back_within_5s: (['host', 'gateway'] as const).every(
        f => !results[f] || (results[f].back_ms !== undefined && results[f].back_ms <= 5_000),
      ),
    };
    console.log(
      `\ntargets: lost = 0 ${targets.lost_zero ? 'met' : 'NOT met'}; no failed query for placement, profiler, agent, redis ${targets.no_failures_for_placement_profiler_agent_redis ? 'met' : 'NOT met'}; host and gateway back within 5 s ${targets.host_and_gateway_back_within_5s ? 'met' : 'NOT met'}`,
    );
    console.log(
      `(load: ${qps} qps per model on ${models.join(', ')}, deadline ${deadlineMs} ms; this 2-core VM runs the load generator, every service and the tenants together)`,
    );
    console.log(
      JSON.stringify({ bench: 'chaos', models, qps, deadline_ms: deadlineMs, faults: results, lost, targets }),
    );
  } finally {
    abort.abort();
    await load?.catch(() => undefined);
    up.proc.kill('SIGINT');
    const code = await Promise.race([up.exited, sleep(30_000).then(() => undefined)]);
    if (code === undefined) await up.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface FaultResult {
  killed_pid: number;
  sent: number;
  ok: number;
  failed: number;
  failed_by_code: Record<string, number>;
  /** Failed with no answer: their deadline passed first. */
  lost: number;
  /** ms from the first to the last failed query (0 when none failed). */
  failure_window_ms: number;
  /** ms from the kill until the process was back and serving (its replacement, or the same address healthy). */
  back_ms: number | undefined;
  /** ms from the kill until queries succeed again after the last failure (the kill itself when none failed). */
  heal_ms: number;
}

async function inject(fault: Fault, up: Child, outcomes: Outcome[]): Promise<FaultResult> {
  const cluster = readCluster();
  const name = fault === 'agent' ? 'worker' : fault;
  const pid = fault === 'host' ? hostPid(models[0]!) : cluster.pids[name];
  if (!pid || !isAlive(pid)) throw new Error(`cannot find the ${fault} process to kill`);
  const from = outcomes.length;
  const linesBefore = up.lines.length;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  let back_ms: number | undefined;
  const back = (async () => {
    if (fault === 'host') {
      // The node agent starts a new host on the same port; back = a new host pid and the gateway serving again.
      await waitFor(
        () => {
          const p = hostPid(models[0]!);
          return p !== undefined && p !== pid;
        },
        60_000,
        'a new tenant host',
      );
      await waitFor(
        () => outcomes.slice(from).some(q => q.code === 'OK' && q.sentAt > killedAt && q.model === models[0]),
        60_000,
        'an answered query',
      );
    } else {
      const label = fault === 'redis' ? 'redis-server' : name;
      const re = new RegExp(`\\| ${label} is back: pid (\\d+)`);
      await waitFor(() => up.lines.slice(linesBefore).some(l => re.test(l)), 60_000, `${label} back`);
      if (fault === 'gateway')
        await waitFor(
          async () => (await checkHealth(cluster.services['gateway']!, '', 1_000)) === 'SERVING',
          30_000,
          'gateway ready',
        );
    }
    back_ms = Date.now() - killedAt;
  })().catch(err => console.error(`${fault}: ${(err as Error).message}`));
  await sleep(observeMs);
  await back;
  // Queries sent up to the end of the observation (and everything in flight then) belong to this fault.
  const end = Date.now();
  await sleep(deadlineMs + 200);
  const qs = outcomes.slice(from).filter(q => q.sentAt <= end);
  const failed = qs.filter(q => q.code !== 'OK');
  const byCode: Record<string, number> = {};
  for (const q of failed) byCode[q.code] = (byCode[q.code] ?? 0) + 1;
  const lost = failed.filter(q => q.code === 'DEADLINE_EXCEEDED' && q.doneAt >= q.deadline - 5).length;
  const lastFail = failed.length ? Math.max(...failed.map(q => q.sentAt)) : killedAt;
  const firstOkAfter = qs.filter(q => q.code === 'OK' && q.sentAt > lastFail).map(q => q.doneAt);
  return {
    killed_pid: pid,
    sent: qs.length,
    ok: qs.length - failed.length,
    failed: failed.length,
    failed_by_code: byCode,
    lost,
    failure_window_ms: failed.length ? lastFail - Math.min(...failed.map(q => q.sentAt)) : 0,
    back_ms,
    heal_ms: (firstOkAfter.length ? Math.min(...firstOkAfter) : end) - killedAt,
  };
}

function print(fault: Fault, r: FaultResult): void {
  const codes =
    Object.entries(r.failed_by_code)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ') || '-';
  console.log(
    `${fault.padEnd(9)} killed pid ${r.killed_pid}: sent ${r.sent}, OK ${r.ok}, failed ${r.failed} (${codes}), lost ${r.lost}; ` +
      `failure window ${fmt(r.failure_window_ms / 1000, 2)} s; back after ${r.back_ms === undefined ? 'never (within the observation)' : `${fmt(r.back_ms / 1000, 2)} s`}; queries succeed again ${fmt(r.heal_ms / 1000, 2)} s after the kill`,
  );
}

void main().catch(err => {
  console.error(err);
  process.exitCode = 1;
});
