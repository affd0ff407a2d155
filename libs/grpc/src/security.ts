import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { experimental } from '@grpc/grpc-js';

/**
 * How this process's gRPC servers and clients protect their connections: TLS settings from
 * files (PEM), and the bearer token its clients present. One process-wide setting, made once
 * at start (runService, the tenant host, the CLI) before any channel is opened: every server
 * and client of the mesh goes through startServer / createClient / probeHealth, which read it.
 */
export interface TlsSettings {
  /** This process's certificate chain (PEM file): served by its servers, presented by its clients. */
  certFile: string;
  /** Its private key (PEM file). */
  keyFile: string;
  /** The CA bundle (PEM file) peers' certificates must chain to. */
  caFile: string;
  /**
   * What a server asks of clients: `require` (mTLS: no certificate signed by the CA, no
   * connection), `optional` (verified when presented: public endpoints), `none`.
   */
  clientCerts: 'require' | 'optional' | 'none';
  /**
   * The name clients check the server's certificate against, when it differs from the host
   * they dial (e.g. dialing 127.0.0.1 a certificate issued to "hera.local"); absent: the host.
   */
  serverName?: string | undefined;
  /**
   * Seconds between re-reads of the files by servers: a renewed certificate (and CA bundle) is
   * used for new connections without a restart (grpc-js's FileWatcherCertificateProvider).
   * 0: never; `clientCerts: none` servers and every client read their files once.
   */
  reloadS?: number | undefined;
}

export interface Security {
  tls?: TlsSettings | undefined;
  /** Bearer token this process's clients send (`authorization: Bearer …`); absent: none. */
  token?: string | undefined;
}

let current: Security = {};

/** Sets the process-wide security (see Security). Call before opening servers or channels. */
export function configureSecurity(s: Security): void {
  current = { ...s };
}

/** The process-wide security in force. */
export function currentSecurity(): Readonly<Security> {
  return current;
}

/** Reads a PEM file, with an error naming the setting and the file. */
function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

/** How long a provider-backed server goes between re-reads when reload is off (`optional` needs a provider: see below). */
const NO_RELOAD_MS = 24 * 3600 * 1000;

/**
 * Server credentials: insecure without TLS settings; else TLS with this process's certificate,
 * verifying clients per `clientCerts`. With `reloadS` > 0 the files are re-read on that
 * period (grpc-js's experimental certificate provider). The files are read before this
 * resolves, so a missing or unreadable file fails the start, and a server bound with these
 * credentials has its certificate from its first handshake on (a provider that has not read
 * its files yet drops handshakes).
 */
export async function serverCredentials(tls: TlsSettings | undefined = current.tls): Promise<grpc.ServerCredentials> {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const ca = readPem(tls.caFile, 'CA');
  const cert = readPem(tls.certFile, 'certificate');
  const key = readPem(tls.keyFile, 'key');
  // A provider for reload, and for `optional` in any case: grpc-js's static TLS credentials
  // either require a client certificate or never ask for one, so identities (HERA_AUTH_IDENTITIES)
  // would go unseen. grpc-js's createCertificateProviderServerCredentials passes its two providers
  // in swapped order (1.14.7); one provider in both places is immune to that, and asks clients for
  // certificates, so `none` keeps static files instead.
  if ((tls.reloadS || tls.clientCerts === 'optional') && tls.clientCerts !== 'none') {
    const provider = new experimental.FileWatcherCertificateProvider({
      certificateFile: tls.certFile,
      privateKeyFile: tls.keyFile,
      caCertificateFile: tls.caFile,
      refreshIntervalMs: tls.reloadS ? tls.reloadS * 1000 : NO_RELOAD_MS,
    });
    await firstRead(provider);
    // `require` refuses connections without a certificate; `optional` verifies those presented.
    return experimental.createCertificateProviderServerCredentials(provider, provider, tls.clientCerts === 'require');
  }
  return grpc.ServerCredentials.createSsl(
    tls.clientCerts === 'none' ? null : ca,
    [{ cert_chain: cert, private_key: key }],
    tls.clientCerts === 'require',
  );
}

/**
 * Waits until `provider` has read its files once. The read stays cached in it, so the server's
 * own listeners get it at once when it binds; ours are removed again (a listener keeps the
 * provider's refresh timer, which would hold the process open, running).
 */
function firstRead(provider: experimental.FileWatcherCertificateProvider): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (update: experimental.IdentityCertificateUpdate | null) => {
      provider.removeIdentityCertificateListener(listener);
      if (update) resolve();
      else reject(new Error('TLS certificate or key could not be read'));
    };
    provider.addIdentityCertificateListener(listener);
  });
}

/** Channel credentials: insecure without TLS settings; else TLS verifying the server, presenting ours. */
export function channelCredentials(tls: TlsSettings | undefined = current.tls): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(
    readPem(tls.caFile, 'CA'),
    readPem(tls.keyFile, 'key'),
    readPem(tls.certFile, 'certificate'),
  );
}

/** Channel options that go with channelCredentials (the name checked in the server's certificate). */
export function channelSecurityOptions(tls: TlsSettings | undefined = current.tls): grpc.ChannelOptions {
  return tls?.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {};
}

export const AUTHORIZATION = 'authorization';

/**
 * A client interceptor adding `authorization: Bearer <token>` to every call, or undefined
 * without a token. Metadata rather than grpc-js call credentials, which it refuses on insecure
 * channels: a token over plaintext is for loopback clusters only (see the README).
 */
export function tokenInterceptor(token: string | undefined = current.token): grpc.Interceptor | undefined {
  if (!token) return undefined;
  const value = `Bearer ${token}`;
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (!metadata.get(AUTHORIZATION).length) metadata.set(AUTHORIZATION, value);
        next(metadata, listener);
      },
    });
}
