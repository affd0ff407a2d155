import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from './config-error';

/** PEM files for TLS to Redis (rediss://…): the CA that signed the server's certificate, and a client certificate when Redis asks for one. */
export interface RedisTlsFiles {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

let current: ConnectionOptions = {};

/**
 * Sets the TLS options every Redis connection of this process uses when its URL asks for TLS
 * (rediss://, rediss+sentinel://, rediss+cluster://): read once, at start, from
 * REDIS_TLS_CA / REDIS_TLS_CERT / REDIS_TLS_KEY. Without them TLS verifies against Node's
 * default CAs (and NODE_EXTRA_CA_CERTS) and presents no certificate.
 */
export function configureRedisTls(files: RedisTlsFiles): void {
  const issues: string[] = [];
  const read = (path: string | undefined, what: string) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      issues.push(`REDIS_TLS_${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
      return undefined;
    }
  };
  if (Boolean(files.certFile) !== Boolean(files.keyFile))
    issues.push('REDIS_TLS_CERT and REDIS_TLS_KEY: set both (a client certificate and its key), or neither');
  const ca = read(files.caFile, 'CA');
  const cert = read(files.certFile, 'CERT');
  const key = read(files.keyFile, 'KEY');
  if (issues.length) throw new ConfigError(issues, 'redis');
  current = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** The TLS options for a Redis connection that uses TLS (see configureRedisTls). */
export function redisTlsOptions(): ConnectionOptions {
  return current;
}
