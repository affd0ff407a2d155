/**
 * Checks of rendered Kubernetes manifests that the OpenAPI schemas cannot make, because they
 * span objects or fields: what a Service selects, which ports probes and Services name, which
 * ConfigMaps, Secrets and claims exist, and which environment variables each container gets.
 * Pure functions over plain objects (the parsed `kubectl kustomize` output), so the checks
 * themselves are unit-tested on small broken lists.
 */

/** A Kubernetes object as parsed from YAML: only the fields the checks read are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface ContainerPort {
  name?: string;
  containerPort: number;
}

export interface Probe {
  grpc?: { port: number; service?: string };
  exec?: { command: string[] };
  httpGet?: { port: number | string };
  tcpSocket?: { port: number | string };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string; divisor?: string };
  };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

interface Volume {
  name: string;
  configMap?: { name: string; optional?: boolean };
  secret?: { secretName: string; optional?: boolean; items?: { key: string; path: string }[] };
  persistentVolumeClaim?: { claimName: string };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

/** A workload's pod template, with where it came from. */
export interface PodTemplate {
  owner: K8sObject;
  labels: Record<string, string>;
  spec: PodSpec;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** `Kind/name` (namespace left out: an overlay renders into one namespace). */
export const ref = (o: { kind: string; metadata: { name: string } }): string => `${o.kind}/${o.metadata.name}`;

/** The pod templates of every workload in `objects` (CronJobs' included). */
export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const spec = o['spec'] as Record<string, unknown> | undefined;
    let template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } | undefined;
    if (WORKLOADS.has(o.kind)) template = spec?.['template'] as typeof template;
    else if (o.kind === 'CronJob')
      template = (spec?.['jobTemplate'] as { spec: { template: typeof template } }).spec.template;
    if (template) out.push({ owner: o, labels: template.metadata?.labels ?? {}, spec: template.spec });
  }
  return out;
}

export const containersOf = (t: PodTemplate): Container[] => [...(t.spec.initContainers ?? []), ...t.spec.containers];

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

function hasPort(c: Container, port: number | string): boolean {
  return (c.ports ?? []).some(p => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

export interface CheckOptions {
  /**
   * Objects the user creates (`Kind/name`, e.g. `Secret/hera-redis`): references to them are
   * fine although they are not in the rendered set.
   */
  userSupplied?: readonly string[];
}

/**
 * Every problem found, one line each (empty: none). Checks:
 * - a workload's selector selects its own template's labels;
 * - every Service, PodDisruptionBudget selects some pod template, and every Service
 *   targetPort is a port (number or name) of a container in each template it selects;
 * - every probe's port is a port of its container (gRPC probes take numbers only);
 * - every ConfigMap, Secret and PersistentVolumeClaim a pod refers to (env, envFrom, volumes)
 *   is in the set or user-supplied, and a referenced key exists in a ConfigMap or Secret that is;
 * - every HorizontalPodAutoscaler targets a workload in the set.
 */
export function checkManifests(objects: readonly K8sObject[], opts: CheckOptions = {}): string[] {
  const problems: string[] = [];
  const byRef = new Map(objects.map(o => [ref(o), o]));
  const supplied = new Set(opts.userSupplied ?? []);
  const templates = podTemplates(objects);

  const exists = (kind: string, name: string, where: string, optional = false) => {
    if (optional || byRef.has(`${kind}/${name}`) || supplied.has(`${kind}/${name}`)) return;
    problems.push(`${where}: refers to ${kind}/${name}, which is neither rendered nor user-supplied`);
  };
  const keyExists = (kind: 'ConfigMap' | 'Secret', name: string, key: string, where: string) => {
    const o = byRef.get(`${kind}/${name}`);
    if (!o) return;
    const keys = new Set([
      ...Object.keys((o['data'] as object | undefined) ?? {}),
      ...Object.keys((o['stringData'] as object | undefined) ?? {}),
      ...Object.keys((o['binaryData'] as object | undefined) ?? {}),
    ]);
    if (!keys.has(key)) problems.push(`${where}: ${kind}/${name} has no key ${key}`);
  };

  for (const t of templates) {
    const owner = ref(t.owner);
    const selector = (t.owner['spec'] as { selector?: { matchLabels?: Record<string, string> } }).selector;
    if (t.owner.kind !== 'Job' && !selector?.matchLabels) problems.push(`${owner}: no spec.selector.matchLabels`);
    else if (selector?.matchLabels && !matches(selector.matchLabels, t.labels))
      problems.push(`${owner}: spec.selector does not select the template's labels`);
    for (const v of t.spec.volumes ?? []) {
      const where = `${owner} volume ${v.name}`;
      if (v.configMap) exists('ConfigMap', v.configMap.name, where, v.configMap.optional);
      if (v.secret) exists('Secret', v.secret.secretName, where, v.secret.optional);
      if (v.persistentVolumeClaim) exists('PersistentVolumeClaim', v.persistentVolumeClaim.claimName, where);
    }
    for (const c of containersOf(t)) {
      const where = `${owner} container ${c.name}`;
      for (const [kind, probe] of [
        ['liveness', c.livenessProbe],
        ['readiness', c.readinessProbe],
        ['startup', c.startupProbe],
      ] as const) {
        const port = probe?.grpc?.port ?? probe?.httpGet?.port ?? probe?.tcpSocket?.port;
        if (port !== undefined && !hasPort(c, port))
          problems.push(`${where}: ${kind} probe port ${port} is not a port of the container`);
      }
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef) exists('ConfigMap', e.configMapRef.name, `${where} envFrom`, e.configMapRef.optional);
        if (e.secretRef) exists('Secret', e.secretRef.name, `${where} envFrom`, e.secretRef.optional);
      }
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        const sec = e.valueFrom?.secretKeyRef;
        if (cm) {
          exists('ConfigMap', cm.name, `${where} env ${e.name}`, cm.optional);
          keyExists('ConfigMap', cm.name, cm.key, `${where} env ${e.name}`);
        }
        if (sec) {
          exists('Secret', sec.name, `${where} env ${e.name}`, sec.optional);
          keyExists('Secret', sec.name, sec.key, `${where} env ${e.name}`);
        }
        const res = e.valueFrom?.resourceFieldRef;
        if (res) {
          const target = containersOf(t).find(x => x.name === (res.containerName ?? c.name));
          const [bound, resource] = res.resource.split('.') as ['limits' | 'requests', string];
          if (!target) problems.push(`${where} env ${e.name}: no container ${res.containerName}`);
          else if (target.resources?.[bound]?.[resource] === undefined)
            problems.push(`${where} env ${e.name}: container ${target.name} sets no ${res.resource}`);
        }
      }
    }
  }

  for (const o of objects) {
    const spec = o['spec'] as Record<string, unknown> | undefined;
    if (o.kind === 'Service') {
      const selector = spec?.['selector'] as Record<string, string> | undefined;
      if (!selector || Object.keys(selector).length === 0) {
        problems.push(`${ref(o)}: no selector (endpoints would have to be managed by hand)`);
        continue;
      }
      const selected = templates.filter(t => t.owner.kind !== 'Job' && matches(selector, t.labels));
      if (selected.length === 0) problems.push(`${ref(o)}: selects no pod template`);
      for (const p of (spec?.['ports'] as { port: number; targetPort?: number | string; name?: string }[]) ?? []) {
        const target = p.targetPort ?? p.port;
        for (const t of selected)
          if (!t.spec.containers.some(c => hasPort(c, target)))
            problems.push(`${ref(o)} port ${p.name ?? p.port}: targetPort ${target} is not a port of ${ref(t.owner)}`);
      }
    }
    if (o.kind === 'PodDisruptionBudget') {
      const sel = (spec?.['selector'] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
      if (!templates.some(t => matches(sel, t.labels))) problems.push(`${ref(o)}: selects no pod template`);
    }
    if (o.kind === 'HorizontalPodAutoscaler') {
      const target = spec?.['scaleTargetRef'] as { kind: string; name: string };
      if (!byRef.has(`${target.kind}/${target.name}`))
        problems.push(`${ref(o)}: scales ${target.kind}/${target.name}, which is not rendered`);
    }
  }
  return problems;
}

/**
 * The environment a container starts with, as far as the manifests say: literal values,
 * ConfigMaps' data through envFrom and configMapKeyRef, and for what only the cluster knows
 * (Secrets it does not render, the downward API) the stand-ins `placeholders` gives, keyed by
 * variable name. Variables the manifests set but cannot be resolved are left out.
 */
export function containerEnv(
  objects: readonly K8sObject[],
  t: PodTemplate,
  c: Container,
  placeholders: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const byRef = new Map(objects.map(o => [ref(o), o]));
  const data = (kind: string, name: string) =>
    (byRef.get(`${kind}/${name}`)?.['data'] as Record<string, string> | undefined) ?? undefined;
  const env: Record<string, string> = {};
  for (const e of c.envFrom ?? []) {
    if (e.configMapRef) Object.assign(env, data('ConfigMap', e.configMapRef.name) ?? {});
    if (e.secretRef) {
      for (const [k, v] of Object.entries(data('Secret', e.secretRef.name) ?? {}))
        env[k] = Buffer.from(v, 'base64').toString('utf8');
    }
  }
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    let value: string | undefined = e.value;
    if (from?.configMapKeyRef) value = data('ConfigMap', from.configMapKeyRef.name)?.[from.configMapKeyRef.key];
    else if (from?.secretKeyRef) {
      const v = data('Secret', from.secretKeyRef.name)?.[from.secretKeyRef.key];
      value = v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
    } else if (from?.resourceFieldRef) {
      const target = containersOf(t).find(x => x.name === (from.resourceFieldRef!.containerName ?? c.name));
      const [bound, resource] = from.resourceFieldRef.resource.split('.') as ['limits' | 'requests', string];
      const q = target?.resources?.[bound]?.[resource];
      if (q !== undefined) value = String(Math.ceil(quantity(q) / quantity(from.resourceFieldRef.divisor ?? '1')));
    }
    value ??= placeholders[e.name];
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

const SUFFIX: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes resource quantity ("500m", "2", "64Gi") as a number. */
export function quantity(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q);
  const factor = m?.[2] === '' ? 1 : SUFFIX[m?.[2] ?? ''];
  if (!m || factor === undefined) throw new Error(`not a quantity: ${q}`);
  return Number(m[1]) * factor;
}

/**
 * Where a file path inside a container comes from: the Secret and key mounted there (a secret
 * volume's item, or its key when it projects all of them), whether the mount is read-only;
 * undefined when no secret volume provides it.
 */
export function secretFileAt(
  t: PodTemplate,
  c: Container,
  path: string,
): { secret: string; key: string; readOnly: boolean } | undefined {
  for (const m of c.volumeMounts ?? []) {
    if (m.subPath || !path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)) continue;
    const rel = path.slice(m.mountPath.replace(/\/$/, '').length + 1);
    const v = (t.spec.volumes ?? []).find(x => x.name === m.name)?.secret;
    if (!v) continue;
    const key = v.items ? v.items.find(i => i.path === rel)?.key : rel;
    if (key !== undefined) return { secret: v.secretName, key, readOnly: m.readOnly === true };
  }
  return undefined;
}
