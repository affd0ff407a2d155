/**
 * TLS, mTLS and the auth policy against real grpc-js servers on port 0, with certificates
 * made by openssl for the test (skipped, with the reason, where openssl is missing).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '@hera/logger';
import { createLocalPki, hasOpenssl, OPENSSL_HINT, type LocalPki } from '@hera/procs';
import { loadProtos, services, type PlacementServiceClient } from '@hera/proto';
import { parseIdentities, parseTokens, type AuthPolicy } from './auth';
import { createClient, unaryCall } from './client';
import { probeHealth } from './health';
import { configureSecurity, type TlsSettings } from './security';
import { closeServer, startServer, type RunningServer } from './server';
import { unary } from './handlers';
import { code } from './test-fixtures';

const status = async (p: Promise<unknown>) => (await code(p))[0];

const skip = hasOpenssl() ? false : `openssl is missing: ${OPENSSL_HINT}`;
const ADMIN = 'a'.repeat(8) + 'dmin-token-0123456789';
const OPERATOR = 'operator-token-0123456789';
const READER = 'reader-token-0123456789';

let dir: string;
let pki: LocalPki;
let other: LocalPki;
let running: RunningServer;
let logged = '';
let applied = 0;
let demandSet = 0;

const tlsOf = (p: LocalPki, name: string, clientCerts: TlsSettings['clientCerts'] = 'require'): TlsSettings => ({
  ...p.files(name),
  clientCerts,
  reloadS: 0,
});

describe('gRPC security', { skip }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hera-tls-'));
    pki = createLocalPki(join(dir, 'pki'), ['placement', 'profiler', 'cli'], ['127.0.0.1', 'localhost']);
    other = createLocalPki(join(dir, 'other'), ['cli'], ['127.0.0.1']);
    const auth: AuthPolicy = {
      tokens: parseTokens(`# test tokens\nadmin ${ADMIN}\noperator ${OPERATOR}\nreader ${READER}\n`),
      identities: parseIdentities('hera-profiler=admin'),
      open: new Set(['infer']),
    };
    const log = createLogger({
      service: 'test',
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          logged += chunk.toString();
          cb();
        },
      }),
    });
    configureSecurity({ tls: tlsOf(pki, 'placement') });
    running = await startServer({
      host: '127.0.0.1',
      port: 0,
      log,
      auth,
      services: [
        {
          name: 'hera.placement.v1.PlacementService',
          definition: services().placement,
          implementation: {
            SetDemand: unary(log, 'SetDemand', async () => {
              demandSet++;
              return {};
            }),
            Apply: unary(log, 'Apply', async () => {
              applied++;
              return {};
            }),
            GetDemand: unary(log, 'GetDemand', async () => ({ demands: [] })),
          },
        },
      ],
    });
    running.setServing('SERVING');
  });
  after(async () => {
    configureSecurity({});
    if (running) await closeServer(running.server, 1_000);
    rmSync(dir, { recursive: true, force: true });
  });

  const Placement = () => loadProtos().proto.hera.placement.v1.PlacementService;
  /** A client with the given TLS and token (process-wide settings, as a service has). */
  function client(tls: TlsSettings | undefined, token?: string): PlacementServiceClient {
    configureSecurity({ tls, token });
    try {
      return createClient(Placement(), running.address, { maxAttempts: 1, defaultDeadlineMs: 3_000 });
    } finally {
      configureSecurity({});
    }
  }

  it('refuses a client without a certificate, a plaintext client and one from another CA', async () => {
    const noCert = new (Placement())(running.address, grpc.credentials.createSsl(readFileSync(pki.caFile)));
    const plain = client(undefined);
    const foreign = client(tlsOf(other, 'cli'));
    try {
      for (const c of [noCert as PlacementServiceClient, plain, foreign]) {
        assert.equal(
          await status(unaryCall(c, 'getDemand', {}, { deadlineMs: 3_000 })),
          'UNAVAILABLE',
          'the handshake fails: no call reaches the server',
        );
      }
    } finally {
      noCert.close();
      plain.close();
      foreign.close();
    }
  });

  it('serves health to an mTLS client without a token (probes carry none)', async () => {
    configureSecurity({ tls: tlsOf(pki, 'cli') });
    try {
      assert.equal((await probeHealth(running.address, '', 3_000)).status, 'SERVING');
    } finally {
      configureSecurity({});
    }
  });

  it('answers UNAUTHENTICATED without a token or with an unknown one, PERMISSION_DENIED for a lower role; handlers never run', async () => {
    const before = { demandSet, applied };
    const cases: [string | undefined, 'setDemand' | 'apply', string][] = [
      [undefined, 'setDemand', 'UNAUTHENTICATED'],
      ['not-a-known-token-at-all', 'setDemand', 'UNAUTHENTICATED'],
      [READER, 'setDemand', 'PERMISSION_DENIED'],
      [READER, 'apply', 'PERMISSION_DENIED'],
      [OPERATOR, 'apply', 'PERMISSION_DENIED'],
      [undefined, 'apply', 'UNAUTHENTICATED'],
    ];
    for (const [token, method, want] of cases) {
      const c = client(tlsOf(pki, 'cli'), token);
      try {
        assert.equal(await status(unaryCall(c, method, {})), want, `${method} with ${token ? 'a token' : 'no token'}`);
      } finally {
        c.close();
      }
    }
    assert.deepEqual({ demandSet, applied }, before, 'no denied call reached its handler');
  });

  it('lets each role do what it may: read with a reader token, set demand as operator, apply as admin', async () => {
    const reader = client(tlsOf(pki, 'cli'), READER);
    const operator = client(tlsOf(pki, 'cli'), OPERATOR);
    const admin = client(tlsOf(pki, 'cli'), ADMIN);
    try {
      assert.equal(await status(unaryCall(reader, 'getDemand', {})), 'OK');
      assert.equal(await status(unaryCall(operator, 'setDemand', {})), 'OK');
      assert.equal(await status(unaryCall(admin, 'apply', {})), 'OK');
      assert.equal(await status(unaryCall(admin, 'setDemand', {})), 'OK', 'admin can do what operator can');
    } finally {
      for (const c of [reader, operator, admin]) c.close();
    }
  });

  it('takes the role of a client certificate on the allow-list, and no other', async () => {
    const profiler = client(tlsOf(pki, 'profiler'));
    const cli = client(tlsOf(pki, 'cli'));
    try {
      const before = applied;
      assert.equal(await status(unaryCall(profiler, 'apply', {})), 'OK', 'hera-profiler is admin by certificate');
      assert.equal(applied, before + 1);
      assert.equal(await status(unaryCall(cli, 'apply', {})), 'UNAUTHENTICATED', 'hera-cli is not on the list');
    } finally {
      profiler.close();
      cli.close();
    }
  });

  it('logs denials with method and reason, never a token', () => {
    assert.match(logged, /call denied/);
    assert.match(logged, /PlacementService\/SetDemand/);
    for (const secret of [ADMIN, OPERATOR, READER, 'not-a-known-token-at-all'])
      assert.ok(!logged.includes(secret), 'a token reached the log');
  });
});
