import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { redactRedisUrl } from '@hera/config';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkHealth } from '@hera/grpc';
import { LIVENESS_SERVICE, readTokenFile } from '@hera/runtime';
import {
  isAlive,
  payloadNodeFlags,
  portIsFree,
  DEFAULT_RESTART_POLICY,
  RestartPolicy,
  startChild,
  startRedisServer,
  waitFor,
  waitForRedis,
  withMallocTuning,
  type Child,
  type RedisServer,
} from '@hera/procs';
import { formatLogLine } from '../log-format';
import {
  DEFAULT_DATA_DIR,
  readClusterFile,
  removeClusterFile,
  writeClusterFile,
  type ClusterFile,
} from '../cluster-file';
import { table } from '../table';
import { ALL_MODELS, initCluster } from '../cluster-init';
import { observabilityEnv } from '../observability';
import { localClientTls, secureLocalCluster, type LocalSecurity } from '../local-security';
import { configureSecurity } from '@hera/grpc';
import { parseModels } from './cluster';

export interface UpOptions {
  dataDir: string;
  redisUrl?: string;
  redisPort: number;
  prefix: string;
  host: string;
  nodes: number;
  gatewayPort: number;
  workerPort: number;
  placementPort: number;
  profilerPort: number;
  /**
   * First Prometheus /metrics port: each service gets its own, in the order of
   * metricsPorts (gateway, placement, profiler, then each node agent); 0 or absent = off.
   */
  metrics?: number;
  logLevel: string;
  jsonLogs: boolean;
  timeout: number;
  /** Build (if missing), register, plan and serve these models; empty = services only. */
  models: string[];
  scale: number;
  demandUnits: number;
  /** Register the models but leave demand and plan alone (e.g. to profile on empty nodes). */
  plan: boolean;
  /** Restarts each process gets per minute before the cluster gives up (0 = never restart). */
  restartBudget: number;
  /** The node-level resource manager on every node (default on); false keeps the plan's static split (NODE_MANAGER=off). */
  nodeManager?: boolean;
  /** OTLP endpoint every service exports traces to (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlp?: string;
  /** Look for a collector at 127.0.0.1:4317 and use it when one answers. */
  observability?: boolean;
  /** mTLS on every gRPC hop, with a throwaway CA and certificates under <data-dir>/tls (openssl). */
  tls?: boolean;
  /** Bearer tokens on the control plane (admin and operator, generated under <data-dir>/auth). */
  auth?: boolean;
}

/** A service under supervision: its spec, its current process and its restart policy. */
interface Supervised {
  spec: ServiceSpec;
  child: Child;
  startedAt: number;
  policy: RestartPolicy;
}

interface ServiceSpec {
  /** Display name, e.g. "gateway" or "worker-2". */
  name: string;
  service: 'gateway' | 'worker' | 'placement' | 'profiler';
  port: number;
  env: Record<string, string>;
}

/** Entry point of each service, resolved through the workspace packages. */
function mainOf(service: ServiceSpec['service']): string {
  return require.resolve(`@hera/${service}-service/dist/main.js`);
}

const SERVING_LINE = /"msg":"(gateway|worker|placement|profiler) serving"/;

/**
 * `hera up`: a whole local cluster in one process tree — a private redis-server
 * (unless REDIS_URL is given), then placement, profiler, the node agents and the
 * gateway as child processes with prefixed logs. Waits for every health check,
 * prints the endpoints, and on Ctrl-C (or SIGTERM) stops everything it started.
 * It supervises what it started: a process that dies (Redis included) is started
 * again on the same port after a backoff, and only a restart budget running out
 * stops the cluster, saying which process and why.
 */
export async function up(opts: UpOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const existing = readClusterFile(dataDir);
  if (existing && existing.pid !== process.pid && isAlive(existing.pid)) {
    out.write(
      `a cluster is already running from ${dataDir} (hera up pid ${existing.pid}); stop it first or use --data-dir\n`,
    );
    return 1;
  }
  // NODE_STATE_DIR names one agent's directory, and two agents cannot share one.
  const stateDirOverride = process.env['NODE_STATE_DIR'];
  if (stateDirOverride && opts.nodes > 1) {
    out.write(
      `NODE_STATE_DIR (${stateDirOverride}) is one node agent's state directory, and --nodes ${opts.nodes} starts ${opts.nodes}: unset it (each agent then gets ${join(dataDir, 'node-state', '<node id>')}) or start one node\n`,
    );
    return 1;
  }
  // Fixed ports taken (most often by another `hera up`): say so before starting anything,
  // instead of four services failing to bind.
  const fixed: [string, string, number][] = [
    ['gateway', '--gateway-port', opts.gatewayPort],
    ['placement', '--placement-port', opts.placementPort],
    ['profiler', '--profiler-port', opts.profilerPort],
    ...Array.from({ length: opts.nodes }, (_, i): [string, string, number] => [
      `worker node ${i + 1}`,
      '--worker-port',
      opts.workerPort === 0 ? 0 : opts.workerPort + i * 10,
    ]),
  ];
  const metricsPort = metricsPorts(opts.metrics ?? 0, opts.nodes);
  for (const [name, port] of metricsPort) fixed.push([`${name} /metrics`, '--metrics', port]);
  for (const [what, flag, port] of fixed) {
    if (port !== 0 && !(await portIsFree(port, opts.host))) {
      out.write(
        `port ${port} on ${opts.host} (${what}) is in use — is another cluster running? Stop it, or choose other ports (${flag}, or 0 for any free port)\n`,
      );
      return 1;
    }
  }
  const say = (line: string) => out.write(`${'hera'.padEnd(10)}| ${line}\n`);
  const color = Boolean((out as NodeJS.WriteStream).isTTY);
  /** Each service's current process; a restart replaces `child` (and keeps the port). */
  const children: Supervised[] = [];
  let redis: RedisServer | undefined;
  const redisPolicy = new RestartPolicy({ budget: opts.restartBudget });
  let redisStartedAt = 0;
  let stopping = false;
  const timers = new Set<NodeJS.Timeout>();
  let clusterFile: ClusterFile | undefined;

  const stopAll = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    for (const t of timers) clearTimeout(t);
    say(`stopping (${reason})`);
    // Gateway first so no new queries arrive, node agents last among services.
    const order = ['gateway', 'profiler', 'placement', 'worker'];
    const sorted = [...children].sort((a, b) => order.indexOf(a.spec.service) - order.indexOf(b.spec.service));
    for (const { spec, child } of sorted) {
      const code = await child.stop('SIGTERM', 15_000);
      say(`${spec.name} stopped (exit ${code})`);
    }
    if (redis) {
      await redis.stop();
      say('redis-server stopped');
    }
    removeClusterFile(dataDir);
  };
  const giveUp = (message: string) => {
    say(message);
    void stopAll('supervision gave up').then(() => process.exit(1));
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopping) fn();
    }, ms);
    timers.add(t);
  };
  const recordPids = () => {
    if (!clusterFile) return;
    clusterFile.pids = {
      ...(redis ? { redis: redis.child.pid } : {}),
      ...Object.fromEntries(children.map(c => [c.spec.name, c.child.pid])),
    };
    writeClusterFile(dataDir, clusterFile);
  };

  const onSignal = (sig: NodeJS.Signals) => {
    void stopAll(sig).then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    let redisUrl = opts.redisUrl;
    if (redisUrl) {
      await waitForRedis(redisUrl, 5_000);
      say(`using Redis at ${redactRedisUrl(redisUrl)}`);
    } else {
      const dir = join(dataDir, 'redis');
      mkdirSync(dir, { recursive: true });
      // Only this cluster's processes may use it: a password, generated now, in the URL the
      // services get and in cluster.json (written 0600), never printed.
      const password = randomBytes(24).toString('base64url');
      redis = await startRedisServer({ dir, port: opts.redisPort, persist: true, detached: true, password });
      redisUrl = redis.url;
      redisStartedAt = Date.now();
      say(`started redis-server pid ${redis.child.pid} at ${redactRedisUrl(redisUrl)} (data in ${dir})`);
      // Our Redis dying is restarted like a service, on the same port (the URL every service
      // holds) from its append-only file; the services ride out the gap (they reconnect, and the
      // query path does not read Redis). Only a restart that fails ends the cluster.
      const restartRedis = (port: number, why: string) => {
        const d = redisPolicy.onExit(redisStartedAt, Date.now());
        if (!d.restart)
          return giveUp(`redis-server died (${why}), ${d.reason}: not restarting it; stopping the cluster`);
        say(`redis-server died (${why}); restarting it in ${d.delayMs} ms on port ${port} from ${dir}`);
        later(d.delayMs, () => {
          redisStartedAt = Date.now();
          startRedisServer({ dir, port, persist: true, detached: true, password }).then(
            next => {
              if (stopping) return void next.stop();
              redis = next;
              watchRedis(next);
              recordPids();
              say(`redis-server is back: pid ${next.child.pid} at ${redactRedisUrl(next.url)}`);
            },
            (err: Error) => restartRedis(port, `and did not start again: ${err.message.split('\n')[0]}`),
          );
        });
      };
      const watchRedis = (r: RedisServer) => {
        void r.child.exited.then(code => {
          if (stopping || redis !== r) return;
          restartRedis(r.port, r.child.proc.signalCode ? `killed by ${r.child.proc.signalCode}` : `exit ${code}`);
        });
      };
      watchRedis(redis);
    }

    let secured: LocalSecurity | undefined;
    if (opts.tls || opts.auth) {
      secured = secureLocalCluster(dataDir, { tls: Boolean(opts.tls), auth: Boolean(opts.auth), host: opts.host });
      // This command's own calls (readiness, registration, planning) go the same way.
      configureSecurity({
        ...(secured.client.tls ? { tls: localClientTls(secured.client.tls) } : {}),
        ...(secured.client.tokenFile ? { token: readTokenFile(secured.client.tokenFile) } : {}),
      });
      say(
        [
          opts.tls ? `mTLS on every hop (CA and certificates in ${join(dataDir, 'tls')})` : '',
          opts.auth ? `control-plane tokens in ${join(dataDir, 'auth')} (admin.token, operator.token)` : '',
        ]
          .filter(Boolean)
          .join('; '),
      );
    }
    const repo = join(dataDir, 'models');
    const otel = await observabilityEnv(
      { ...(opts.otlp ? { otlp: opts.otlp } : {}), probe: Boolean(opts.observability) },
      say,
    );
    const common = {
      ...otel,
      REDIS_URL: redisUrl,
      HERA_MODEL_REPO: repo,
      HERA_REDIS_PREFIX: opts.prefix,
      LOG_LEVEL: opts.logLevel,
      GRPC_HOST: opts.host,
      HERA_EXIT_WITH_PARENT: '1',
    };
    const specs: ServiceSpec[] = [
      { name: 'placement', service: 'placement', port: opts.placementPort, env: {} },
      { name: 'profiler', service: 'profiler', port: opts.profilerPort, env: {} },
      ...Array.from({ length: opts.nodes }, (_, i) => ({
        name: workerName(i, opts.nodes),
        service: 'worker' as const,
        port: opts.workerPort === 0 ? 0 : opts.workerPort + i * 10,
        env: {
          NODE_ID: `local-${i + 1}`,
          NODE_STATE_DIR: stateDirOverride ?? nodeStateDir(dataDir, `local-${i + 1}`),
          NODE_CGROUP: nodeCgroup(dataDir, `local-${i + 1}`),
          ...(opts.nodeManager === false ? { NODE_MANAGER: 'off' } : {}),
        },
      })),
      { name: 'gateway', service: 'gateway', port: opts.gatewayPort, env: {} },
    ];

    const addresses = new Map<string, string>();
    const spawn = (s: Supervised) => {
      const child = startChild(
        process.execPath,
        ['--enable-source-maps', ...payloadNodeFlags(s.spec.service), mainOf(s.spec.service)],
        {
          env: {
            ...withMallocTuning(process.env),
            ...common,
            ...secured?.serviceEnv(s.spec.service),
            ...s.spec.env,
            GRPC_PORT: String(s.spec.port),
            // Always set: a METRICS_PORT inherited from our environment would give every service the same port.
            METRICS_PORT: String(metricsPort.get(s.spec.name) ?? 0),
          },
          // Own process group: Ctrl-C reaches only us, and we stop the services in order.
          detached: true,
        },
      );
      s.child = child;
      s.startedAt = Date.now();
      pipeLogs(s.spec.name, child, out, opts.jsonLogs, color);
      void child.exited.then(code => onServiceExit(s, child, code));
    };
    // A service that dies is started again on the same port (its address is what the other
    // services and clients know), after a backoff, within a restart budget; only an
    // exhausted budget ends the cluster.
    const onServiceExit = (s: Supervised, child: Child, code: number) => {
      if (stopping || s.child !== child) return;
      const why = child.proc.signalCode ? `killed by ${child.proc.signalCode}` : `exit ${code}`;
      const d = s.policy.onExit(s.startedAt, Date.now());
      if (!d.restart)
        return giveUp(
          `${s.spec.name} died (${why}), ${d.reason}: not restarting it; stopping the cluster (its log is above)`,
        );
      say(
        `${s.spec.name} died (${why}); restarting it in ${d.delayMs} ms on port ${s.spec.port} (restart ${d.inWindow} of at most ${s.policy.opts.budget} within ${s.policy.opts.windowMs / 1000} s)`,
      );
      later(d.delayMs, () => {
        spawn(s);
        const next = s.child;
        void (async () => {
          const address = await waitServing(s, Date.now() + opts.timeout * 1000);
          say(`${s.spec.name} is back: pid ${next.pid} at ${address}, ${Date.now() - s.startedAt} ms after its start`);
          recordPids();
        })().catch(async err => {
          if (stopping || s.child !== next) return;
          // Not serving in time but still running: stop it, and its exit counts against the budget.
          say(`${s.spec.name} did not come back (${(err as Error).message.split('\n')[0]}); stopping pid ${next.pid}`);
          await next.stop('SIGTERM', 5_000);
        });
      });
    };
    const waitServing = async (s: Supervised, deadline: number): Promise<string> => {
      const line = await s.child.waitForLine(SERVING_LINE, Math.max(1, deadline - Date.now()));
      const address = (JSON.parse(line) as { address: string }).address;
      // The gateway is live now but ready ("") only once it routes the plan's models, which are
      // registered and planned below: wait for it to be up here, for its readiness after.
      const probe = s.spec.service === 'gateway' ? LIVENESS_SERVICE : '';
      await waitFor(
        async () => (await checkHealth(address, probe, 1_000)) === 'SERVING',
        Math.max(1, deadline - Date.now()),
        `${s.spec.name} health at ${address}`,
      );
      return address;
    };
    for (const spec of specs) {
      const s: Supervised = {
        spec,
        child: undefined as unknown as Child,
        startedAt: 0,
        policy: new RestartPolicy({ budget: opts.restartBudget }),
      };
      children.push(s);
      spawn(s);
    }
    const deadline = Date.now() + opts.timeout * 1000;
    for (const s of children) {
      const address = await waitServing(s, deadline);
      addresses.set(s.spec.name, address);
      // A restart reuses the port the service got (it may have been 0 = any).
      s.spec.port = Number(address.slice(address.lastIndexOf(':') + 1));
    }

    clusterFile = {
      pid: process.pid,
      redisUrl,
      prefix: opts.prefix,
      ownRedis: Boolean(redis),
      services: Object.fromEntries(
        specs.filter(s => s.service !== 'worker').map(s => [s.name, addresses.get(s.name)!]),
      ),
      workers: specs
        .filter(s => s.service === 'worker')
        .map(s => ({ nodeId: s.env['NODE_ID']!, address: addresses.get(s.name)! })),
      ...(metricsPort.size
        ? { metrics: Object.fromEntries([...metricsPort].map(([name, port]) => [name, metricsUrl(opts.host, port)])) }
        : {}),
      pids: {
        ...(redis ? { redis: redis.child.pid } : {}),
        ...Object.fromEntries(children.map(({ spec, child }) => [spec.name, child.pid])),
      },
      startedAt: new Date().toISOString(),
      ...(secured ? { security: secured.client } : {}),
    };
    writeClusterFile(dataDir, clusterFile);
    out.write(
      `\n${table(
        ['service', 'address', 'pid', ...(metricsPort.size ? ['metrics'] : [])],
        [
          [
            'redis',
            redactRedisUrl(redisUrl),
            redis ? redis.child.pid : '(external)',
            ...(metricsPort.size ? ['-'] : []),
          ],
          ...children.map(({ spec, child }) => [
            spec.name,
            addresses.get(spec.name)!,
            child.pid,
            ...(metricsPort.size ? [clusterFile!.metrics![spec.name] ?? '-'] : []),
          ]),
        ],
      )}\n\n`,
    );
    say(`all services healthy — gateway at ${addresses.get('gateway')}`);
    if (opts.models.length) {
      // The same steps `hera cluster init` runs against a cluster started by compose or Kubernetes.
      const r = await initCluster({
        repo,
        models: opts.models,
        scale: opts.scale,
        demandUnits: opts.demandUnits,
        plan: opts.plan,
        redisUrl,
        prefix: opts.prefix,
        placement: addresses.get('placement')!,
        gateway: addresses.get('gateway')!,
        nodes: opts.nodes,
        timeoutMs: opts.timeout * 1000,
        say,
        tty: Boolean((out as NodeJS.WriteStream).isTTY),
      });
      say(
        r.served
          ? `serving ${opts.models.join(', ')} — try: npx hera rank --model ${opts.models.includes('ncf') ? 'ncf' : opts.models[0]}   npx hera plan explain   npx hera status`
          : `registered ${opts.models.join(', ')} without a plan — profile them (npx hera profile --all --quick), then npx hera plan apply`,
      );
    }
    say('press Ctrl-C to stop the cluster');
    return await new Promise<number>(() => {}); // runs until a signal
  } catch (err) {
    say(`failed to start: ${(err as Error).message}`);
    await stopAll('start failed');
    return 1;
  }
}

/** Longest path the kernel takes for a Unix socket (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * Where `hera up` keeps node agent `nodeId`'s state (NODE_STATE_DIR: its tenant hosts'
 * descriptors and control sockets, one agent at a time): `<dataDir>/node-state/<nodeId>`, so
 * clusters started from different data dirs never share one (the agent's own default,
 * `<tmpdir>/hera-<prefix>-node-<id>`, is the same for every `hera up` on the machine), and a
 * cluster restarted from the same data dir adopts its hosts. A data dir too deep for the
 * hosts' socket paths gets a directory under the OS temp dir named by its path instead.
 */
export function nodeStateDir(dataDir: string, nodeId: string): string {
  const dir = join(resolve(dataDir), 'node-state', nodeId);
  if (Buffer.byteLength(join(dir, 'host-00000000.sock')) <= MAX_SOCKET_PATH) return dir;
  const id = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
  return join(tmpdir(), `hera-up-${id}`, nodeId);
}

/**
 * The cgroup `hera up` gives node agent `nodeId` (NODE_CGROUP): named by the data dir too, so
 * two local clusters on one machine never manage the same tenants' groups (the agent's default,
 * hera-<NODE_ID>, is local-1 for every `hera up`), and a restart from the same data dir finds
 * its own again.
 */
export function nodeCgroup(dataDir: string, nodeId: string): string {
  return `hera-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8)}-${nodeId}`;
}

/** The name `hera up` gives node agent i (0-based) of `nodes`. */
const workerName = (i: number, nodes: number) => (nodes === 1 ? 'worker' : `worker-${i + 1}`);

/**
 * Each service's /metrics port from the base: gateway, placement, profiler, then the
 * node agents (base + 3 + i). Empty when `base` is 0 (metrics off).
 */
export function metricsPorts(base: number, nodes: number): Map<string, number> {
  if (!base) return new Map();
  const names = ['gateway', 'placement', 'profiler', ...Array.from({ length: nodes }, (_, i) => workerName(i, nodes))];
  if (base + names.length - 1 > 65535) throw new Error(`--metrics ${base}: needs ${names.length} ports from it`);
  return new Map(names.map((n, i) => [n, base + i]));
}

/** Where a service's /metrics answers: on the interface it binds (loopback for "any"). */
export function metricsUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}/metrics`;
}

function pipeLogs(name: string, child: Child, out: NodeJS.WritableStream, json: boolean, color: boolean): void {
  const write = (line: string) =>
    out.write(`${json ? `${name.padEnd(10)}| ${line}` : formatLogLine(name, line, color)}\n`);
  for (const l of child.lines) write(l);
  const forward = (buf: Buffer, state: { rest: string }) => {
    const parts = (state.rest + buf.toString('utf8')).split('\n');
    state.rest = parts.pop() ?? '';
    for (const l of parts) if (l) write(l);
  };
  const o = { rest: '' };
  const e = { rest: '' };
  child.proc.stdout?.on('data', (b: Buffer) => forward(b, o));
  child.proc.stderr?.on('data', (b: Buffer) => forward(b, e));
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${v}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('up')
    .description('start a local cluster: redis-server (unless REDIS_URL is set) and all four services; Ctrl-C stops it')
    .option(
      '--data-dir <dir>',
      "where Redis data, cluster.json and the node agents' state (node-state/<node id>, unless NODE_STATE_DIR is set: one node only) live",
      DEFAULT_DATA_DIR,
    )
    .option(
      '--redis-url <url>',
      'use this Redis instead of starting one (default: $REDIS_URL)',
      process.env['REDIS_URL'],
    )
    .option('--redis-port <port>', 'port for the private redis-server (0 = any free port)', int, 0)
    .option('--prefix <prefix>', 'Redis key prefix', process.env['HERA_REDIS_PREFIX'] ?? 'hera')
    .option('--host <host>', 'interface the services bind', '127.0.0.1')
    .option('--nodes <n>', 'node agents (worker services) to start on this machine', int, 1)
    .option('--gateway-port <port>', 'gateway gRPC port (0 = any free port)', int, 50051)
    .option('--worker-port <port>', 'first node agent port; node i uses port + 10·i (0 = any)', int, 50052)
    .option('--placement-port <port>', 'placement gRPC port', int, 50053)
    .option('--profiler-port <port>', 'profiler gRPC port', int, 50054)
    .option(
      '--metrics <basePort>',
      'serve Prometheus /metrics, each service on its own port from this one: gateway, placement, profiler, then each node agent (default: $METRICS_PORT; 0 = off)',
      int,
      process.env['METRICS_PORT'] ? int(process.env['METRICS_PORT']) : 0,
    )
    .option('--log-level <level>', 'services log level', 'info')
    .option('--json-logs', 'print the services raw JSON log lines', false)
    .option(
      '--timeout <seconds>',
      'how long to wait for every service (and then every model) to become ready',
      int,
      180,
    )
    .option(
      '--models <list>',
      `models to build if missing, register, plan and serve ("none" = services only)`,
      ALL_MODELS.join(','),
    )
    .option('--scale <s>', 'table-row scale for models built now (0 < s ≤ 1)', Number, 0.01)
    .option(
      '--demand-units <u>',
      'default demand per model, in dedicated servers (used when no demand is set)',
      Number,
      0.5,
    )
    .option(
      '--no-plan',
      'register the models but set no demand and apply no plan (nodes stay empty, e.g. for profiling)',
    )
    .option(
      '--no-node-manager',
      "keep each node at the plan's static split: no core moves between its tenants (NODE_MANAGER=off, for comparison)",
    )
    .option('--otlp <url>', "send every service's traces to this OTLP/gRPC endpoint (sets OTEL_EXPORTER_OTLP_ENDPOINT)")
    .option(
      '--observability',
      "look for an OTLP collector (e.g. the compose file's Jaeger) at 127.0.0.1:4317, say whether one answers, and send traces there if so",
      false,
    )
    .option('--tls', 'mTLS on every gRPC hop, with a throwaway CA made by openssl under <data-dir>/tls', false)
    .option(
      '--auth',
      'require tokens for control-plane RPCs; admin and operator tokens are generated under <data-dir>/auth',
      false,
    )
    .option(
      '--restart-budget <n>',
      'restarts each service (and the private redis-server) gets within a minute before the cluster stops (0 = stop at the first death)',
      int,
      DEFAULT_RESTART_POLICY.budget,
    )
    .action(async (o: Omit<UpOptions, 'models'> & { models: string }) => {
      if (o.nodes < 1) throw new Error('--nodes must be at least 1');
      const models = parseModels(o.models);
      if (!(o.scale > 0 && o.scale <= 1)) throw new Error('--scale must be in (0, 1]');
      process.exitCode = await up({ ...o, models });
    });
}
