/**
 * deploy/k8s: every overlay (and the base) renders with `kubectl kustomize`, every object
 * validates against the Kubernetes OpenAPI schemas offline (kubernetes-models: validators
 * generated from the API's OpenAPI document, per kind), and the checks the schemas cannot
 * make hold (k8s-manifests.ts): Services select pods and name their ports, probes probe
 * declared ports, referenced ConfigMaps/Secrets/claims exist or are user-supplied, and each
 * container's environment is what its service's zod schema accepts. The checkers are shown
 * failing on small broken lists first.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { commonEnv, ConfigError } from '@hera/config';
import { MALLOC_TUNING, payloadNodeFlags } from '@hera/procs';
import { LIVENESS_SERVICE } from '@hera/runtime';
import { parseInitArgs } from '@hera/cli';
import {
  checkManifests,
  containerEnv,
  containersOf,
  podTemplates,
  quantity,
  ref,
  secretFileAt,
  type Container,
  type K8sObject,
  type PodTemplate,
  type Probe,
} from './k8s-manifests';

const root = join(__dirname, '..', '..');
const k8s = join(root, 'deploy', 'k8s');
/** Why the rendering tests cannot run here, or false. The manifests need kustomize ≥ 5 (kubectl ≥ 1.27). */
function kubectlMissing(): string | false {
  const res = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (res.status !== 0)
    return 'kubectl is not installed (Debian has only kubernetes-client 1.20, too old: https://kubernetes.io/docs/tasks/tools/)';
  const kustomize = (JSON.parse(res.stdout) as { kustomizeVersion?: string }).kustomizeVersion ?? 'none';
  const major = Number(/^v(\d+)\./.exec(kustomize)?.[1] ?? 0);
  return major >= 5 ? false : `kubectl bundles kustomize ${kustomize}; the manifests need v5 (kubectl ≥ 1.27)`;
}
const noKubectl = kubectlMissing();

/** The kinds the manifests use, each with its schema validator (an unknown kind fails). */
type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Schema problems of each object (empty: all valid). */
function schemaProblems(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const Ctor = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Ctor) {
      out.push(`${ref(o)}: no schema for ${o.apiVersion} ${o.kind} (add it to MODELS)`);
      continue;
    }
    try {
      new Ctor(o as never).validate();
    } catch (err) {
      out.push(`${ref(o)}: ${(err as Error).message}`);
    }
  }
  return out;
}

const rendered = new Map<string, string>();
/** `kubectl kustomize dir`, parsed (rendered once per directory; each call gets fresh objects). */
function render(dir: string): K8sObject[] {
  let text = rendered.get(dir);
  if (text === undefined) {
    const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
    text = res.stdout;
    rendered.set(dir, text);
  }
  return parseAllDocuments(text).map(d => {
    if (d.errors.length) throw new Error(d.errors.map(e => e.message).join('\n'));
    return d.toJS() as K8sObject;
  });
}

/** What a service's config module exports: its schema's loader. */
interface ServiceConfig {
  names: Set<string>;
  load: (env: NodeJS.ProcessEnv) => unknown;
}

const configs = new Map<string, ServiceConfig>();
/** services/<name>/dist/config.js, loaded by path (a service package's entry point starts the service). */
async function serviceConfig(name: string): Promise<ServiceConfig> {
  let c = configs.get(name);
  if (!c) {
    const mod = (await import(pathToFileURL(join(root, 'services', name, 'dist', 'config.js')).href)) as Record<
      string,
      unknown
    >;
    const schema = Object.entries(mod).find(([k]) => k.endsWith('ConfigSchema'))?.[1] as
      { shape: Record<string, unknown> } | undefined;
    assert.ok(schema && typeof mod['loadConfig'] === 'function', `services/${name}/dist/config.js exports no schema`);
    c = { names: new Set(Object.keys(schema.shape)), load: mod['loadConfig'] as ServiceConfig['load'] };
    configs.set(name, c);
  }
  return c;
}

/** Read by Node, glibc or the OpenTelemetry SDK, not by our schemas. */
const FOREIGN = (name: string) =>
  name.startsWith('OTEL_') || name in MALLOC_TUNING || name === 'NODE_PATH' || name === 'NODE_OPTIONS';

/** Stand-ins for values only a running cluster has (the downward API, user-supplied Secrets). */
const PLACEHOLDERS = { REDIS_URL: 'redis://redis.example:6379', NODE_ID: 'node-a', ADVERTISE_HOST: '10.0.0.7' };

/** Text of the CLI's build: a variable the CLI reads is named there (`process.env['REDIS_URL']`, its help). */
let cliText: string | undefined;
function cliReads(name: string): boolean {
  cliText ??= ['', 'commands']
    .flatMap(d =>
      readdirSync(join(root, 'apps', 'cli', 'dist', d))
        .filter(f => f.endsWith('.js'))
        .map(f => readFileSync(join(root, 'apps', 'cli', 'dist', d, f), 'utf8')),
    )
    .join('\n');
  return new RegExp(`(?<![A-Z0-9_])${name}(?![A-Z0-9_])`).test(cliText);
}

/** The variables `$(NAME)` in a command line names (Kubernetes substitutes them; `$$(NAME)` is a literal). */
const argRefs = (argv: readonly string[]): string[] =>
  argv.flatMap(a => [...a.matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map(m => m[1]!));

/** `argv` with each `$(NAME)` replaced by its value in `env`, as the kubelet does (unknown names stay). */
const expand = (argv: readonly string[], env: Readonly<Record<string, string>>): string[] =>
  argv.map(a => a.replace(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => env[n] ?? m));

/**
 * Environment problems of the Hera containers: each service container's variables are names
 * its zod schema knows (or Node's, glibc's, OpenTelemetry's), and the environment the
 * manifests give it loads (its loadConfig accepts it). A `hera` CLI container's (the init
 * Job's) are each used by its arguments as `$(NAME)` or read by the CLI, every `$(NAME)` names
 * one of them (else Kubernetes passes the text on), and the arguments, substituted, are flags
 * and values `hera cluster init` accepts. Also: probes are gRPC health on the service's GRPC_PORT (liveness under
 * LIVENESS_SERVICE, readiness ""), the port named grpc is that port, the payload-moving
 * services run with the payload flags, and entry points exist in the build.
 */
async function envProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of podTemplates(objects)) {
    for (const c of containersOf(t)) {
      const where = `${ref(t.owner)} container ${c.name}`;
      const argv = [...(c.command ?? []), ...(c.args ?? [])];
      const main = argv.find(a => /^(services\/\w+|apps\/cli)\/dist\/main\.js$/.test(a));
      if (main && !existsSync(join(root, main))) out.push(`${where}: ${main} is not in the build`);
      const service = /^services\/(\w+)\//.exec(main ?? '')?.[1];
      const names = [
        ...(c.env ?? []).map(e => e.name),
        ...Object.keys(containerEnv(objects, t, c)).filter(n => !(c.env ?? []).some(e => e.name === n)),
      ];
      if (service) {
        const config = await serviceConfig(service);
        for (const n of names)
          if (!config.names.has(n) && !FOREIGN(n)) out.push(`${where}: ${n} is not a ${service} variable`);
        const env = containerEnv(objects, t, c, PLACEHOLDERS);
        let loaded: Record<string, unknown> | undefined;
        try {
          loaded = config.load(env) as Record<string, unknown>;
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          out.push(`${where}: ${err.message}`);
        }
        out.push(...probeProblems(where, c, Number(loaded?.['GRPC_PORT'] ?? env['GRPC_PORT']), env));
        if (service === 'gateway' || service === 'worker')
          for (const f of payloadNodeFlags(service)) if (!argv.includes(f)) out.push(`${where}: runs without ${f}`);
      } else if (main === 'apps/cli/dist/main.js') {
        const used = new Set(argRefs(argv));
        for (const n of used) if (!names.includes(n)) out.push(`${where}: $(${n}) names no variable of the container`);
        for (const n of names)
          if (!(n in commonEnv) && !FOREIGN(n) && !used.has(n) && !cliReads(n))
            out.push(`${where}: ${n} is used neither by its arguments nor by the CLI`);
        const args = expand(argv.slice(argv.indexOf(main) + 1), containerEnv(objects, t, c, PLACEHOLDERS));
        if (args[0] !== 'cluster' || args[1] !== 'init')
          out.push(`${where}: runs hera ${args.slice(0, 2).join(' ')}, not hera cluster init`);
        else
          try {
            parseInitArgs(args.slice(2));
          } catch (err) {
            out.push(`${where}: hera ${args.join(' ')}: ${(err as Error).message}`);
          }
      }
    }
  }
  return out;
}

/** A grpc_health_probe exec probe's flags (`-name=value`, or `-name` alone: true). */
function probeFlags(probe: Probe): Map<string, string | true> | undefined {
  const argv = probe.exec?.command;
  if (!argv || !/(^|\/)grpc_health_probe$/.test(argv[0] ?? '')) return undefined;
  return new Map(
    argv.slice(1).map(a => {
      const m = /^--?([\w-]+)(?:=(.*))?$/.exec(a);
      return [m?.[1] ?? a, m?.[2] ?? true] as const;
    }),
  );
}

/**
 * Probes ask the service's own grpc.health.v1 (liveness under LIVENESS_SERVICE, readiness "")
 * on GRPC_PORT: natively (`grpc:`), or, where the server speaks TLS (`env` has GRPC_TLS_CERT),
 * by grpc_health_probe over mTLS with the container's own files and checking the name peers
 * check (GRPC_TLS_SERVER_NAME): the kubelet's native gRPC probes speak plaintext only.
 */
function probeProblems(where: string, c: Container, grpcPort: number, env: Record<string, string> = {}): string[] {
  const out: string[] = [];
  if (c.ports?.find(p => p.name === 'grpc')?.containerPort !== grpcPort)
    out.push(`${where}: the port named grpc is not GRPC_PORT ${grpcPort}`);
  const tls = env['GRPC_TLS_CERT'] !== undefined;
  for (const [kind, probe, service] of [
    ['liveness', c.livenessProbe, LIVENESS_SERVICE],
    ['startup', c.startupProbe, LIVENESS_SERVICE],
    ['readiness', c.readinessProbe, ''],
  ] as const) {
    if (!probe) {
      if (kind !== 'startup') out.push(`${where}: no ${kind} probe`);
      continue;
    }
    const flags = probeFlags(probe);
    if (tls) {
      if (!flags) {
        out.push(`${where}: the ${kind} probe cannot speak TLS (the kubelet's gRPC probes are plaintext)`);
        continue;
      }
      for (const [flag, want] of [
        ['tls', true],
        ['tls-ca-cert', env['GRPC_TLS_CA']],
        ['tls-client-cert', env['GRPC_TLS_CERT']],
        ['tls-client-key', env['GRPC_TLS_KEY']],
        ['tls-server-name', env['GRPC_TLS_SERVER_NAME']],
      ] as const)
        if (want !== undefined && flags.get(flag) !== want)
          out.push(`${where}: the ${kind} probe's -${flag} is not ${String(want)}`);
    }
    const port = flags
      ? Number(/^(?:127\.0\.0\.1|localhost):(\d+)$/.exec(String(flags.get('addr')))?.[1])
      : probe.grpc?.port;
    const asked = flags ? String(flags.get('service') ?? '') : (probe.grpc?.service ?? '');
    if (port !== grpcPort) out.push(`${where}: the ${kind} probe is not gRPC health on ${grpcPort}`);
    else if (asked !== service) out.push(`${where}: the ${kind} probe asks for "${asked}", not "${service}"`);
  }
  return out;
}

/** Callers of control-plane RPCs, which hold the admin token: placement and the profiler call the agents' ApplyAllocation; init applies a plan. */
const CONTROL_CALLERS = ['placement', 'profiler', 'init'];

/**
 * mTLS and tokens (components/secure): every Hera container has GRPC_TLS_CERT, _KEY, _CA and
 * GRPC_TLS_SERVER_NAME; each file a variable names is mounted read-only from the Secret the
 * README describes (hera-tls: ca.pem and its own <identity>.pem/.key, nobody else's; hera-auth:
 * tokens, admin.token); servers read the tokens file and require client certificates, the
 * gateway only verifies those shown; exactly the control-plane callers hold the admin token.
 */
async function securityProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of podTemplates(objects)) {
    for (const c of t.spec.containers) {
      const argv = [...(c.command ?? []), ...(c.args ?? [])];
      const main = argv.find(a => /^(services\/\w+|apps\/cli)\/dist\/main\.js$/.test(a));
      if (!main) continue;
      const service = /^services\/(\w+)\//.exec(main)?.[1];
      const role = service ?? 'init';
      const identity = service ?? 'cli';
      const where = `${ref(t.owner)} container ${c.name}`;
      const env = containerEnv(objects, t, c, PLACEHOLDERS);
      const loaded = service ? ((await serviceConfig(service)).load(env) as Record<string, unknown>) : env;
      const files: Record<string, [string, string]> = {
        GRPC_TLS_CERT: ['hera-tls', `${identity}.pem`],
        GRPC_TLS_KEY: ['hera-tls', `${identity}.key`],
        GRPC_TLS_CA: ['hera-tls', 'ca.pem'],
        HERA_AUTH_TOKENS_FILE: ['hera-auth', 'tokens'],
        HERA_TOKEN_FILE: ['hera-auth', 'admin.token'],
      };
      for (const n of ['GRPC_TLS_CERT', 'GRPC_TLS_KEY', 'GRPC_TLS_CA', 'GRPC_TLS_SERVER_NAME'])
        if (!env[n]) out.push(`${where}: ${n} is not set`);
      if (service && !env['HERA_AUTH_TOKENS_FILE']) out.push(`${where}: a server without HERA_AUTH_TOKENS_FILE`);
      if (CONTROL_CALLERS.includes(role) !== Boolean(env['HERA_TOKEN_FILE']))
        out.push(`${where}: HERA_TOKEN_FILE is ${env['HERA_TOKEN_FILE'] ? 'set' : 'not set'}`);
      for (const [n, [secret, key]] of Object.entries(files)) {
        if (!env[n]) continue;
        const from = secretFileAt(t, c, env[n]);
        if (!from) out.push(`${where}: ${n}=${env[n]} is no file of a mounted Secret`);
        else if (from.secret !== secret || from.key !== key)
          out.push(`${where}: ${n} is ${from.secret}/${from.key}, not ${secret}/${key}`);
        else if (!from.readOnly) out.push(`${where}: ${n}'s Secret is mounted writable`);
      }
      for (const v of t.spec.volumes ?? [])
        if (v.secret?.secretName === 'hera-tls')
          for (const k of v.secret.items?.map(i => i.key) ?? ['(every key)'])
            if (![`${identity}.pem`, `${identity}.key`, 'ca.pem'].includes(k))
              out.push(`${where}: mounts hera-tls ${k}, not its own`);
      if (service) {
        const want = service === 'gateway' ? 'optional' : 'require';
        if (loaded['GRPC_TLS_CLIENT_CERTS'] !== want)
          out.push(`${where}: GRPC_TLS_CLIENT_CERTS is ${String(loaded['GRPC_TLS_CLIENT_CERTS'])}, not ${want}`);
      }
    }
  }
  return out;
}

// A small cluster the checkers accept; the tests below break one thing at a time.
const good = (): K8sObject[] => [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { LOG_LEVEL: 'info' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'redis' }, data: { url: btoa('redis://r:6379') } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'gw' },
    spec: {
      selector: { matchLabels: { app: 'gw' } },
      template: {
        metadata: { labels: { app: 'gw' } },
        spec: {
          containers: [
            {
              name: 'gateway',
              image: 'hera-mesh',
              command: ['node', ...payloadNodeFlags('gateway'), 'services/gateway/dist/main.js'],
              ports: [{ name: 'grpc', containerPort: 50051 }],
              envFrom: [{ configMapRef: { name: 'cfg' } }],
              env: [
                { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'redis', key: 'url' } } },
                { name: 'GRPC_PORT', value: '50051' },
                { name: 'MAX_ITEMS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
              ],
              livenessProbe: { grpc: { port: 50051, service: 'liveness' } },
              readinessProbe: { grpc: { port: 50051 } },
              resources: { limits: { cpu: '2' } },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'gw' },
    spec: { selector: { app: 'gw' }, ports: [{ name: 'grpc', port: 50051, targetPort: 'grpc' }] },
  },
];

type Mutable = Record<string, any>;
const gwContainer = (objs: K8sObject[]): Mutable =>
  (objs[2] as Mutable)['spec']['template']['spec']['containers'][0] as Mutable;

describe('manifest checks (on small lists)', () => {
  it('accept a consistent list', async () => {
    assert.deepEqual(checkManifests(good()), []);
    assert.deepEqual(schemaProblems(good()), []);
    assert.deepEqual(await envProblems(good()), []);
  });

  const broken: [string, (o: K8sObject[]) => void, RegExp][] = [
    [
      'a Service selecting nothing',
      o => ((o[3] as Mutable)['spec']['selector'] = { app: 'gateway' }),
      /Service\/gw: selects no pod template/,
    ],
    [
      'a Service targetPort the container lacks',
      o => ((o[3] as Mutable)['spec']['ports'][0]['targetPort'] = 'grcp'),
      /targetPort grcp is not a port of Deployment\/gw/,
    ],
    [
      'a probe on an undeclared port',
      o => (gwContainer(o)['readinessProbe'] = { grpc: { port: 50052 } }),
      /readiness probe port 50052 is not a port/,
    ],
    [
      'a missing ConfigMap',
      o => (gwContainer(o)['envFrom'] = [{ configMapRef: { name: 'cfg-x' } }]),
      /refers to ConfigMap\/cfg-x, which is neither rendered nor user-supplied/,
    ],
    [
      'a missing Secret key',
      o => (gwContainer(o)['env'][0]['valueFrom']['secretKeyRef']['key'] = 'uri'),
      /Secret\/redis has no key uri/,
    ],
    [
      'a missing claim',
      o =>
        ((o[2] as Mutable)['spec']['template']['spec']['volumes'] = [
          { name: 'm', persistentVolumeClaim: { claimName: 'models' } },
        ]),
      /refers to PersistentVolumeClaim\/models/,
    ],
    [
      'a selector that misses its own template',
      o => ((o[2] as Mutable)['spec']['selector']['matchLabels'] = { app: 'gw2' }),
      /Deployment\/gw: spec.selector does not select/,
    ],
    [
      'a resourceFieldRef to an unset limit',
      o => (gwContainer(o)['resources'] = {}),
      /env MAX_ITEMS: container gateway sets no limits.cpu/,
    ],
    [
      'a PDB and an HPA without targets',
      o =>
        o.push(
          {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'p' },
            spec: { selector: { matchLabels: { app: 'x' } } },
          },
          {
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: 'h' },
            spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' } },
          },
        ),
      /PodDisruptionBudget\/p: selects no pod template[^]*scales Deployment\/x/,
    ],
  ];
  for (const [what, breakIt, want] of broken) {
    it(`find ${what}`, () => {
      const objs = good();
      breakIt(objs);
      assert.match(checkManifests(objs).join('\n'), want);
    });
  }

  it('accept a reference to a user-supplied object', () => {
    const objs = good().filter(o => o.kind !== 'Secret');
    assert.match(checkManifests(objs).join('\n'), /Secret\/redis/);
    assert.deepEqual(checkManifests(objs, { userSupplied: ['Secret/redis'] }), []);
  });

  it('find schema violations: a wrong type, a missing required field, an unknown kind', () => {
    const objs = good();
    gwContainer(objs)['ports'][0]['containerPort'] = 'grpc';
    delete (objs[3] as Mutable)['spec']['ports'][0]['port'];
    objs.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    const problems = schemaProblems(objs).join('\n');
    assert.match(problems, /Deployment\/gw: .*containerPort must be integer/);
    assert.match(problems, /Service\/gw: .*must have required property port/);
    assert.match(problems, /Widget\/w: no schema/);
  });

  it('find variables a service does not read, values it refuses, and probes off its port', async () => {
    const objs = good();
    gwContainer(objs)['env'].push({ name: 'GRPC_PROT', value: '1' }, { name: 'ADMISSION_CONTROL', value: 'maybe' });
    gwContainer(objs)['livenessProbe'] = { grpc: { port: 50051 } };
    const problems = (await envProblems(objs)).join('\n');
    assert.match(problems, /GRPC_PROT is not a gateway variable/);
    assert.match(problems, /ADMISSION_CONTROL: .*\(got "maybe"\)/);
    assert.match(problems, /the liveness probe asks for "", not "liveness"/);
  });

  it('find native gRPC probes on a TLS server, and exec probes without its files', async () => {
    const objs = good();
    const gw = gwContainer(objs);
    gw['env'].push(
      { name: 'GRPC_TLS_CERT', value: '/tls/cert.pem' },
      { name: 'GRPC_TLS_KEY', value: '/tls/key.pem' },
      { name: 'GRPC_TLS_CA', value: '/tls/ca.pem' },
    );
    assert.match((await envProblems(objs)).join('\n'), /the liveness probe cannot speak TLS/);
    const probe = (service?: string, key = '/tls/key.pem') => ({
      exec: {
        command: [
          'grpc_health_probe',
          '-addr=127.0.0.1:50051',
          ...(service ? [`-service=${service}`] : []),
          '-tls',
          '-tls-ca-cert=/tls/ca.pem',
          '-tls-client-cert=/tls/cert.pem',
          `-tls-client-key=${key}`,
        ],
      },
    });
    gw['livenessProbe'] = probe('liveness');
    gw['readinessProbe'] = probe();
    assert.deepEqual(await envProblems(objs), []);
    gw['readinessProbe'] = probe(undefined, '/tls/other.key');
    gw['livenessProbe'] = probe();
    const problems = (await envProblems(objs)).join('\n');
    assert.match(problems, /the readiness probe's -tls-client-key is not \/tls\/key\.pem/);
    assert.match(problems, /the liveness probe asks for "", not "liveness"/);
  });

  it('find init Job variables nothing uses, $(NAME)s that name nothing, and flags hera cluster init refuses', async () => {
    const job = (env: { name: string; value: string }[], args: string[]): K8sObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'init' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'init',
                image: 'hera-mesh',
                command: ['node', 'apps/cli/dist/main.js', 'cluster', 'init'],
                args,
                env,
              },
            ],
          },
        },
      },
    });
    const env = [
      { name: 'REDIS_URL', value: 'redis://r:6379' }, // read by the CLI
      { name: 'HERA_PLACEMENT', value: 'placement:50053' }, // read by the CLI
      { name: 'HERA_INIT_MODELS', value: 'ncf,rmc1' },
      { name: 'HERA_INIT_SCALE', value: '0.01' },
    ];
    const args = ['--models', '$(HERA_INIT_MODELS)', '--scale', '$(HERA_INIT_SCALE)'];
    assert.deepEqual(await envProblems([job(env, args)]), []);
    const problems = async (e: typeof env, a: string[]) => (await envProblems([job(e, a)])).join('\n');
    assert.match(
      await problems([...env, { name: 'HERA_INIT_DEMAND', value: 'ncf=0.5' }], args),
      /container init: HERA_INIT_DEMAND is used neither by its arguments nor by the CLI/,
    );
    assert.match(
      await problems(env, [...args, '--nodes', '$(HERA_INIT_NODES)']),
      /\$\(HERA_INIT_NODES\) names no variable/,
    );
    assert.match(
      await problems(
        env.map(v => (v.name === 'HERA_INIT_SCALE' ? { ...v, value: '2' } : v)),
        args,
      ),
      /--scale must be in \(0, 1\]/,
    );
    assert.match(await problems(env, [...args, '--demand', '1']), /not a flag of hera cluster init: --demand/);
    assert.match(await problems(env, [...args, '--models', 'ncf,bert']), /--models: unknown bert/);
  });

  it('reads resource quantities', () => {
    assert.equal(quantity('500m'), 0.5);
    assert.equal(quantity('64Gi'), 64 * 2 ** 30);
    assert.throws(() => quantity('2 cores'));
  });
});

/** Objects each overlay leaves to the user, all named in deploy/k8s/README.md. */
const OVERLAYS: { dir: string; userSupplied: string[] }[] = [
  { dir: 'base', userSupplied: ['Secret/hera-redis'] },
  { dir: 'overlays/local', userSupplied: [] },
  { dir: 'overlays/production', userSupplied: ['Secret/hera-redis', 'Secret/hera-tls', 'Secret/hera-auth'] },
];

describe('deploy/k8s', () => {
  for (const { dir, userSupplied } of OVERLAYS) {
    describe(dir, () => {
      it('renders, and every object matches its Kubernetes schema', { skip: noKubectl }, () => {
        const objects = render(join(k8s, dir));
        assert.ok(objects.length >= 10, `${objects.length} objects`);
        assert.deepEqual(schemaProblems(objects), []);
      });

      it('holds together: selectors, ports, probes and references', { skip: noKubectl }, () => {
        assert.deepEqual(checkManifests(render(join(k8s, dir)), { userSupplied }), []);
        const readme = readFileSync(join(k8s, 'README.md'), 'utf8');
        for (const s of userSupplied) assert.ok(readme.includes(s.split('/')[1]!), `README does not name ${s}`);
      });

      it('gives each container an environment its service accepts', { skip: noKubectl }, async () => {
        const objects = render(join(k8s, dir));
        assert.deepEqual(await envProblems(objects), []);
        const hera = podTemplates(objects).flatMap(t => t.spec.containers.filter(c => c.image?.includes('hera-mesh')));
        assert.equal(hera.length, 5, 'gateway, placement, profiler, worker and the init Job run the hera-mesh image');
      });
    });
  }

  it(
    'production: mTLS on every hop from the Secrets hera-tls and hera-auth, tokens where needed',
    { skip: noKubectl },
    async () => {
      const objects = render(join(k8s, 'overlays', 'production'));
      assert.deepEqual(await securityProblems(objects), []);
      // The checks bite: a workload without its token, another's key.
      const broken = render(join(k8s, 'overlays', 'production'));
      const placement = podTemplates(broken).find(t => ref(t.owner) === 'Deployment/hera-placement')!;
      placement.spec.containers[0]!.env = placement.spec.containers[0]!.env!.filter(e => e.name !== 'HERA_TOKEN_FILE');
      const tls = placement.spec.volumes!.find(v => v.secret?.secretName === 'hera-tls')!.secret!;
      tls.items![1]!.key = 'gateway.pem';
      const problems = (await securityProblems(broken)).join('\n');
      assert.match(problems, /hera-placement container placement: HERA_TOKEN_FILE is not set/);
      assert.match(problems, /GRPC_TLS_CERT is hera-tls\/gateway\.pem, not hera-tls\/placement\.pem/);
    },
  );

  it('local stays plaintext (one machine; README says so)', { skip: noKubectl }, async () => {
    const objects = render(join(k8s, 'overlays', 'local'));
    for (const t of podTemplates(objects))
      for (const c of t.spec.containers)
        assert.equal(containerEnv(objects, t, c)['GRPC_TLS_CERT'], undefined, ref(t.owner));
  });

  it('runs the node agent as a DaemonSet that advertises its pod IP and offers its limits', { skip: noKubectl }, () => {
    const objects = render(join(k8s, 'overlays', 'production'));
    const ds = objects.find(o => ref(o) === 'DaemonSet/hera-worker');
    assert.ok(ds);
    const t = podTemplates([ds]).at(0) as PodTemplate;
    const env = Object.fromEntries((t.spec.containers[0]!.env ?? []).map(e => [e.name, e]));
    assert.equal(env['NODE_ID']?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    assert.equal(env['ADVERTISE_HOST']?.valueFrom?.fieldRef?.fieldPath, 'status.podIP');
    assert.equal(containerEnv(objects, t, t.spec.containers[0]!)['NODE_CORES'], '16');
  });
});
