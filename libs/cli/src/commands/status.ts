import type { Command } from 'commander';
import { checkHealth } from '@hera/grpc';
import { connectRedis, Keyspace, listLive, ModelStore, type NodeRecord, type ServiceRecord } from '@hera/state';
import { DEFAULT_DATA_DIR, resolveTarget } from '../cluster-file';
import { formatAge, formatBytes, table } from '../table';

export interface ClusterStatus {
  redisUrl: string;
  services: (ServiceRecord & { health: string })[];
  nodes: NodeRecord[];
  models: string[];
  planVersion: number;
}

/** Reads services (with a live health check each), nodes and the plan version from Redis. */
export async function readStatus(redisUrl: string, prefix: string): Promise<ClusterStatus> {
  const redis = await connectRedis(redisUrl, { name: 'hera-cli', offlineQueue: true });
  try {
    const keys = new Keyspace(prefix);
    const [services, nodes, models, version] = await Promise.all([
      listLive<ServiceRecord>(redis, keys.services(), m => keys.service(m)),
      listLive<NodeRecord>(redis, keys.nodes(), m => keys.node(m)),
      new ModelStore(redis, keys).list(),
      redis.get(keys.planVersion()),
    ]);
    const health = await Promise.all(services.live.map(s => checkHealth(s.endpoint, '', 1_500)));
    return {
      redisUrl,
      services: services.live.map((s, i) => ({ ...s, health: health[i]! })),
      nodes: nodes.live,
      models: models.map(m => m.name),
      planVersion: Number(version ?? 0),
    };
  } finally {
    redis.disconnect();
  }
}

export function renderStatus(s: ClusterStatus, now = Date.now()): string {
  const lines = [`redis: ${s.redisUrl}    plan version: ${s.planVersion || 'none'}    models: ${s.models.join(', ') || 'none registered'}`, ''];
  lines.push(
    s.services.length
      ? table(
          ['service', 'endpoint', 'health', 'state', 'pid', 'host', 'up', 'last beat'],
          s.services.map(x => [x.service, x.endpoint, x.health, x.state, x.pid, x.hostname, formatAge(now - x.startedAtMs), `${formatAge(now - x.heartbeatAtMs)} ago`]),
        )
      : 'no services registered',
    '',
  );
  lines.push(
    s.nodes.length
      ? table(
          ['node', 'endpoint', 'class', 'cores', 'memory', 'cgroup', 'backend', 'tenants'],
          s.nodes.map(n => [
            n.nodeId, n.endpoint, n.nodeClass, n.cores, formatBytes(n.memoryBytes), n.cgroupMode, n.backend || '-',
            Object.entries(n.tenants).map(([m, t]) => `${m}×${t.workers} (${t.state})`).join(', ') || '-',
          ]),
        )
      : 'no nodes registered',
  );
  return `${lines.join('\n')}\n`;
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
      process.stdout.write(o.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
      const unhealthy = status.services.filter(x => x.health !== 'SERVING');
      if (unhealthy.length) process.exitCode = 1;
    });
}
