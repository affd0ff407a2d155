/**
 * `hera certs create` and `hera certs tokens`: real openssl, files on disk, the command run
 * through the CLI's entry point once.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTokens } from '@hera/grpc';
import { hasOpenssl } from '@hera/procs';
import { certsCreate } from './certs';

const main = join(__dirname, '..', 'main.js');
const mode = (f: string) => statSync(f).mode & 0o777;
const hera = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    // The CLI's own security comes from these; none here.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
  });

describe('hera certs create', { skip: hasOpenssl() ? false : 'openssl is not installed' }, () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'hera-certs-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a CA and a certificate per name, valid for the hosts, keys 0600', () => {
    const pki = join(dir, 'pki');
    const lines = certsCreate({ dir: pki, names: ['gateway', 'worker'], hosts: ['worker-1', '127.0.0.1'], days: 90 });
    assert.ok(
      lines.some(l => /^created .*ca\.pem$/.test(l)),
      lines.join('\n'),
    );
    const ca = new X509Certificate(readFileSync(join(pki, 'ca.pem')));
    for (const name of ['gateway', 'worker']) {
      const cert = new X509Certificate(readFileSync(join(pki, `${name}.pem`)));
      assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), `${name} is signed by the CA`);
      assert.match(cert.subject, new RegExp(`CN=hera-${name}`));
      assert.equal(cert.subjectAltName, `DNS:hera-${name}, DNS:worker-1, IP Address:127.0.0.1`);
      const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
      assert.ok(Math.abs(days - 90) < 1, `valid ${days} days`);
      assert.equal(mode(join(pki, `${name}.key`)), 0o600);
      assert.ok(lines.includes(`created ${join(pki, `${name}.key`)}`));
    }
    assert.equal(mode(join(pki, 'ca.key')), 0o600);
  });

  it('keeps what is there, and copies all but the CA key to --out', () => {
    const pki = join(dir, 'pki');
    const cert = readFileSync(join(pki, 'gateway.pem'), 'utf8');
    const out = join(dir, 'out');
    const lines = certsCreate({ dir: pki, names: ['gateway', 'worker', 'cli'], hosts: ['localhost'], days: 30, out });
    assert.equal(readFileSync(join(pki, 'gateway.pem'), 'utf8'), cert, 'an existing certificate is kept');
    assert.ok(lines.includes(`kept    ${join(pki, 'gateway.pem')}`), lines.join('\n'));
    assert.ok(lines.includes(`created ${join(pki, 'cli.pem')}`), lines.join('\n'));
    assert.deepEqual(readdirSync(out).sort(), [
      'ca.pem',
      'cli.key',
      'cli.pem',
      'gateway.key',
      'gateway.pem',
      'worker.key',
      'worker.pem',
    ]);
    assert.equal(mode(join(out, 'worker.key')), 0o600);
    assert.equal(mode(join(out, 'ca.pem')), 0o644);
  });

  it('runs as a command, and refuses bad names and days', () => {
    const pki = join(dir, 'cmd');
    const auth = join(dir, 'cmd-auth');
    const args = [
      'certs',
      'create',
      '--dir',
      pki,
      '--names',
      'gateway',
      '--hosts',
      'gateway,localhost',
      '--tokens',
      auth,
    ];
    const res = hera(...args);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /created .*gateway\.pem/);
    assert.match(res.stdout, /created .*admin\.token/);
    assert.ok(existsSync(join(pki, 'gateway.key')) && existsSync(join(auth, 'tokens')));
    const admin = readFileSync(join(auth, 'admin.token'), 'utf8');
    const again = hera(...args);
    assert.match(again.stdout, /kept +.*gateway\.pem[^]*kept +.*admin\.token/);
    assert.equal(readFileSync(join(auth, 'admin.token'), 'utf8'), admin, 'a second run keeps the tokens');
    const bad = hera('certs', 'create', '--dir', pki, '--names', 'Gate_way');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /a-z, 0-9 and - only/);
    assert.match(hera('certs', 'create', '--dir', pki, '--days', '0').stderr, /--days/);
    assert.match(hera('certs', 'create', '--help').stdout, /kubectl -n hera create secret generic hera-tls/);
  });
});

describe('hera certs tokens', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'hera-tokens-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an admin and an operator token and the tokens file servers read, 0600, never printed', () => {
    const auth = join(dir, 'auth');
    const res = hera('certs', 'tokens', '--dir', auth);
    assert.equal(res.status, 0, res.stderr);
    const admin = readFileSync(join(auth, 'admin.token'), 'utf8').trim();
    const operator = readFileSync(join(auth, 'operator.token'), 'utf8').trim();
    assert.ok(admin.length >= 32 && operator.length >= 32 && admin !== operator);
    const text = readFileSync(join(auth, 'tokens'), 'utf8');
    assert.deepEqual(
      parseTokens(text).map(t => t.role),
      ['admin', 'operator'],
    );
    assert.ok(text.includes(`admin ${admin}\n`) && text.includes(`operator ${operator}\n`));
    for (const f of ['tokens', 'admin.token', 'operator.token']) assert.equal(mode(join(auth, f)), 0o600, f);
    assert.equal(mode(auth), 0o700);
    assert.ok(!res.stdout.includes(admin) && !res.stdout.includes(operator), 'tokens are not printed');
    assert.match(res.stdout, /created .*tokens/);
  });

  it('keeps existing tokens unless --force', () => {
    const auth = join(dir, 'auth');
    const admin = readFileSync(join(auth, 'admin.token'), 'utf8');
    const again = hera('certs', 'tokens', '--dir', auth);
    assert.match(again.stdout, /kept .*admin\.token/);
    assert.equal(readFileSync(join(auth, 'admin.token'), 'utf8'), admin);
    assert.equal(hera('certs', 'tokens', '--dir', auth, '--force').status, 0);
    assert.notEqual(readFileSync(join(auth, 'admin.token'), 'utf8'), admin);
  });
});
