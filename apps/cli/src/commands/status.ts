import { redactRedisUrl } from '@hera/config';
import type { Command } from 'commander';
import { createClient, probeHealth, unaryCall } from '@hera/grpc';
import {
  loadProtos,
  type NodeManagerStatus__Output,
  type TenantAllocation__Output,
  type TenantStatus__Output,
} from '@hera/proto';
import {
  connectRedis,
  Keyspace,
  listLive,
  ModelStore,
  PlanStore,
  type NodeRecord,
  type ServiceRecord,
} from '@hera/state';
import { DEFAULT_DATA_DIR, resolveTarget } from '../cluster-file';
import { formatAge, formatBytes, table } from '../table';

/** A service as `hera status` shows it: its last record, a live health check, and why it is not healthy. */
export type ServiceStatus = ServiceRecord & {
  health: string;
  /** Still beating (its record has not expired); a silent one is shown from its last record. */
  beating: boolean;
  /** Why it is not SERVING, or not ready; empty when healthy. */
  reason: string;
};

/** A silent service's last record is forgotten after this long, unless nothing replaced it. */
const FORGET_SILENT_MS = 24 * 3600_000;

export interface ClusterStatus {
  redisUrl: string;
  services: ServiceStatus[];
  nodes: NodeRecord[];
  /** Each node agent's GetStatus (tenant details and its node manager), or the error asking it. */
  tenants: {
    nodeId: string;
    tenants: TenantStatus__Output[];
    nodeManager?: NodeManagerStatus__Output | null;
    error?: string;
  }[];
  models: string[];
  planVersion: number;
  /** Each service's /metrics URL, from the cluster file of the `hera up` that started them (absent otherwise). */
  metrics?: Record<string, string>;
}

/**
 * Which services to show: every live one, and every silent one (its record expired:
 * dead, or too busy to beat) that nothing has replaced — a later instance of the same
 * service at the same endpoint, or of a singleton service started after it went
 * silent. Returns the silent ones to show and the ids to forget.
 */
export function silentServices(
  live: readonly ServiceRecord[],
  last: readonly ServiceRecord[],
  now: number,
): { silent: ServiceRecord[]; forget: string[] } {
  const liveIds = new Set(live.map(s => s.instanceId));
  const silent: ServiceRecord[] = [];
  const forget: string[] = [];
  for (const s of last) {
    if (liveIds.has(s.instanceId)) continue;
    const replaced = live.some(
      l =>
        l.service === s.service &&
        (l.endpoint === s.endpoint || (s.service !== 'worker' && l.startedAtMs > s.heartbeatAtMs)),
    );
    if (replaced || now - s.heartbeatAtMs > FORGET_SILENT_MS) forget.push(s.instanceId);
    else silent.push(s);
  }
  return { silent, forget };
}

/** Reads services (with a live health check each, silent ones included), nodes and the plan version from Redis. */
export async function readStatus(redisUrl: string, prefix: string, now = Date.now()): Promise<ClusterStatus> {
  const redis = await connectRedis(redisUrl, { name: 'hera-cli', offlineQueue: true });
  try {
    const keys = new Keyspace(prefix);
    const [services, lastSeen, nodes, models, version] = await Promise.all([
      listLive<ServiceRecord>(redis, keys.services(), m => keys.service(m)),
      redis.hgetall(keys.servicesLastSeen()),
      listLive<NodeRecord>(redis, keys.nodes(), m => keys.node(m)),
      new ModelStore(redis, keys).list(),
      new PlanStore(redis, keys).version(),
    ]);
    const { silent, forget } = silentServices(
      services.live,
      Object.values(lastSeen).map(v => JSON.parse(v) as ServiceRecord),
      now,
    );
    if (forget.length) await redis.hdel(keys.servicesLastSeen(), ...forget);
    const shown = [
      ...services.live.map(s => ({ ...s, beating: true })),
      ...silent.map(s => ({ ...s, beating: false })),
    ].sort((a, b) => a.service.localeCompare(b.service) || Number(b.beating) - Number(a.beating));
    const health = await Promise.all(shown.map(s => probeHealth(s.endpoint, '', 1_500)));
    const tenants = await Promise.all(
      nodes.live.map(async n => {
        const c = createClient(loadProtos().proto.hera.worker.v1.WorkerService, n.endpoint, { maxAttempts: 1 });
        try {
          const r = await unaryCall(c, 'GetStatus', {}, { deadlineMs: 1_500 });
          return { nodeId: n.nodeId, tenants: r.tenants, ...(r.nodeManager ? { nodeManager: r.nodeManager } : {}) };
        } catch (err) {
          return { nodeId: n.nodeId, tenants: [], error: (err as Error).message };
        } finally {
          c.close();
        }
      }),
    );
    return {
      redisUrl: redactRedisUrl(redisUrl),
      services: shown.map((s, i) => ({ ...s, health: health[i]!.status, reason: serviceReason(s, health[i]!, now) })),
      nodes: nodes.live,
      tenants,
      models: models.map(m => m.name),
      planVersion: version,
    };
  } finally {
    redis.disconnect();
  }
}

function serviceReason(
  s: ServiceRecord & { beating: boolean },
  h: { status: string; detail?: string },
  now: number,
): string {
  const why: string[] = [];
  if (!s.beating) why.push(`no heartbeat for ${formatAge(now - s.heartbeatAtMs)} (dead, or its event loop is stuck)`);
  if (h.status === 'UNREACHABLE') why.push(`health check failed: ${h.detail ?? 'no answer'}`);
  else if (h.status !== 'SERVING')
    why.push(s.readiness && !s.readiness.ready ? `not ready: ${s.readiness.reason}` : `health ${h.status}`);
  return why.join('; ');
}

/** Which version a tenant serves and how a rollout of it stands (node record fields of newer agents). */
function rolloutText(t: NodeRecord['tenants'][string]): string {
  return [
    t.version ? ` v${t.version}` : '',
    t.pendingVersion ? ` (starting v${t.pendingVersion})` : '',
    t.retiring ? ` (${t.retiring} old host draining)` : '',
    t.failedVersion ? ` (v${t.failedVersion} failed to start)` : '',
  ].join('');
}

export function renderStatus(s: ClusterStatus, now = Date.now()): string {
  const lines = [
    `redis: ${s.redisUrl}    plan version: ${s.planVersion || 'none'}    models: ${s.models.join(', ') || 'none registered'}`,
    '',
  ];
  lines.push(
    s.services.length
      ? table(
          ['service', 'endpoint', 'health', 'state', 'pid', 'host', 'up', 'last beat', 'why not healthy'],
          s.services.map(x => [
            x.service,
            x.endpoint,
            x.health,
            x.beating ? x.state : 'silent',
            x.pid,
            x.hostname,
            x.beating ? formatAge(now - x.startedAtMs) : '-',
            `${formatAge(now - x.heartbeatAtMs)} ago`,
            x.reason || '-',
          ]),
        )
      : 'no services registered',
    '',
  );
  lines.push(
    s.nodes.length
      ? table(
          ['node', 'endpoint', 'class', 'cores', 'memory', 'cgroup', 'backend', 'tenants'],
          s.nodes.map(n => [
            n.nodeId,
            n.endpoint,
            n.nodeClass,
            n.cores,
            formatBytes(n.memoryBytes),
            n.cgroupMode,
            n.backend || '-',
            Object.entries(n.tenants)
              .map(([m, t]) => `${m}×${t.workers} (${t.state})${rolloutText(t)}`)
              .join(', ') || '-',
          ]),
        )
      : 'no nodes registered',
  );
  lines.push(...unconfinedNotes(s));
  const rows = s.tenants.flatMap(n =>
    n.error
      ? [[n.nodeId, `(status unavailable: ${n.error})`, '', '', '', '', '', '', '', '', '', '', '', '']]
      : n.tenants.map(t => {
          const a = t.allocation!;
          const limit = Number(a.memoryLimitBytes);
          return [
            n.nodeId,
            a.model,
            t.state,
            t.backend || '-',
            a.workers,
            a.cpuset.join(',') || 'any',
            a.cpuMillis ? `${a.cpuMillis}m` : '-',
            plannedText(a, t.plannedAllocation),
            `${t.latency!.p50Ms.toFixed(1)}/${t.latency!.p95Ms.toFixed(1)}/${t.latency!.p99Ms.toFixed(1)}`,
            t.recent ? `${t.recent.p95Ms.toFixed(1)} (${Number(t.recent.count)})` : '-',
            t.servedQps.toFixed(1),
            t.queueDepth,
            `${formatBytes(Number(t.memoryBytes))}${limit ? ` / ${formatBytes(limit)}` : ''}`,
            t.restarts ? `${t.restarts} (${t.lastRestartCause})` : '0',
          ];
        }),
  );
  if (rows.length) {
    lines.push(
      '',
      table(
        [
          'node',
          'tenant',
          'state',
          'backend',
          'workers',
          'cpuset',
          'quota',
          'planned',
          'p50/p95/p99 ms',
          'manager window p95 ms (n)',
          'qps',
          'queue',
          'memory / limit',
          'restarts',
        ],
        rows,
      ),
    );
  }
  if (s.metrics && Object.keys(s.metrics).length) {
    lines.push('', table(['service', 'metrics'], Object.entries(s.metrics)));
  }
  for (const n of s.tenants) {
    const m = n.nodeManager;
    if (!m) continue;
    lines.push(
      '',
      `node manager on ${n.nodeId}: ${m.state}; ${Number(m.moves)} moves, ${Number(m.undos)} undone; resctrl ${m.resctrl}`,
    );
    for (const mv of m.lastMoves.slice(-MOVES_SHOWN)) {
      lines.push(
        `  ${formatAge(now - Number(mv.atMs))} ago  ${mv.from} → ${mv.to}  ${mv.millis} m (${mv.kind})  ${mv.reason}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A line per node that runs its tenants without cgroups (`cgroup: none`): no CPU or memory
 * limits, so tenants interfere and the plan's splits are not enforced. The reason comes from
 * the node manager's state ("off: no cgroups to enforce moves (<detection>)") when the agent
 * reports it; the fix in a container is the README's (Compose: cgroups for the node agents).
 */
export function unconfinedNotes(s: Pick<ClusterStatus, 'nodes' | 'tenants'>): string[] {
  const none = s.nodes.filter(n => n.cgroupMode === 'none');
  if (none.length === 0) return [];
  const out = [''];
  for (const n of none) {
    const state = s.tenants.find(t => t.nodeId === n.nodeId)?.nodeManager?.state ?? '';
    const why = /^off: no cgroups to enforce moves \((.*)\)$/.exec(state)?.[1];
    out.push(
      `node ${n.nodeId}: NO CGROUPS — tenants run without CPU or memory limits${why ? ` (${why})` : ''}; ` +
        'the agent needs a writable cgroup filesystem: root, and in a container privileged, or cap_add SYS_ADMIN with /sys/fs/cgroup mounted rw (README, Compose)',
    );
  }
  return out;
}

/** Moves of each node manager `hera status` lists (GetStatus has up to 20; --json shows them all). */
const MOVES_SHOWN = 5;

/** The plan's allocation beside the current one: "=" when the node manager left it as planned. */
function plannedText(a: TenantAllocation__Output, p: TenantAllocation__Output | null | undefined): string {
  if (!p) return '-';
  const same = p.workers === a.workers && p.cpuMillis === a.cpuMillis && p.cpuset.join(',') === a.cpuset.join(',');
  return same ? '=' : `${p.workers}w ${p.cpuset.join(',') || 'any'}${p.cpuMillis ? ` ${p.cpuMillis}m` : ''}`;
}

export function register(program: Command): void {
  program
    .command('status')
    .description('show services (with live health checks), nodes and their tenants, from Redis')
    .option('--redis-url <url>', 'cluster Redis (default: $REDIS_URL, else the running `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--prefix <prefix>', 'Redis key prefix')
    .option('--json', 'print JSON instead of tables', false)
    .action(async (o: { redisUrl?: string; dataDir: string; prefix?: string; json: boolean }) => {
      const target = resolveTarget(o);
      const status = await readStatus(target.redisUrl, target.prefix);
      // The ports `hera up --metrics` gave, when this is the cluster it started.
      const cluster = target.cluster;
      if (cluster?.metrics && cluster.redisUrl === target.redisUrl && cluster.prefix === target.prefix)
        status.metrics = cluster.metrics;
      process.stdout.write(o.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
      const unhealthy = status.services.filter(x => x.health !== 'SERVING');
      if (unhealthy.length) process.exitCode = 1;
    });
}
