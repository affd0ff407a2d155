/**
 * A public gateway's setting (docker compose, the Kubernetes production overlay):
 * GRPC_TLS_CLIENT_CERTS=optional with certificate reloading on (GRPC_TLS_RELOAD_S, 60 by
 * default). A client without a certificate gets in and may read, but control RPCs still need
 * a token; a certificate shown grants its identity's role only when it chains to the CA (the
 * handshake does not refuse another CA's: it is then no identity at all). Real grpc-js server
 * on port 0, certificates from openssl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '@hera/logger';
import { createLocalPki, hasOpenssl, OPENSSL_HINT, type LocalPki } from '@hera/procs';
import { loadProtos, services, type PlacementServiceClient } from '@hera/proto';
import { parseIdentities, parseTokens } from './auth';
import { createClient, unaryCall } from './client';
import { configureSecurity } from './security';
import { closeServer, startServer, type RunningServer } from './server';
import { unary } from './handlers';
import { code } from './test-fixtures';

const skip = hasOpenssl() ? false : `openssl is missing: ${OPENSSL_HINT}`;
const ADMIN = 'admin-token-0123456789abcdef';

// With reload on and off: both must ask for (and verify) a certificate without requiring one.
for (const reloadS of [60, 0])
  describe(`a server taking client certificates optionally (GRPC_TLS_RELOAD_S=${reloadS})`, { skip }, () => {
    let dir: string;
    let pki: LocalPki;
    let other: LocalPki;
    let running: RunningServer;
    let demandSet = 0;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hera-optional-'));
      pki = createLocalPki(join(dir, 'pki'), ['gateway', 'cli'], ['localhost', '127.0.0.1']);
      other = createLocalPki(join(dir, 'other'), ['cli'], ['localhost']);
      const log = createLogger({ service: 'test', level: 'silent' });
      configureSecurity({ tls: { ...pki.files('gateway'), clientCerts: 'optional', reloadS } });
      try {
        running = await startServer({
          host: '127.0.0.1',
          port: 0,
          log,
          auth: {
            tokens: parseTokens(`admin ${ADMIN}\n`),
            identities: parseIdentities('hera-cli=operator'),
            open: new Set(['read', 'infer']),
          },
          services: [
            {
              name: 'hera.placement.v1.PlacementService',
              definition: services().placement,
              implementation: {
                SetDemand: unary(log, 'SetDemand', async () => {
                  demandSet++;
                  return {};
                }),
                GetDemand: unary(log, 'GetDemand', async () => ({ demands: [] })),
              },
            },
          ],
        });
      } finally {
        configureSecurity({});
      }
      running.setServing('SERVING');
      // With reloading on, grpc-js's certificate provider reads the files asynchronously after
      // the bind, and the server drops handshakes until it has (a known start-up window; clients
      // retry UNAVAILABLE). Wait it out with a client that must get in.
      const probe = client(pki);
      try {
        for (let i = 0; ; i++) {
          const [c] = await code(unaryCall(probe, 'getDemand', {}, { deadlineMs: 1_000 }));
          if (c === 'OK' || i === 50) break;
          await new Promise(r => setTimeout(r, 50));
        }
      } finally {
        probe.close();
      }
    });
    after(async () => {
      if (running) await closeServer(running.server, 1_000);
      rmSync(dir, { recursive: true, force: true });
    });

    const Placement = () => loadProtos().proto.hera.placement.v1.PlacementService;
    const address = () => running.address.replace('127.0.0.1', 'localhost');
    /** A client trusting `pki`'s CA, presenting `cert` (or no certificate), sending `token`. */
    function client(cert: LocalPki | undefined, token?: string): PlacementServiceClient {
      if (cert) {
        configureSecurity({ tls: { ...cert.files('cli'), caFile: pki.caFile, clientCerts: 'require' }, token });
        try {
          return createClient(Placement(), address(), { maxAttempts: 1, defaultDeadlineMs: 3_000 });
        } finally {
          configureSecurity({});
        }
      }
      const creds = grpc.credentials.createSsl(readFileSync(pki.caFile));
      const withToken = token
        ? grpc.credentials.combineChannelCredentials(
            creds,
            grpc.credentials.createFromMetadataGenerator((_p, cb) => {
              const md = new grpc.Metadata();
              md.set('authorization', `Bearer ${token}`);
              cb(null, md);
            }),
          )
        : creds;
      return new (Placement())(address(), withToken) as PlacementServiceClient;
    }

    it('lets a client without a certificate read, and asks it for a token for control RPCs', async () => {
      const anon = client(undefined);
      const admin = client(undefined, ADMIN);
      try {
        assert.deepEqual(await unaryCall(anon, 'getDemand', {}, { deadlineMs: 3_000 }), { demands: [] });
        assert.equal((await code(unaryCall(anon, 'setDemand', {}, { deadlineMs: 3_000 })))[0], 'UNAUTHENTICATED');
        assert.equal(demandSet, 0);
        await unaryCall(admin, 'setDemand', {}, { deadlineMs: 3_000 });
        assert.equal(demandSet, 1);
      } finally {
        anon.close();
        admin.close();
      }
    });

    it("grants a role to the CA's client certificate, and none to another CA's with the same name", async () => {
      const ours = client(pki);
      const foreign = client(other);
      try {
        const before = demandSet;
        await unaryCall(ours, 'setDemand', {}, { deadlineMs: 3_000 });
        assert.equal(demandSet, before + 1, 'hera-cli=operator, by certificate');
        // CN hera-cli too, but from another CA: it reads like anyone, and is no operator.
        assert.deepEqual(await unaryCall(foreign, 'getDemand', {}, { deadlineMs: 3_000 }), { demands: [] });
        assert.equal((await code(unaryCall(foreign, 'setDemand', {}, { deadlineMs: 3_000 })))[0], 'UNAUTHENTICATED');
        assert.equal(demandSet, before + 1);
      } finally {
        ours.close();
        foreign.close();
      }
    });
  });
