import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ClusterSecurity } from './local-security';

/** What `hera up` writes to <data-dir>/cluster.json so other commands find the cluster. */
export interface ClusterFile {
  pid: number;
  redisUrl: string;
  prefix: string;
  /** Whether `hera up` started (and will stop) that Redis. */
  ownRedis: boolean;
  services: Record<string, string>;
  workers: { nodeId: string; address: string }[];
  /** Each service's Prometheus /metrics URL by name (gateway, worker, …); absent when metrics are off. */
  metrics?: Record<string, string>;
  /** Every process `hera up` started, by name (redis included when it owns it). */
  pids: Record<string, number>;
  startedAt: string;
  /** TLS files and token file clients of this cluster use (`hera up --tls`, `--auth`). */
  security?: ClusterSecurity;
}

export const DEFAULT_DATA_DIR = '.hera';

export function clusterFilePath(dataDir: string): string {
  return join(resolve(dataDir), 'cluster.json');
}

export function readClusterFile(dataDir: string): ClusterFile | undefined {
  const p = clusterFilePath(dataDir);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as ClusterFile;
  } catch {
    return undefined;
  }
}

export function writeClusterFile(dataDir: string, f: ClusterFile): void {
  const p = clusterFilePath(dataDir);
  mkdirSync(dirname(p), { recursive: true });
  // 0600: it holds the Redis URL with the cluster's password.
  writeFileSync(p, `${JSON.stringify(f, null, 2)}\n`, { mode: 0o600 });
  chmodSync(p, 0o600);
}

export function removeClusterFile(dataDir: string): void {
  rmSync(clusterFilePath(dataDir), { force: true });
}

export interface ClusterTarget {
  redisUrl: string;
  prefix: string;
  cluster?: ClusterFile;
}

/**
 * Where the cluster's Redis is, for commands other than `up`: the --redis-url flag,
 * else REDIS_URL, else the cluster.json of a running `hera up`.
 */
export function resolveTarget(opts: { redisUrl?: string; dataDir?: string; prefix?: string }): ClusterTarget {
  const cluster = readClusterFile(opts.dataDir ?? DEFAULT_DATA_DIR);
  const redisUrl = opts.redisUrl ?? process.env['REDIS_URL'] ?? cluster?.redisUrl;
  if (!redisUrl) {
    throw new Error(
      `no cluster found: pass --redis-url, set REDIS_URL, or start one with \`hera up\` (looked for ${clusterFilePath(opts.dataDir ?? DEFAULT_DATA_DIR)})`,
    );
  }
  return {
    redisUrl,
    prefix: opts.prefix ?? process.env['HERA_REDIS_PREFIX'] ?? cluster?.prefix ?? 'hera',
    ...(cluster ? { cluster } : {}),
  };
}
