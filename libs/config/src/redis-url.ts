/**
 * REDIS_URL names one of three kinds of Redis deployment:
 *
 *   redis://[user:pass@]host:port[/db]                  one server (rediss:// for TLS); passed to ioredis as is
 *   redis+sentinel://[user:pass@]h1:26379,h2:26379/mymaster[/db][?sentinelPassword=…]
 *                                                       a Sentinel group: the sentinels and the master's name
 *   redis+cluster://[user:pass@]h1:6379,h2:6379         a Redis Cluster: some of its nodes (the rest are discovered)
 *
 * `rediss+sentinel://` and `rediss+cluster://` use TLS to the data nodes. The user and
 * password are the data nodes' (ACL or requirepass); a Sentinel's own password, when it
 * has one, is the `sentinelPassword` query parameter. Ports default to 26379 (sentinels)
 * and 6379 (cluster nodes).
 */
export type RedisTarget =
  | { mode: 'server'; url: string }
  | {
      mode: 'sentinel';
      sentinels: RedisHostPort[];
      /** The master group's name, as in the sentinels' `sentinel monitor <name> …`. */
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelPassword?: string;
      tls: boolean;
    }
  | { mode: 'cluster'; nodes: RedisHostPort[]; username?: string; password?: string; tls: boolean };

export interface RedisHostPort {
  host: string;
  port: number;
}

/** A REDIS_URL that names no Redis deployment; the message says what is wrong. */
export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

const SCHEME = /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(.*)$/i;

/** Parses REDIS_URL (see RedisTarget); throws RedisUrlError naming the problem. */
export function parseRedisUrl(url: string): RedisTarget {
  const m = SCHEME.exec(url);
  if (!m) throw new RedisUrlError('expected a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL');
  const tls = m[1]!.toLowerCase() === 'rediss';
  const kind = m[2]?.toLowerCase();
  if (!kind) {
    try {
      new URL(url);
    } catch {
      throw new RedisUrlError('not a valid URL');
    }
    return { mode: 'server', url };
  }
  let rest = m[3]!;
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) [rest, query] = [rest.slice(0, q), rest.slice(q + 1)];
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  const at = authority.lastIndexOf('@');
  const credentials = at >= 0 ? credentialsOf(authority.slice(0, at)) : {};
  const hosts = hostList(at >= 0 ? authority.slice(at + 1) : authority, kind === 'sentinel' ? 26379 : 6379);
  const params = new URLSearchParams(query);
  if (kind === 'cluster') {
    if (path !== '' && path !== '0') throw new RedisUrlError('a Redis Cluster has only database 0');
    if ([...params.keys()].length) throw new RedisUrlError(`unknown parameters: ${[...params.keys()].join(', ')}`);
    return { mode: 'cluster', nodes: hosts, ...credentials, tls };
  }
  const [name, db = '0', ...extra] = path.split('/');
  if (!name) throw new RedisUrlError('expected the master group name after the sentinels, e.g. /mymaster');
  if (extra.length || !/^\d+$/.test(db)) throw new RedisUrlError(`expected /<master name>[/<db>], got /${path}`);
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;
  params.delete('sentinelPassword');
  if ([...params.keys()].length) throw new RedisUrlError(`unknown parameters: ${[...params.keys()].join(', ')}`);
  return {
    mode: 'sentinel',
    sentinels: hosts,
    name: decodeURIComponent(name),
    db: Number(db),
    ...credentials,
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
    tls,
  };
}

/** The same URL with any password replaced, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url
    .replace(/\/\/([^@/]*)@/, (_, userinfo: string) =>
      userinfo.includes(':') ? `//${userinfo.slice(0, userinfo.indexOf(':'))}:***@` : '//***@',
    )
    .replace(/([?&]sentinelPassword=)[^&]*/i, '$1***');
}

function credentialsOf(userinfo: string): { username?: string; password?: string } {
  const colon = userinfo.indexOf(':');
  const user = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
  const password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) : undefined;
  return { ...(user ? { username: user } : {}), ...(password ? { password } : {}) };
}

function hostList(list: string, defaultPort: number): RedisHostPort[] {
  const hosts = list.split(',').map(h => h.trim());
  if (hosts.length === 0 || hosts.some(h => !h))
    throw new RedisUrlError('expected host[:port] entries separated by commas');
  return hosts.map(h => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(h);
    const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
    if (!m || !(port >= 1 && port <= 65535)) throw new RedisUrlError(`not a host[:port]: ${JSON.stringify(h)}`);
    return { host: m[1] ?? m[2]!, port };
  });
}
