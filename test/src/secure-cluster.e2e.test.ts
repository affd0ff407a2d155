/**
 * `hera up --tls --auth` end to end (slow: Redis, four services, a tiny model): every hop is
 * mTLS (a query goes gateway → tenant host; a client without the cluster's certificate gets no
 * connection to any service or host), control-plane RPCs without a token answer
 * UNAUTHENTICATED and with too low a role PERMISSION_DENIED, with nothing changed in Redis, and
 * its private Redis asks for a generated password; no token or password reaches the cluster's
 * logs or `hera status`. Skipped, with the reason, where openssl is missing.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { configureSecurity, createClient, probeHealth, unaryCall, type TlsSettings } from '@hera/grpc';
import { hasOpenssl, OPENSSL_HINT } from '@hera/procs';
import { loadProtos } from '@hera/proto';
import { Keyspace, type NodeRecord } from '@hera/state';
import { type Child, grpcCode, HERA_UP_FREE_PORTS, isAlive, startChild } from '@hera/testing';

const cli = require.resolve('@hera/cli/dist/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'hera-secure-'));
let up: Child | undefined;
let pids: Record<string, number> = {};

after(async () => {
  configureSecurity({});
  // SIGINT first: `hera up` stops what it started (its processes run in their own process
  // groups, so a SIGKILL to it alone would leave them), then SIGKILL whatever is left.
  await up?.stop('SIGINT', 30_000);
  for (const pid of Object.values(pids)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface ClusterFile {
  pids: Record<string, number>;
  services: Record<string, string>;
  workers: { nodeId: string; address: string }[];
  redisUrl: string;
  prefix: string;
  security: { tls: { certFile: string; keyFile: string; caFile: string }; tokenFile: string };
}

describe('hera up --tls --auth', { skip: hasOpenssl() ? false : `openssl is missing: ${OPENSSL_HINT}` }, () => {
  it('serves over mTLS on every hop and guards the control plane', async () => {
    const env = { ...process.env };
    delete env['REDIS_URL'];
    up = startChild(
      process.execPath,
      [
        cli,
        'up',
        '--data-dir',
        dataDir,
        ...HERA_UP_FREE_PORTS,
        '--models',
        'ncf',
        '--scale',
        '0.0005',
        '--tls',
        '--auth',
      ],
      { env },
    );
    await up.waitForLine(/serving ncf — try/, 120_000);
    const cluster = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as ClusterFile;
    pids = cluster.pids;
    const tls: TlsSettings = { ...cluster.security.tls, clientCerts: 'require', serverName: 'localhost', reloadS: 0 };
    const admin = readFileSync(join(dataDir, 'auth', 'admin.token'), 'utf8').trim();
    const operator = readFileSync(join(dataDir, 'auth', 'operator.token'), 'utf8').trim();

    // The query path over mTLS: the CLI (the cluster's client certificate, from cluster.json)
    // ranks through the gateway, which reaches the tenant host over mTLS.
    const rank = startChild(process.execPath, [cli, 'rank', '--model', 'ncf', '--data-dir', dataDir, '--top', '3']);
    assert.equal(await rank.exited, 0, rank.lines.join('\n'));
    assert.match(rank.lines.join('\n'), /^ncf v1: 164 items in/m);

    // Without the cluster's certificate nothing connects: services, node agent, tenant host.
    const redis = new Redis(cluster.redisUrl);
    const keys = new Keyspace(cluster.prefix);
    try {
      const node = JSON.parse((await redis.get(keys.node('local-1')))!) as NodeRecord;
      const host = node.tenants['ncf']?.endpoint;
      assert.ok(host && host !== cluster.workers[0]!.address, 'the node record lists the tenant host');
      const targets = [...Object.values(cluster.services), cluster.workers[0]!.address, host];
      configureSecurity({});
      for (const address of targets)
        assert.equal((await probeHealth(address, '', 2_000)).status, 'UNREACHABLE', `${address} without TLS`);
      configureSecurity({ tls });
      for (const address of targets)
        assert.equal((await probeHealth(address, '', 5_000)).status, 'SERVING', `${address} with the certificate`);

      // The control plane: no token → UNAUTHENTICATED, operator → PERMISSION_DENIED for admin
      // RPCs; nothing in Redis changes.
      const snapshot = async () =>
        Promise.all(
          [keys.demand(), keys.plan(), keys.planVersion()].map(k => redis.dumpBuffer(k).then(b => b?.toString('hex'))),
        );
      const before = await snapshot();
      const { proto } = loadProtos();
      const call = async (token: string | undefined, fn: () => Promise<unknown>) => {
        configureSecurity({ tls, token });
        return grpcCode(fn());
      };
      const placement = () => createClient(proto.hera.placement.v1.PlacementService, cluster.services['placement']!);
      const profiler = () => createClient(proto.hera.profiler.v1.ProfilerService, cluster.services['profiler']!);
      const worker = () => createClient(proto.hera.worker.v1.WorkerService, cluster.workers[0]!.address);
      const demand = { demands: [{ model: 'ncf', qps: 1 }] };
      const cases: [string | undefined, string, () => Promise<unknown>, string][] = [
        [undefined, 'SetDemand', () => unaryCall(placement(), 'SetDemand', demand), 'UNAUTHENTICATED'],
        [undefined, 'Plan', () => unaryCall(placement(), 'Plan', {}), 'UNAUTHENTICATED'],
        [undefined, 'Apply', () => unaryCall(placement(), 'Apply', {}), 'UNAUTHENTICATED'],
        [operator, 'Apply', () => unaryCall(placement(), 'Apply', {}), 'PERMISSION_DENIED'],
        [undefined, 'StartProfile', () => unaryCall(profiler(), 'StartProfile', { model: 'ncf' }), 'UNAUTHENTICATED'],
        [undefined, 'CancelJob', () => unaryCall(profiler(), 'CancelJob', { jobId: 'x' }), 'UNAUTHENTICATED'],
        [
          operator,
          'ApplyAllocation',
          () => unaryCall(worker(), 'ApplyAllocation', { allocation: { model: 'ncf', workers: 1 } }),
          'PERMISSION_DENIED',
        ],
        [undefined, 'RemoveTenant', () => unaryCall(worker(), 'RemoveTenant', { model: 'ncf' }), 'UNAUTHENTICATED'],
      ];
      for (const [token, name, fn, want] of cases)
        assert.equal(await call(token, fn), want, `${name} ${token ? 'as operator' : 'without a token'}`);
      assert.deepEqual(await snapshot(), before, 'demand and plan unchanged');
      // The right role goes through (the plan stays: same demand, same placement).
      assert.equal(await call(operator, () => unaryCall(placement(), 'GetDemand', {})), 'OK');
      assert.equal(await call(admin, () => unaryCall(placement(), 'Apply', {})), 'OK');
    } finally {
      configureSecurity({});
      redis.disconnect();
    }

    // `hera up`'s own Redis asks for the password it generated; `hera status` does not show it.
    const password = decodeURIComponent(/^redis:\/\/:([^@]+)@/.exec(cluster.redisUrl)?.[1] ?? '');
    assert.ok(password.length >= 24, 'the private redis-server has a password');
    // No ready check: its INFO would already be refused, and the point is the refusal of a command.
    const bare = new Redis(cluster.redisUrl.replace(/\/\/:[^@]+@/, '//'), {
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
    });
    bare.on('error', () => {});
    try {
      await bare.connect();
      await assert.rejects(bare.get(keys.plan()), /NOAUTH/);
    } finally {
      bare.disconnect();
    }
    const status = startChild(process.execPath, [cli, 'status', '--data-dir', dataDir, '--json']);
    assert.equal(await status.exited, 0, status.lines.join('\n'));

    // The denials were logged, by method; no token or password was, nor printed by status.
    const log = up.lines.join('\n');
    assert.match(log, /call denied/);
    for (const [what, secret] of [
      ['admin token', admin],
      ['operator token', operator],
      ['Redis password', password],
    ] as const) {
      assert.ok(!log.includes(secret), `the ${what} reached the cluster log`);
      assert.ok(!status.lines.join('\n').includes(secret), `hera status printed the ${what}`);
    }

    up.proc.kill('SIGINT');
    assert.equal(await up.exited, 0);
  });
});
