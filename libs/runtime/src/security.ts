import { readFileSync } from 'node:fs';
import { ConfigError, configureRedisTls } from '@hera/config';
import { configureSecurity, loadAuthPolicy, type AuthPolicy, type Security } from '@hera/grpc';

/** The security variables (securityEnv in @hera/config), as parsed. */
export interface SecurityConfig {
  GRPC_TLS_CERT?: string | undefined;
  GRPC_TLS_KEY?: string | undefined;
  GRPC_TLS_CA?: string | undefined;
  GRPC_TLS_CLIENT_CERTS: 'require' | 'optional' | 'none';
  GRPC_TLS_SERVER_NAME?: string | undefined;
  GRPC_TLS_RELOAD_S: number;
  HERA_AUTH_TOKENS_FILE?: string | undefined;
  HERA_AUTH_IDENTITIES?: string | undefined;
  HERA_AUTH_OPEN: string;
  HERA_TOKEN?: string | undefined;
  HERA_TOKEN_FILE?: string | undefined;
  REDIS_TLS_CA?: string | undefined;
  REDIS_TLS_CERT?: string | undefined;
  REDIS_TLS_KEY?: string | undefined;
}

/** The bearer token in a file (HERA_TOKEN_FILE's form); a ConfigError naming it (never its content) when unreadable or short. */
export function readTokenFile(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigError([`HERA_TOKEN_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`]);
  }
  if (token.length < 16) throw new ConfigError([`HERA_TOKEN_FILE: ${path} holds under 16 characters`]);
  return token;
}

/**
 * The process's gRPC security (for configureSecurity) and its servers' auth policy, from the
 * variables; files are read now, so a missing one stops the start with a ConfigError naming
 * the variable (never a token's value).
 */
export function securityOf(c: SecurityConfig, service = 'hera'): { security: Security; auth: AuthPolicy | undefined } {
  const issues: string[] = [];
  const tlsVars = [c.GRPC_TLS_CERT, c.GRPC_TLS_KEY, c.GRPC_TLS_CA];
  if (tlsVars.some(Boolean) && !tlsVars.every(Boolean))
    issues.push('GRPC_TLS_CERT, GRPC_TLS_KEY and GRPC_TLS_CA: set all three for TLS, or none');
  if (c.HERA_TOKEN && c.HERA_TOKEN_FILE) issues.push('HERA_TOKEN and HERA_TOKEN_FILE: set one, not both');
  let token = c.HERA_TOKEN;
  if (c.HERA_TOKEN_FILE) {
    try {
      token = readTokenFile(c.HERA_TOKEN_FILE);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  }
  let auth: AuthPolicy | undefined;
  try {
    auth = loadAuthPolicy({
      tokensFile: c.HERA_AUTH_TOKENS_FILE,
      identities: c.HERA_AUTH_IDENTITIES,
      open: c.HERA_AUTH_OPEN,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    issues.push(
      `HERA_AUTH_TOKENS_FILE / HERA_AUTH_IDENTITIES: ${e.code ? `cannot read ${c.HERA_AUTH_TOKENS_FILE} (${e.code})` : e.message}`,
    );
  }
  if (c.HERA_AUTH_IDENTITIES && !c.GRPC_TLS_CERT)
    issues.push('HERA_AUTH_IDENTITIES: client certificates need TLS (GRPC_TLS_CERT, GRPC_TLS_KEY, GRPC_TLS_CA)');
  if (issues.length) throw new ConfigError(issues, service);
  const tls = c.GRPC_TLS_CERT
    ? {
        certFile: c.GRPC_TLS_CERT,
        keyFile: c.GRPC_TLS_KEY!,
        caFile: c.GRPC_TLS_CA!,
        clientCerts: c.GRPC_TLS_CLIENT_CERTS,
        serverName: c.GRPC_TLS_SERVER_NAME,
        reloadS: c.GRPC_TLS_RELOAD_S,
      }
    : undefined;
  return { security: { tls, token }, auth };
}

/**
 * Makes `c` this process's security: its gRPC servers' and clients' TLS and token
 * (configureSecurity) and its Redis connections' TLS files (configureRedisTls). Returns the
 * auth policy its servers enforce. Throws ConfigError naming the variable.
 */
export function applySecurity(c: SecurityConfig, service = 'hera'): AuthPolicy | undefined {
  const { security, auth } = securityOf(c, service);
  configureRedisTls({ caFile: c.REDIS_TLS_CA, certFile: c.REDIS_TLS_CERT, keyFile: c.REDIS_TLS_KEY });
  configureSecurity(security);
  return auth;
}
