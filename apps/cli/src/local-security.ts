import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSecurityConfig } from '@hera/config';
import { configureSecurity, currentSecurity, type TlsSettings } from '@hera/grpc';
import { createLocalPki, type PkiFiles } from '@hera/procs';
import { applySecurity, readTokenFile } from '@hera/runtime';
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
    const t = createTokens(join(dataDir, 'auth'), { keepExisting: false, by: 'hera up' });
    env['HERA_AUTH_TOKENS_FILE'] = t.tokensFile;
    env['HERA_TOKEN_FILE'] = t.adminFile;
    client.tokenFile = t.adminFile;
  }
  return { serviceEnv: service => ({ ...env, ...certEnv(service) }), client };
}

/** The files createTokens writes: the tokens file servers read, and each role's token for clients. */
export interface TokenFiles {
  /** `<role> <token>` per line: HERA_AUTH_TOKENS_FILE of every server. */
  tokensFile: string;
  /** The admin token alone: HERA_TOKEN_FILE of placement, the profiler, `hera cluster init`, operators. */
  adminFile: string;
  /** The operator token alone: HERA_TOKEN_FILE of whoever sets demand, plans and profiles. */
  operatorFile: string;
  /** Whether the files were written now (false: kept as they were). */
  created: boolean;
}

/**
 * An admin and an operator token (24 random bytes each, base64url) in `dir`: `tokens` (the
 * `<role> <token>` file servers read), `admin.token` and `operator.token`, all mode 0600 in a
 * 0700 directory. With `keepExisting`, files already there are kept (a one-shot that runs on
 * every `docker compose up` must not change the tokens running services hold); else they are
 * replaced. Used by `hera up --auth` and `hera certs tokens`.
 */
export function createTokens(dir: string, o: { keepExisting: boolean; by: string }): TokenFiles {
  const files = {
    tokensFile: join(dir, 'tokens'),
    adminFile: join(dir, 'admin.token'),
    operatorFile: join(dir, 'operator.token'),
  };
  if (o.keepExisting && Object.values(files).every(f => existsSync(f))) return { ...files, created: false };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const admin = randomBytes(24).toString('base64url');
  const operator = randomBytes(24).toString('base64url');
  const write = (file: string, text: string) => {
    writeFileSync(file, text, { mode: 0o600 });
    chmodSync(file, 0o600); // a file that was there keeps its mode otherwise
  };
  write(files.tokensFile, `# ${o.by}: generated ${new Date().toISOString()}\nadmin ${admin}\noperator ${operator}\n`);
  write(files.adminFile, `${admin}\n`);
  write(files.operatorFile, `${operator}\n`);
  return { ...files, created: true };
}

/**
 * The CLI's own gRPC security: its environment's (GRPC_TLS_*, HERA_TOKEN[_FILE]) where set,
 * else what the running `hera up` in `dataDir` recorded. A bad setting ends the command with
 * the variable named.
 */
export function configureCliSecurity(dataDir: string, env: NodeJS.ProcessEnv = process.env): void {
  try {
    applySecurity(loadSecurityConfig(env), 'hera');
    const fromEnv = currentSecurity();
    const recorded = readClusterFile(dataDir)?.security;
    if (!recorded) return;
    configureSecurity({
      tls: fromEnv.tls ?? (recorded.tls ? localClientTls(recorded.tls) : undefined),
      token: fromEnv.token ?? (recorded.tokenFile ? readTokenFile(recorded.tokenFile) : undefined),
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.message);
    throw err;
  }
}

/** The TLS settings of a client of a `hera up --tls` cluster. */
export function localClientTls(files: PkiFiles): TlsSettings {
  return { ...files, clientCerts: 'require', reloadS: 0, serverName: LOCAL_SERVER_NAME };
}
