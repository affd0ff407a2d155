import { copyFileSync, chmodSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Option, type Command } from 'commander';
import { createLocalPki } from '@hera/procs';
import { createTokens, type TokenFiles } from '../local-security';

/** The identities a cluster needs: one per service (node agents and their tenant hosts share `worker`) and the CLI's. */
export const DEFAULT_CERT_NAMES = ['gateway', 'placement', 'profiler', 'worker', 'cli'] as const;
export const DEFAULT_CERT_HOSTS = ['localhost', '127.0.0.1'] as const;

const list = (v: string) =>
  v
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);

export interface CertsCreateOptions {
  dir: string;
  names: readonly string[];
  hosts: readonly string[];
  days: number;
  /** Also copy what services need (never the CA's key) here. */
  out?: string | undefined;
}

/**
 * `hera certs create`: a CA and a certificate per name in `dir` (createLocalPki: files already
 * there are kept), and with `out` a copy of the CA certificate and each name's certificate and
 * key, without the CA's key, for a Kubernetes Secret or a volume services mount. Returns the
 * lines to print: each file, and whether it was made now or kept.
 */
export function certsCreate(o: CertsCreateOptions): string[] {
  if (!o.names.length) throw new Error('--names: at least one name');
  const before = new Set(
    ['ca.pem', ...o.names.flatMap(n => [`${n}.pem`, `${n}.key`])].filter(f => existsSync(join(o.dir, f))),
  );
  const pki = createLocalPki(o.dir, o.names, o.hosts, { days: o.days });
  const files = [pki.caFile, ...o.names.flatMap(n => [pki.files(n).certFile, pki.files(n).keyFile])];
  const lines = files.map(f => `${before.has(basename(f)) ? 'kept   ' : 'created'} ${f}`);
  lines.push(`(the CA's key is ${join(o.dir, 'ca.key')}: keep it there; services never need it)`);
  if (o.out) {
    mkdirSync(o.out, { recursive: true, mode: 0o700 });
    for (const f of files) {
      const to = join(o.out, basename(f));
      copyFileSync(f, to);
      chmodSync(to, f.endsWith('.key') ? 0o600 : 0o644);
      lines.push(`copied  ${to}`);
    }
  }
  return lines;
}

/** What createTokens wrote or kept, one file a line (never a token). */
function tokenLines(t: TokenFiles): string[] {
  const verb = t.created ? 'created' : 'kept   ';
  return [t.tokensFile, t.adminFile, t.operatorFile].map(f => `${verb} ${f}`);
}

/** `hera certs create`, `hera certs tokens`: credentials for a cluster you deploy (compose, Kubernetes). */
export function register(program: Command): void {
  const certs = program
    .command('certs')
    .description('make TLS certificates and role tokens for a cluster (docker compose, Kubernetes Secrets)');

  certs
    .command('create')
    .description(
      'make a CA and one certificate per name with openssl (P-256; subject CN hera-<name>; valid for TLS ' +
        'servers and clients; DNS name hera-<name> plus --hosts). Files already in --dir are kept, so it is ' +
        'safe to run again; to renew a certificate, delete its .pem and .key and run again',
    )
    .requiredOption('--dir <dir>', 'where the CA (ca.pem, ca.key) and the certificates (<name>.pem, <name>.key) live')
    .addOption(
      new Option('--names <list>', 'comma-separated identities')
        .argParser(list)
        .default([...DEFAULT_CERT_NAMES], DEFAULT_CERT_NAMES.join(',')),
    )
    .addOption(
      new Option(
        '--hosts <list>',
        'comma-separated DNS names and IPs every certificate is valid for: what clients dial ' +
          '(Service names, a public name for the gateway) or the name they check (GRPC_TLS_SERVER_NAME)',
      )
        .argParser(list)
        .default([...DEFAULT_CERT_HOSTS], DEFAULT_CERT_HOSTS.join(',')),
    )
    .option('--days <n>', 'validity of new certificates and a new CA, in days', v => Number(v), 30)
    .option(
      '--out <dir>',
      'also copy ca.pem and each <name>.pem and <name>.key, never ca.key, here: what to put in a Secret or a volume',
    )
    .option(
      '--tokens <dir>',
      'also write role tokens there, as `hera certs tokens --dir <dir>` does (kept when there): one step for a one-shot',
    )
    .addHelpText(
      'after',
      [
        '',
        'Kubernetes (deploy/k8s/README.md, "TLS and tokens"):',
        '  hera certs create --dir pki --out hera-tls --days 365 \\',
        '    --hosts hera-mesh,gateway.example.com',
        '  kubectl -n hera create secret generic hera-tls --from-file=hera-tls/',
      ].join('\n'),
    )
    .action((o: { dir: string; names: string[]; hosts: string[]; days: number; out?: string; tokens?: string }) => {
      if (!Number.isInteger(o.days) || o.days < 1) throw new Error('--days: a whole number of days ≥ 1');
      const lines = certsCreate(o);
      if (o.tokens) lines.push(...tokenLines(createTokens(o.tokens, { keepExisting: true, by: 'hera certs create' })));
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  certs
    .command('tokens')
    .description(
      'write an admin and an operator token (random, 24 bytes) in --dir: tokens (one "<role> <token>" per line, ' +
        'for HERA_AUTH_TOKENS_FILE), admin.token and operator.token (for HERA_TOKEN_FILE), all mode 0600. ' +
        'Files already there are kept unless --force',
    )
    .requiredOption('--dir <dir>', 'where to write them')
    .option('--force', 'replace existing tokens (restart every service afterwards: they read them at start)', false)
    .addHelpText(
      'after',
      [
        '',
        'Kubernetes:',
        '  hera certs tokens --dir hera-auth',
        '  kubectl -n hera create secret generic hera-auth --from-file=hera-auth/',
        'The tokens themselves are never printed; read them from the files.',
      ].join('\n'),
    )
    .action((o: { dir: string; force: boolean }) => {
      const t = createTokens(o.dir, { keepExisting: !o.force, by: 'hera certs tokens' });
      const verb = t.created ? 'created' : 'kept   ';
      process.stdout.write(`${[t.tokensFile, t.adminFile, t.operatorFile].map(f => `${verb} ${f}`).join('\n')}\n`);
    });
}
