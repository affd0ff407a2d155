import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** One identity's files: its certificate (signed by the CA) and key, and the CA bundle. */
export interface PkiFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface LocalPki {
  dir: string;
  caFile: string;
  /** Files of identity `name` (certificate subject CN `hera-<name>`). */
  files(name: string): PkiFiles;
}

export const OPENSSL_HINT = 'install openssl (Debian/Ubuntu: apt-get install -y openssl)';

/** Whether the `openssl` command runs here. */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * A throwaway certificate authority and one certificate per name, for a local cluster or a
 * test: P-256 keys, valid `days` days (30 unless said), each certificate good for both ends of a connection (serverAuth
 * and clientAuth), subject CN `hera-<name>`, valid for `hosts` (DNS names and IPs). Made with
 * the `openssl` command (present on nearly every Linux; no npm dependency holding key code):
 * throws with an install hint where it is missing. Keys are written mode 0600. Existing files
 * are kept, so a restarted `hera up --tls` reuses its CA.
 */
export function createLocalPki(
  dir: string,
  names: readonly string[],
  hosts: readonly string[],
  opts: { days?: number } = {},
): LocalPki {
  const days = String(opts.days ?? 30);
  if (!/^[1-9]\d{0,4}$/.test(days)) throw new Error(`certificate validity: a whole number of days, got ${days}`);
  if (!hasOpenssl()) throw new Error(`TLS certificates need the openssl command: ${OPENSSL_HINT}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!existsSync(caFile) || !existsSync(caKey)) {
    run(['req', '-x509', ...ecKey, '-keyout', caKey, '-out', caFile, '-days', days, '-subj', '/CN=hera local CA']);
    chmodSync(caKey, 0o600);
  }
  const san = [...new Set(hosts)].map(h => (isIP(h) ? `IP:${h}` : `DNS:${h}`));
  const files = (name: string): PkiFiles => ({
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}.key`),
    caFile,
  });
  for (const name of names) {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`certificate name ${JSON.stringify(name)}: a-z, 0-9 and - only`);
    const f = files(name);
    if (existsSync(f.certFile) && existsSync(f.keyFile)) continue;
    const csr = join(dir, `${name}.csr`);
    const ext = join(dir, `${name}.ext`);
    writeFileSync(
      ext,
      [
        `subjectAltName=${[`DNS:hera-${name}`, ...san].join(',')}`,
        'extendedKeyUsage=serverAuth,clientAuth',
        'basicConstraints=CA:FALSE',
        '',
      ].join('\n'),
    );
    run(['req', ...ecKey, '-keyout', f.keyFile, '-out', csr, '-subj', `/CN=hera-${name}`]);
    chmodSync(f.keyFile, 0o600);
    run([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`,
      '-days',
      days,
      '-extfile',
      ext,
      '-out',
      f.certFile,
    ]);
  }
  return { dir, caFile, files };
}
