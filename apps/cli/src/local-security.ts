import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configureRedisTls, loadSecurityConfig } from '@hera/config';
import { configureSecurity, type TlsSettings } from '@hera/grpc';
import { createLocalPki, type PkiFiles } from '@hera/procs';
import { securityOf } from '@hera/runtime';
import { readClusterFile } from './cluster-file';

/**
 * The name clients of a `hera up --tls` cluster check in its certificates: every one carries
 * it, and dialing 127.0.0.1 with the IP as the TLS server name is deprecated in Node (DEP0123).
 */
export const LOCAL_SERVER_NAME = 'localhost';

/** What a `hera up` cluster asks of clients, as cluster.json records it for the other commands. */
export interface ClusterSecurity {
  /** The CLI's own certificate (CN hera-cli) and the cluster's CA, when the cluster runs TLS. */
  tls?: PkiFiles;
  /** A file holding the admin token, when the cluster's control plane asks for one. */
  tokenFile?: string;
}

export interface LocalSecurity {
  /** Variables for one service (its own certificate; the tokens). */
  serviceEnv(service: 'gateway' | 'worker' | 'placement' | 'profiler'): Record<string, string>;
  client: ClusterSecurity;
}

/**
 * Security for a cluster `hera up` starts: with `tls`, a throwaway CA and a certificate per
 * service and one for the CLI under <data-dir>/tls (openssl), mTLS on every hop; with `auth`,
 * an admin and an operator token under <data-dir>/auth (mode 0600). The services get the admin
 * token to present (the profiler starts tenants through the node agents' admin RPCs).
 */
export function secureLocalCluster(dataDir: string, o: { tls: boolean; auth: boolean; host: string }): LocalSecurity {
  const env: Record<string, string> = {};
  const client: ClusterSecurity = {};
  let certEnv = (_service: string): Record<string, string> => ({});
  if (o.tls) {
    const names = ['gateway', 'worker', 'placement', 'profiler', 'cli'];
    const hosts = [o.host, '127.0.0.1', '::1', 'localhost', hostname()].filter(h => h !== '0.0.0.0' && h !== '::');
    const pki = createLocalPki(join(dataDir, 'tls'), names, hosts);
    certEnv = service => {
      const f = pki.files(service);
      return {
        GRPC_TLS_CERT: f.certFile,
        GRPC_TLS_KEY: f.keyFile,
        GRPC_TLS_CA: f.caFile,
        GRPC_TLS_CLIENT_CERTS: 'require',
      };
    };
    client.tls = pki.files('cli');
  }
  if (o.auth) {
    const dir = join(dataDir, 'auth');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const admin = randomBytes(24).toString('base64url');
    const operator = randomBytes(24).toString('base64url');
    const tokens = join(dir, 'tokens');
    writeFileSync(tokens, `# hera up: generated ${new Date().toISOString()}\nadmin ${admin}\noperator ${operator}\n`, {
      mode: 0o600,
    });
    const adminFile = join(dir, 'admin.token');
    writeFileSync(adminFile, `${admin}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'operator.token'), `${operator}\n`, { mode: 0o600 });
    env['HERA_AUTH_TOKENS_FILE'] = tokens;
    env['HERA_TOKEN_FILE'] = adminFile;
    client.tokenFile = adminFile;
  }
  return { serviceEnv: service => ({ ...env, ...certEnv(service) }), client };
}

/**
 * The CLI's own gRPC security: its environment's (GRPC_TLS_*, HERA_TOKEN[_FILE]) where set,
 * else what the running `hera up` in `dataDir` recorded. A bad setting ends the command with
 * the variable named.
 */
export function configureCliSecurity(dataDir: string, env: NodeJS.ProcessEnv = process.env): void {
  let fromEnv;
  try {
    const c = loadSecurityConfig(env);
    fromEnv = securityOf(c, 'hera').security;
    configureRedisTls({ caFile: c.REDIS_TLS_CA, certFile: c.REDIS_TLS_CERT, keyFile: c.REDIS_TLS_KEY });
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.message);
    throw err;
  }
  const recorded = readClusterFile(dataDir)?.security;
  const token =
    fromEnv.token ??
    (recorded?.tokenFile
      ? securityOf(loadSecurityConfig({ HERA_TOKEN_FILE: recorded.tokenFile })).security.token
      : undefined);
  const tls = fromEnv.tls ?? (recorded?.tls ? localClientTls(recorded.tls) : undefined);
  configureSecurity({ tls, token });
}

/** The TLS settings of a client of a `hera up --tls` cluster. */
export function localClientTls(files: PkiFiles): TlsSettings {
  return { ...files, clientCerts: 'require', reloadS: 0, serverName: LOCAL_SERVER_NAME };
}
