/**
 * Deployment files: docker-compose.yml is checked by a real compose implementation
 * (Debian's docker-compose runs `config` without an engine) and, parsed, for what a cluster
 * that serves needs: healthchecks that start no Node process, a one-shot init between the
 * nodes and the gateway, Prometheus scraping every service, node agents that can manage
 * cgroups. The Grafana dashboard parses and queries only metrics the services define, and the
 * Dockerfile keeps its dependency layer, init process and pinned, verified probe, on the Node
 * line the project is tested on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MALLOC_TUNING, payloadNodeFlags } from '@hera/procs';

const root = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const compose =
  spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0 ? 'docker-compose' : undefined;

interface Service {
  image?: string;
  command?: string[];
  user?: string;
  privileged?: boolean;
  cap_add?: string[];
  cpus?: number;
  restart?: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}
/** docker-compose.yml with its anchors and merge keys resolved (what compose sees). */
const services = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }).services;
const SERVICES = ['gateway', 'placement', 'profiler', 'worker-1', 'worker-2'];
const WORKERS = SERVICES.filter(s => s.startsWith('worker-'));
/** One-shot or third-party services without a healthcheck, and why (the compose file says so too). */
const NO_HEALTHCHECK: Record<string, string> = {
  init: 'one-shot: its exit status is its health',
  certs: 'one-shot: its exit status is its health',
  jaeger: 'nothing waits for it; spans are best-effort',
};

describe('docker-compose.yml', () => {
  it(
    'is valid and defines the cluster',
    { skip: compose ? false : 'docker-compose is not installed (apt-get install -y docker-compose)' },
    () => {
      const res = spawnSync(compose!, ['-f', 'docker-compose.yml', 'config'], { cwd: root, encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      const names = spawnSync(compose!, ['-f', 'docker-compose.yml', 'config', '--services'], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.deepEqual(names.stdout.trim().split('\n').sort(), [
        'certs',
        'gateway',
        'grafana',
        'init',
        'jaeger',
        'placement',
        'profiler',
        'prometheus',
        'redis',
        'worker-1',
        'worker-2',
      ]);
      // Both worker nodes carry a CPU limit.
      assert.equal((res.stdout.match(/cpus: 2\.0/g) ?? []).length, 2, res.stdout);
    },
  );

  it('gives every long-running service a healthcheck that starts no Node process', () => {
    for (const [name, s] of Object.entries(services)) {
      if (NO_HEALTHCHECK[name]) {
        assert.equal(s.healthcheck, undefined, `${name}: ${NO_HEALTHCHECK[name]}`);
        continue;
      }
      const test = s.healthcheck?.test;
      assert.ok(test?.length && !s.healthcheck?.disable, `${name} has no healthcheck`);
      assert.ok(
        !test.some(a => /(^|\/)node$|\.js$/.test(a)),
        `${name}'s healthcheck starts a Node process: ${test.join(' ')}`,
      );
    }
    // Hera's services: the gRPC health check of their own port (readiness: the default service).
    for (const name of SERVICES) {
      const s = services[name]!;
      assert.deepEqual(s.healthcheck!.test!.slice(0, 3), [
        'CMD',
        'grpc_health_probe',
        `-addr=127.0.0.1:${s.environment!['GRPC_PORT']}`,
      ]);
    }
  });

  it('runs a one-shot `hera cluster init` after what it needs, and the gateway after it', () => {
    const init = services['init']!;
    assert.deepEqual(init.command!.slice(2, 5), ['apps/cli/dist/main.js', 'cluster', 'init']);
    assert.equal(init.command![init.command!.indexOf('--nodes') + 1], String(WORKERS.length));
    assert.equal(init.restart, 'no');
    for (const dep of ['redis', 'placement', ...WORKERS])
      assert.equal(init.depends_on?.[dep]?.condition, 'service_healthy', `init does not wait for ${dep}`);
    assert.equal(init.environment?.['HERA_PLACEMENT'], `placement:${services['placement']!.environment!['GRPC_PORT']}`);
    // `up --wait` fails on an exited one-shot nobody waits for; the gateway waits for it.
    assert.equal(services['gateway']!.depends_on?.['init']?.condition, 'service_completed_successfully');
    // init builds into the volume the node agents read.
    for (const name of ['init', ...WORKERS])
      assert.equal(services[name]!.environment!['HERA_MODEL_REPO'], '/models', `${name}'s model repository`);
  });

  it('lets the node agents manage cgroups (root and a writable cgroup filesystem)', () => {
    for (const name of WORKERS) {
      const s = services[name]!;
      assert.equal(s.user, 'root', name);
      assert.ok(s.privileged === true || s.cap_add?.includes('SYS_ADMIN'), `${name}: privileged or SYS_ADMIN`);
    }
  });

  it('publishes the gateway alone beyond loopback, the UIs on loopback, and nothing else', () => {
    const published = Object.fromEntries(
      Object.entries(services)
        .filter(([, s]) => s.ports?.length)
        .map(([name, s]) => [name, s.ports!.map(String).sort()]),
    );
    // README "Running it safely": node agents, tenant hosts, placement, the profiler, Redis and
    // metrics are never published.
    assert.deepEqual(published, {
      gateway: ['50051:50051'],
      jaeger: ['127.0.0.1:16686:16686', '127.0.0.1:4317:4317'],
      prometheus: ['127.0.0.1:9090:9090'],
      grafana: ['127.0.0.1:3000:3000'],
    });
    for (const name of ['redis', 'jaeger', 'prometheus', 'grafana']) {
      const image = services[name]!.image!;
      assert.match(image, /:v?\d[\w.-]*$/, `${name}'s image is pinned by version tag: ${image}`);
    }
  });

  describe('security (README "Running it safely")', () => {
    const SERVER_CERT: Record<string, string> = {
      gateway: 'gateway',
      placement: 'placement',
      profiler: 'profiler',
      'worker-1': 'worker',
      'worker-2': 'worker',
    };
    /** Callers of control-plane RPCs: placement and the profiler call the agents' ApplyAllocation, init applies a plan. */
    const CONTROL_CALLERS = ['placement', 'profiler', 'init'];
    const certs = services['certs']!;
    const flag = (name: string) => certs.command![certs.command!.indexOf(name) + 1]!;

    it('makes the credentials once, in a one-shot everything else waits for', () => {
      assert.deepEqual(certs.command!.slice(1, 4), ['apps/cli/dist/main.js', 'certs', 'create']);
      assert.equal(certs.restart, 'no');
      assert.deepEqual(flag('--names').split(',').sort(), [...new Set(Object.values(SERVER_CERT)), 'cli'].sort());
      // Every name a container dials another by, and loopback for healthchecks and the host's CLI.
      for (const h of [...SERVICES, 'localhost', '127.0.0.1'])
        assert.ok(flag('--hosts').split(',').includes(h), `certificates are not valid for ${h}`);
      for (const name of [...SERVICES, 'init'])
        assert.equal(services[name]!.depends_on?.['certs']?.condition, 'service_completed_successfully', name);
      // The CA's key stays in a volume only `certs` mounts.
      const ca = flag('--dir');
      const pki = certs.volumes!.find(v => v.endsWith(`:${ca}`))!.split(':')[0]!;
      for (const [name, s] of Object.entries(services))
        if (name !== 'certs') assert.ok(!(s.volumes ?? []).some(v => v.startsWith(`${pki}:`)), `${name} mounts ${pki}`);
    });

    it('gives every gRPC server its own certificate, the CA and the tokens file, read-only', () => {
      const tls = flag('--out');
      const auth = flag('--tokens');
      for (const [name, cert] of Object.entries(SERVER_CERT)) {
        const s = services[name]!;
        const env = s.environment!;
        assert.equal(env['GRPC_TLS_CERT'], `${tls}/${cert}.pem`, name);
        assert.equal(env['GRPC_TLS_KEY'], `${tls}/${cert}.key`, name);
        assert.equal(env['GRPC_TLS_CA'], `${tls}/ca.pem`, name);
        assert.equal(env['HERA_AUTH_TOKENS_FILE'], `${auth}/tokens`, name);
        for (const dir of [tls, auth])
          assert.ok(
            s.volumes!.some(v => v.endsWith(`:${dir}:ro`)),
            `${name} mounts ${dir} read-only`,
          );
        // Internal services take mTLS clients only; the gateway verifies a certificate when shown.
        assert.equal(env['GRPC_TLS_CLIENT_CERTS'], name === 'gateway' ? 'optional' : 'require', name);
        assert.equal(
          env['HERA_AUTH_OPEN'],
          undefined,
          `${name} keeps the default: read and infer open, control closed`,
        );
      }
    });

    it('gives every caller of control-plane RPCs the admin token, and no one else', () => {
      const auth = flag('--tokens');
      for (const [name, s] of Object.entries(services)) {
        const file = s.environment?.['HERA_TOKEN_FILE'];
        if (CONTROL_CALLERS.includes(name)) assert.equal(file, `${auth}/admin.token`, name);
        else assert.equal(file, undefined, `${name} holds a token it does not need`);
      }
      const init = services['init']!.environment!;
      assert.deepEqual(
        [init['GRPC_TLS_CERT'], init['GRPC_TLS_KEY']],
        [`${flag('--out')}/cli.pem`, `${flag('--out')}/cli.key`],
      );
    });

    it("healthchecks over mTLS with the container's own certificate, checking its name", () => {
      for (const [name, cert] of Object.entries(SERVER_CERT)) {
        const test = services[name]!.healthcheck!.test!;
        const env = services[name]!.environment!;
        for (const f of [
          '-tls',
          `-tls-ca-cert=${env['GRPC_TLS_CA']}`,
          `-tls-client-cert=${env['GRPC_TLS_CERT']}`,
          `-tls-client-key=${env['GRPC_TLS_KEY']}`,
          `-tls-server-name=hera-${cert}`,
        ])
          assert.ok(test.includes(f), `${name}'s healthcheck lacks ${f}: ${test.join(' ')}`);
      }
    });

    it('keeps Redis and the metrics ports off the host', () => {
      assert.equal(services['redis']!.ports, undefined);
      assert.match(services['gateway']!.environment!['REDIS_URL']!, /^redis:\/\/redis:6379$/);
      for (const name of SERVICES)
        assert.ok(!(services[name]!.ports ?? []).some(p => String(p).includes('9464')), `${name} publishes metrics`);
    });
  });

  it('has Prometheus scrape every service container on its METRICS_PORT', () => {
    const prom = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap(j => j.static_configs.flatMap(c => c.targets));
    const scraped = SERVICES.map(name => `${name}:${services[name]!.environment!['METRICS_PORT']}`);
    for (const t of scraped) assert.ok(targets.includes(t), `prometheus does not scrape ${t}`);
    for (const t of targets)
      assert.ok(scraped.includes(t) || t === '127.0.0.1:9090', `prometheus scrapes ${t}, which is no service`);
    assert.ok(
      (services['prometheus']!.healthcheck?.test ?? []).length > 0 &&
        JSON.stringify(services['prometheus']).includes('./deploy/prometheus/prometheus.yml:'),
    );
  });

  it('starts every container of the image from an entry point that the build produces', () => {
    const ours = Object.entries(services).filter(([, s]) => s.image === 'hera-mesh:dev');
    assert.deepEqual(ours.map(([n]) => n).sort(), [...SERVICES, 'certs', 'init'].sort());
    for (const [name, s] of ours) {
      const main = s.command!.find(a => a.endsWith('.js'));
      assert.match(main ?? '', /^(services|apps)\/[\w-]+\/dist\/main\.js$/, `${name}: ${s.command!.join(' ')}`);
      assert.ok(existsSync(join(root, main!)), `${name}: ${main} does not exist`);
    }
  });

  it('runs the payload-moving services with the payload tuning (libs/procs/src/payload-tuning.ts)', () => {
    const text = read('docker-compose.yml');
    for (const svc of ['worker', 'gateway']) {
      const commands = [...text.matchAll(new RegExp(`command: \\[(.*"services/${svc}/dist/main\\.js")\\]`, 'g'))].map(
        m => m[1]!,
      );
      assert.ok(commands.length > 0, `no ${svc} command`);
      for (const c of commands)
        for (const f of payloadNodeFlags(svc)) assert.ok(c.includes(`"${f}"`), `${svc} command lacks ${f}: ${c}`);
    }
    for (const [k, v] of Object.entries(MALLOC_TUNING))
      assert.ok(text.includes(`${k}: "${v}"`), `compose environment lacks ${k}: "${v}"`);
  });
});

/**
 * Metric names the dashboard may use: the services' own series (libs/metrics and each
 * service's metrics) and Node's default process metrics. A histogram is listed by its base
 * name; its _bucket, _sum and _count series are allowed with it.
 */
/**
 * Every metric the mesh defines, read from the sources that define them (the `'hera_…'` names in
 * services and libraries), so a renamed series fails here, not on a blank dashboard; and
 * prom-client's default Node.js metrics.
 */
function definedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.includes('.test.')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/'(hera_[a-z0-9_]+)'/g)) names.add(m[1]!);
      }
    }
  };
  for (const top of ['services', 'libs']) walk(join(root, top));
  return names;
}
const KNOWN_METRICS = [...definedMetrics(), 'process_cpu_seconds_total'];

describe('Grafana (deploy/grafana)', () => {
  interface Panel {
    id: number;
    title: string;
    type: string;
    datasource?: { uid: string };
    targets?: { expr?: string }[];
  }
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/hera-mesh.json')) as {
    uid: string;
    panels: Panel[];
  };
  const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
    datasources: { uid: string; type: string; url: string }[];
  };

  it('has one dashboard whose panels each query Prometheus', () => {
    assert.ok(dashboard.panels.length >= 6);
    assert.equal(new Set(dashboard.panels.map(p => p.id)).size, dashboard.panels.length, 'panel ids are unique');
    const uid = datasources.datasources.find(d => d.type === 'prometheus')!.uid;
    for (const p of dashboard.panels) {
      assert.ok(p.targets?.length, `panel "${p.title}" has no query`);
      for (const t of p.targets) assert.ok(t.expr?.trim(), `panel "${p.title}" has an empty query`);
      assert.equal(p.datasource?.uid, uid, `panel "${p.title}" uses another datasource`);
    }
    assert.equal(datasources.datasources[0]!.url, 'http://prometheus:9090');
  });

  it('covers QPS, latency against SLA, sheds, EMU and CPU throttling', () => {
    const exprs = dashboard.panels.flatMap(p => p.targets!.map(t => t.expr!)).join('\n');
    for (const m of [
      'hera_gateway_requests_total',
      'hera_gateway_request_duration_seconds_bucket',
      'hera_model_sla_seconds',
      'hera_gateway_shed_total',
      'hera_placement_plan_node_emu',
      'hera_node_tenant_cpu_throttled_seconds_total',
    ])
      assert.ok(exprs.includes(m), `no panel queries ${m}`);
  });

  it('queries only metrics the services define', () => {
    for (const p of dashboard.panels) {
      for (const t of p.targets!) {
        const names = t.expr!.match(/\b(?:hera|process|nodejs)_[a-z0-9_]+/g) ?? [];
        assert.ok(names.length > 0, `panel "${p.title}" queries no known metric family: ${t.expr}`);
        for (const n of names) {
          const base = KNOWN_METRICS.includes(n) ? n : n.replace(/_(bucket|sum|count)$/, '');
          assert.ok(KNOWN_METRICS.includes(base), `panel "${p.title}" queries ${n}, which no service defines`);
        }
      }
    }
  });
});

describe('deploy/Dockerfile', () => {
  const text = read('deploy/Dockerfile');
  const lines = text.split('\n');
  const at = (re: RegExp) => lines.findIndex(l => re.test(l));

  it('installs dependencies from the manifests alone, before the sources', () => {
    const ci = at(/^RUN npm ci\b/);
    const manifests = at(/^COPY --from=manifests /);
    const sources = lines.findIndex((l, i) => i > ci && /^COPY \. \./.test(l));
    assert.ok(manifests >= 0 && manifests < ci && ci < sources, 'manifests, npm ci, then COPY . .');
    assert.match(text, /find libs services apps .*-name package\.json/);
  });

  it('runs under tini, as a non-root user by default, with a pinned and verified health probe', () => {
    assert.match(text, /^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    assert.match(text, /apt-get install .*'tini=/);
    assert.match(text, /^USER node$/m);
    assert.match(text, /^ARG GRPC_HEALTH_PROBE_VERSION=v\d+\.\d+\.\d+$/m);
    assert.match(text, /^ARG GRPC_HEALTH_PROBE_SHA256_AMD64=[0-9a-f]{64}$/m);
    assert.match(text, /^ARG GRPC_HEALTH_PROBE_SHA256_ARM64=[0-9a-f]{64}$/m);
    assert.match(text, /sha256sum -c -/);
    for (const m of text.matchAll(/^FROM (\S+)/gm)) assert.match(m[1]!, /:[\w.-]+$/, `${m[1]} is not pinned`);
  });

  it('builds and runs on the Node line the project is developed and tested on (.nvmrc, engines)', () => {
    const tags = [...text.matchAll(/^FROM node:(\S+)/gm)].map(m => m[1]!);
    assert.equal(tags.length, 3, 'the manifests, build and runtime stages start from node');
    assert.equal(new Set(tags).size, 1, `one Node image for every stage (native addons): ${tags.join(', ')}`);
    const version = /^(\d+)\.(\d+)\.(\d+)-bookworm-slim$/.exec(tags[0]!);
    assert.ok(version, `node:${tags[0]} is not pinned to a patch release`);
    const [major, minor, patch] = version.slice(1).map(Number) as [number, number, number];
    assert.equal(String(major), read('.nvmrc').trim(), `node:${tags[0]} is not the line of .nvmrc (what CI runs)`);
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const min = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines)!.slice(1).map(Number) as [number, number, number];
    const atLeast = major !== min[0] ? major > min[0] : minor !== min[1] ? minor > min[1] : patch >= min[2];
    assert.ok(atLeast, `node:${tags[0]} is older than engines ${engines}`);
  });

  it('leaves what the image does not build out of its context (.dockerignore)', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const p of ['node_modules', '**/node_modules', '**/dist', '.git', '.hera']) assert.ok(ignored.includes(p), p);
  });
});
