import { promises as fsp } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { createClient, unaryCall } from '@hera/grpc';
import {
  loadProtos,
  type ImportModelResponse__Output,
  type ModelRegistryServiceClient,
  type VersionPolicy as VersionPolicyMessage,
} from '@hera/proto';
import { Presets, SingleBar } from 'cli-progress';
import {
  allowedVersions,
  describePolicy,
  MAX_SERVED_VERSIONS,
  isImported,
  isZooModel,
  modelCost,
  toModelRecord,
  unservablePolicy,
  ZOO_MODELS,
  ZOO_SPECS,
  DENSE_DATATYPES,
  type DenseDatatype,
  type DenseEncoding,
  type ModelConfig,
  type TensorSpec,
  type VersionPolicy,
} from '@hera/model-schema';
import {
  buildRepository,
  importModel,
  IMPORT_DEFAULTS,
  listRepository,
  listVersions,
  nextVersion,
  resolveModelRepo,
  setCurrentVersion,
  SIGNATURE_FILE,
  type RepoEntry,
} from '@hera/models';
import { buildOnnxRepository } from '@hera/engine-onnx';
import { connectRedis, Keyspace, ModelStore } from '@hera/state';
import { DEFAULT_DATA_DIR, readClusterFile, resolveTarget } from '../cluster-file';
import { serviceAddress } from '../gateway-target';
import { watchJob } from './profile';
import { formatBytes, table } from '../table';
import { registerRollout } from './rollout';

export interface BuildModelsOptions {
  scale: number;
  only?: string[];
  repo?: string;
  seed: number;
  json: boolean;
  /** `onnx`: also write the ONNX graphs (@hera/engine-onnx) beside each built version. */
  format?: 'tfjs' | 'onnx';
  /** The dense input's datatype on the wire (default FP32). */
  denseDtype?: DenseDatatype;
  /** INT8's scale and zero point, one for every feature (per tensor). */
  denseScale?: number;
  denseZeroPoint?: number;
}

/** INT8 by default: the zoo's dense features are uniform in [-1, 1), so steps of 2^-7 span them. */
const DEFAULT_INT8_SCALE = 2 ** -7;

function parseDenseDtype(v: string): DenseDatatype {
  const d = v.toUpperCase();
  if (!(DENSE_DATATYPES as readonly string[]).includes(d))
    throw new InvalidArgumentError(`must be one of ${DENSE_DATATYPES.join(', ')}`);
  return d as DenseDatatype;
}

function parseNumber(v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError('must be a number');
  return x;
}

/** The build's dense encoding from its flags (undefined: FP32, as before the flag existed). */
export function denseEncodingOf(o: BuildModelsOptions): DenseEncoding | undefined {
  const dt = o.denseDtype ?? 'FP32';
  if (dt !== 'INT8' && (o.denseScale !== undefined || o.denseZeroPoint !== undefined))
    throw new InvalidArgumentError('--dense-scale and --dense-zero-point go with --dense-dtype INT8');
  if (dt === 'FP32') return undefined;
  if (dt === 'FP16') return { denseDatatype: 'FP16' };
  return {
    denseDatatype: 'INT8',
    denseQuant: { scale: [o.denseScale ?? DEFAULT_INT8_SCALE], zeroPoint: [o.denseZeroPoint ?? 0] },
  };
}

function parseScale(v: string): number {
  const x = Number(v);
  if (!(x > 0 && x <= 1)) throw new InvalidArgumentError('must be a number in (0, 1], e.g. 0.01');
  return x;
}

function parseSeed(v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff)
    throw new InvalidArgumentError('must be an integer in [0, 4294967295]');
  return x;
}

function parseFormat(v: string): 'tfjs' | 'onnx' {
  if (v !== 'tfjs' && v !== 'onnx') throw new InvalidArgumentError('must be tfjs or onnx');
  return v;
}

function parseOnly(v: string): string[] {
  const names = v
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const unknown = names.filter(n => !isZooModel(n));
  if (unknown.length || names.length === 0)
    throw new InvalidArgumentError(
      `unknown model(s) ${unknown.join(', ') || '(none given)'}; the zoo has ${ZOO_MODELS.join(', ')}`,
    );
  return names;
}

/** `hera models build`: writes the zoo into the repository with a progress bar on stderr. */
export async function buildModels(
  o: BuildModelsOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<ModelConfig[]> {
  const repo = resolveModelRepo(o.repo);
  const dense = denseEncodingOf(o);
  const names = o.only ?? [...ZOO_MODELS];
  const sizes = new Map(names.map(n => [n, isZooModel(n) ? modelCost(ZOO_SPECS[n], o.scale) : undefined]));
  const total = [...sizes.values()].reduce((s, c) => s + (c ? c.tableBytes + c.weightBytes : 0), 0);
  const interactive = Boolean((process.stderr as NodeJS.WriteStream).isTTY) && !o.json;
  if (!o.json)
    out.write(
      `building ${names.join(', ')} at scale ${o.scale} (seed ${o.seed}) into ${repo}: ${formatBytes(total)}\n`,
    );
  const bar = new SingleBar(
    {
      format: ' {bar} {percentage}% | {done} of {size} | {model} | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  if (interactive) bar.start(total, 0, { model: names[0], done: formatBytes(0), size: formatBytes(total) });
  const finished = new Map<string, number>();
  let configs: ModelConfig[];
  try {
    configs = await buildRepository({
      repo,
      scale: o.scale,
      seed: o.seed,
      only: o.only,
      ...(dense ? { dense } : {}),
      onProgress: e => {
        finished.set(e.model, e.done);
        const done = [...finished.values()].reduce((s, x) => s + x, 0);
        if (interactive) bar.update(done, { model: e.model, done: formatBytes(done), size: formatBytes(total) });
      },
    });
  } finally {
    if (interactive) bar.stop();
  }
  // The graphs read the version just written (same weight bytes); building them needs no ONNX
  // Runtime, so this works where its binary cannot load.
  // The config then names onnx as the engine: hosts serve it on ONNX Runtime where it loads.
  if (o.format === 'onnx') {
    const built = await buildOnnxRepository(repo, configs);
    configs = built.map(b => b.config);
    if (!o.json)
      for (const { config: c, built: b } of built)
        out.write(
          `${c.name}: ${b.files.map(f => `${f.path} (${formatBytes(f.bytes)})`).join(', ')}, opset ${b.opset}\n`,
        );
  }
  if (o.json) {
    out.write(`${JSON.stringify(configs, null, 2)}\n`);
  } else {
    out.write(
      `${table(
        ['model', 'version', 'scale', 'size', 'tables', 'dense', 'ids/item', 'SLA', 'sub-batch'],
        configs.map(c => [
          c.name,
          c.version,
          c.scale,
          formatBytes(c.sizeBytes),
          c.tables.length,
          denseText(c),
          c.idsPerItem,
          `${c.slaMs} ms`,
          c.subBatchSize,
        ]),
      )}\n`,
    );
  }
  return configs;
}

export interface ImportModelsOptions {
  name: string;
  version?: string;
  signature?: string;
  repo?: string;
  register: boolean;
  redisUrl?: string;
  prefix?: string;
  dataDir: string;
  json: boolean;
  /** Placement (its ModelRegistryService) to upload to. */
  placement?: string;
  versionPolicy?: VersionPolicy;
  /** Seconds the upload and its checks may take. */
  timeout?: number;
  /** Follow the queued quick profile to its end (profiler's WatchJob). */
  wait?: boolean;
  profiler?: string;
}

/**
 * `--version-policy`: `latest` (= latest:1), `latest:N`, `all`, `specific:V[,V…]` (Triton's
 * version_policy). A policy the cluster cannot serve (latest < 1, an empty list, more than
 * MAX_SERVED_VERSIONS) is refused here as the registry refuses it.
 */
export function parseVersionPolicy(v: string): VersionPolicy {
  const [kind, arg] = v.split(':', 2) as [string, string | undefined];
  let p: VersionPolicy;
  if (kind === 'all' && arg === undefined) p = { all: true };
  else if (kind === 'latest') p = { latest: arg === undefined ? 1 : Number(arg) };
  else if (kind === 'specific' && arg) p = { specific: arg.split(',').map(x => x.trim()) };
  else throw new InvalidArgumentError('expected latest, latest:N, all or specific:V[,V...]');
  const why = unservablePolicy(p);
  if (why) throw new InvalidArgumentError(why);
  return p;
}

export function policyMessage(p: VersionPolicy): VersionPolicyMessage {
  if ('all' in p) return { all: {} };
  if ('latest' in p) return { latest: { numVersions: p.latest } };
  return { specific: { versions: p.specific } };
}

/**
 * Whether `hera models import` uploads to a cluster's registry (ImportModel on placement) or
 * writes a repository on disk: a cluster when --placement names one, or, with neither --repo nor
 * --redis-url given, when $HERA_PLACEMENT is set or a running `hera up` lists its placement.
 */
export function importPlacement(o: Pick<ImportModelsOptions, 'placement' | 'repo' | 'redisUrl' | 'dataDir'>) {
  if (o.placement) return o.placement;
  if (o.repo || o.redisUrl) return undefined;
  if (process.env['HERA_PLACEMENT'] || readClusterFile(o.dataDir)?.services['placement'])
    return serviceAddress('placement', undefined, o.dataDir);
  return undefined;
}

/** Upload chunk: well under the gRPC message cap, large enough that a shard is a few messages. */
const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/** Regular files under dir, relative, skipping the signature (the header carries it). */
async function uploadFiles(dir: string, signature: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fsp.readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && resolve(p) !== signature) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/** ImportModel: the header, then every file of `source` in chunks, honouring the stream's back-pressure. */
export async function uploadModel(
  client: ModelRegistryServiceClient,
  source: string,
  o: { name: string; version?: string; signature?: string; versionPolicy?: VersionPolicy; timeoutMs: number },
): Promise<ImportModelResponse__Output> {
  const dir = resolve(source);
  const st = await fsp.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`${dir} is not a directory`);
  const sigPath = resolve(o.signature ?? join(dir, SIGNATURE_FILE));
  const signature = await fsp.readFile(sigPath).catch(() => {
    throw new Error(`${sigPath}: not found (the signature file; --signature names another)`);
  });
  const files = await uploadFiles(dir, sigPath);
  return new Promise((resolvePromise, reject) => {
    const call = client.importModel({ deadline: Date.now() + o.timeoutMs }, (err, res) =>
      err ? reject(err) : resolvePromise(res!),
    );
    const write = (msg: Parameters<typeof call.write>[0]) =>
      call.write(msg) ? Promise.resolve() : new Promise<void>(r => call.once('drain', () => r()));
    void (async () => {
      await write({
        header: {
          name: o.name,
          version: o.version ?? '',
          signature,
          ...(o.versionPolicy ? { versionPolicy: policyMessage(o.versionPolicy) } : {}),
        },
      });
      for (const path of files) {
        const data = await fsp.readFile(join(dir, path));
        for (let off = 0; off === 0 || off < data.length; off += UPLOAD_CHUNK_BYTES)
          await write({ chunk: { path, data: data.subarray(off, off + UPLOAD_CHUNK_BYTES) } });
      }
      call.end();
    })().catch(err => {
      call.cancel();
      reject(err as Error);
    });
  });
}

function registryClient(address: string, timeoutMs: number): ModelRegistryServiceClient {
  return createClient(loadProtos().proto.hera.placement.v1.ModelRegistryService, address, {
    defaultDeadlineMs: timeoutMs,
  });
}

/**
 * `hera models import`: checks and copies a TF.js model into the repository (libs/models
 * import.ts). With a cluster (importPlacement) it uploads to placement's registry, which runs
 * the same checks, writes its repository, registers the model and queues a quick profile;
 * without one it writes the repository on disk and registers the model in the cluster's Redis
 * as `hera up` registers the zoo (ModelStore.put(toModelRecord(config))).
 */
export async function importModels(
  source: string,
  o: ImportModelsOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<ModelConfig | ImportModelResponse__Output> {
  const placement = o.register ? importPlacement(o) : undefined;
  if (placement) {
    const timeoutMs = (o.timeout ?? 600) * 1000;
    const client = registryClient(placement, timeoutMs);
    let res: ImportModelResponse__Output;
    try {
      res = await uploadModel(client, source, {
        name: o.name,
        ...(o.version ? { version: o.version } : {}),
        ...(o.signature ? { signature: o.signature } : {}),
        ...(o.versionPolicy ? { versionPolicy: o.versionPolicy } : {}),
        timeoutMs,
      });
    } finally {
      client.close();
    }
    if (o.wait && res.profileJobId) {
      const profiler = createClient(
        loadProtos().proto.hera.profiler.v1.ProfilerService,
        serviceAddress('profiler', o.profiler, o.dataDir),
      );
      try {
        await watchJob(profiler, res.profileJobId, res.name);
      } finally {
        profiler.close();
      }
    }
    if (o.json) out.write(`${JSON.stringify(res, null, 2)}\n`);
    else
      out.write(
        `imported ${res.name} version ${res.version} (${formatBytes(Number(res.sizeBytes))}) through placement at ${placement}; ` +
          `serving version ${res.servedVersion}\n` +
          (res.profileJobId
            ? `quick profile on ${res.profileNodeId}: job ${res.profileJobId} ${o.wait ? 'completed' : 'queued (--wait follows it)'}\n`
            : `${res.profileNote}\n`) +
          `next: npx hera plan demand ${res.name}=<qps> and npx hera plan apply\n`,
      );
    return res;
  }
  const repo = resolveModelRepo(o.repo);
  // The cluster is found before anything is written: an import that cannot register fails whole.
  const target = o.register ? resolveTarget({ redisUrl: o.redisUrl, dataDir: o.dataDir, prefix: o.prefix }) : undefined;
  // Which version the policy serves, known before anything is written (as the registry does).
  const version = o.version ?? (await nextVersion(repo, o.name));
  const set = allowedVersions(o.versionPolicy, [...(await listVersions(repo, o.name)), version]);
  const served = set.at(-1);
  if (served === undefined) throw new Error(`--version-policy allows none of ${o.name}'s versions`);
  // Several versions at once need the registry's checks (shared inputs, sizes summed).
  if (set.length > 1)
    throw new Error(
      `--version-policy ${describePolicy(o.versionPolicy)} would serve versions ${set.join(', ')}: import through the model registry (--register with placement) to serve several`,
    );
  let config = await importModel({
    repo,
    source,
    name: o.name,
    version,
    current: served === version,
    ...(o.signature ? { signature: o.signature } : {}),
  });
  if (served !== version) config = await setCurrentVersion(repo, o.name, served);
  let registered = 'not registered (--no-register)';
  if (target) {
    const redis = await connectRedis(target.redisUrl, { name: 'hera-cli', offlineQueue: true });
    try {
      const record = toModelRecord(config);
      if (o.versionPolicy) record.versionPolicy = o.versionPolicy;
      await new ModelStore(redis, new Keyspace(target.prefix)).put(record);
    } finally {
      redis.disconnect();
    }
    registered = `registered in ${target.redisUrl} (prefix ${target.prefix})`;
  }
  if (o.json) {
    out.write(`${JSON.stringify(config, null, 2)}\n`);
    return config;
  }
  const arch = isImported(config) ? config.arch : undefined;
  const head = `imported ${config.name} version ${version} (TF.js ${arch?.kind}) into ${repo}${served !== version ? `; the version policy keeps serving ${served}` : ''}; ${registered}\n`;
  const tail = `next: npx hera profile ${config.name} --quick, then npx hera plan demand ${config.name}=<qps> and npx hera plan apply\n`;
  if (arch?.layout === 'tensors') {
    // Named tensors (no ranking layout): served by ModelInfer only.
    const row = (dir: string, t: TensorSpec) => [
      t.name,
      dir,
      t.datatype,
      `[${t.shape.join(', ')}]`,
      t.range ? `[${t.range.join(', ')})` : '-',
    ];
    out.write(
      head +
        `${table(['tensor', 'is', 'datatype', 'shape', 'range'], [...arch.inputs.map(t => row('input', t)), ...arch.outputs.map(t => row('output', t))])}\n` +
        `named tensors: ModelInfer only (no ranking layout); SLA ${config.slaMs} ms, ${formatBytes(config.sizeBytes)}\n` +
        tail,
    );
    return config;
  }
  out.write(
    head +
      `${table(
        ['input', 'takes', 'shape', 'vocabulary'],
        [
          ...(arch?.dense
            ? [
                [
                  arch.dense,
                  config.denseDatatype && config.denseDatatype !== 'FP32'
                    ? `dense (${config.denseDatatype} on the wire)`
                    : 'dense',
                  `[-1, ${config.denseDim}]`,
                  '-',
                ],
              ]
            : []),
          ...config.tables.map(t => [t.name, 'ids', `[-1, ${t.lookups}]`, t.rows]),
        ],
      )}\n` +
      `score: output ${arch?.score}; SLA ${config.slaMs} ms, sub-batch ${config.subBatchSize}, ${formatBytes(config.sizeBytes)}\n` +
      tail,
  );
  return config;
}

interface LifecycleOptions {
  placement?: string;
  dataDir: string;
  json: boolean;
  timeout: number;
  versionPolicy?: VersionPolicy;
}

/** `hera models load`: LoadModel on placement's registry; exit code 1 when not served. */
export async function loadModels(model: string, o: LifecycleOptions, out: NodeJS.WritableStream = process.stdout) {
  const timeoutMs = o.timeout * 1000;
  const client = registryClient(serviceAddress('placement', o.placement, o.dataDir), timeoutMs);
  try {
    const res = await unaryCall(
      client,
      'LoadModel',
      { name: model, ...(o.versionPolicy ? { versionPolicy: policyMessage(o.versionPolicy) } : {}) },
      { deadlineMs: timeoutMs },
    );
    out.write(
      o.json
        ? `${JSON.stringify(res, null, 2)}\n`
        : `${res.name} version ${res.version}: ${res.served ? `served (plan v${res.planVersion})` : `not served yet: ${res.reason}`}\n` +
            (res.profileJobId ? `quick profile job ${res.profileJobId} queued\n` : ''),
    );
    if (!res.served) process.exitCode = 1;
    return res;
  } finally {
    client.close();
  }
}

/** `hera models unload`: UnloadModel on placement's registry. */
export async function unloadModels(model: string, o: LifecycleOptions, out: NodeJS.WritableStream = process.stdout) {
  const timeoutMs = o.timeout * 1000;
  const client = registryClient(serviceAddress('placement', o.placement, o.dataDir), timeoutMs);
  try {
    const res = await unaryCall(client, 'UnloadModel', { name: model }, { deadlineMs: timeoutMs });
    out.write(
      o.json
        ? `${JSON.stringify(res, null, 2)}\n`
        : `${res.name}: ${res.changed ? 'unloaded' : 'already unloaded'}; ${res.stopped ? 'no tenant of it runs' : 'its tenants are still stopping'} (plan v${res.planVersion}); it stays in the repository (hera models load ${res.name} brings it back)\n`,
    );
    return res;
  } finally {
    client.close();
  }
}

function parseSeconds(v: string): number {
  const x = Number(v);
  if (!(x > 0 && x <= 86_400)) throw new InvalidArgumentError('must be a number of seconds in (0, 86400]');
  return x;
}

const POLICY_HELP =
  "Triton's version policy: latest (= latest:1), latest:N, all, specific:V[,W…]; every version it selects is served at once " +
  `(at most ${MAX_SERVED_VERSIONS}; a query names one, or gets the newest), and a change of the set rolls the tenants make-before-break`;

/** "13" for FP32 dense features (the default), "13 FP16", "13 INT8 (scale 0.0078125, zero point 0)". */
function denseText(c: ModelConfig): string {
  const dt = c.denseDatatype ?? 'FP32';
  if (dt === 'FP32') return String(c.denseDim);
  const q = c.denseQuant;
  const list = (v: number[]) => (v.length === 1 ? String(v[0]) : `per feature`);
  return q ? `${c.denseDim} ${dt} (scale ${list(q.scale)}, zero point ${list(q.zeroPoint)})` : `${c.denseDim} ${dt}`;
}

export function renderModelList(repo: string, entries: readonly RepoEntry[]): string {
  if (entries.length === 0) return `no models in ${repo} (build some with \`hera models build\`)\n`;
  return `${table(
    ['model', 'version', 'scale', 'size', 'SLA', 'sub-batch', 'class'],
    entries.map(e => [
      e.name,
      e.versions.length > 1 ? `${e.version} (of ${e.versions.join(', ')})` : e.version,
      e.scale,
      formatBytes(e.sizeBytes),
      `${e.slaMs} ms`,
      e.subBatchSize,
      e.kindSource === 'profile' ? e.kind : `${e.kind} (expected)`,
    ]),
  )}\n`;
}

export function register(program: Command): void {
  const models = program
    .command('models')
    .description(
      'build, import and list the model repository: the eight DeepRecSys models (DESIGN §5) as TF.js artifacts, and your own TF.js models; load and unload models in the cluster (its model registry on placement)',
    );

  models
    .command('build')
    .description(
      'build zoo models with deterministic random weights into a Triton-like repository ' +
        '(<repo>/<model>/config.json, <repo>/<model>/1/model.json + weight and table shards); ' +
        'rebuilding replaces version 1',
    )
    .option(
      '--scale <s>',
      "factor on every embedding table's rows, in (0, 1]; 1 is full size (the zoo is ~25 GB)",
      parseScale,
      0.01,
    )
    .option('--only <models>', `comma-separated models to build (default: all of ${ZOO_MODELS.join(',')})`, parseOnly)
    .option('--repo <dir>', 'model repository directory (default: $HERA_MODEL_REPO, else .hera/models)')
    .option('--seed <n>', 'seed of the random weights; the same seed gives byte-identical files', parseSeed, 1)
    .option('--json', 'print the built configs as JSON instead of a table', false)
    .option(
      '--format <format>',
      'tfjs (default), or onnx: also write model.onnx and model-dense.onnx beside model.json (@hera/engine-onnx)',
      parseFormat,
      'tfjs',
    )
    .option(
      '--dense-dtype <type>',
      'datatype clients send dense features in: FP32 (default), FP16, or INT8 (value = scale × (q − zero point)); ' +
        'hosts widen it to FP32, so requests carry 2 or 1 bytes a feature instead of 4',
      parseDenseDtype,
    )
    .option('--dense-scale <s>', `INT8's scale, one for every feature (default ${DEFAULT_INT8_SCALE})`, parseNumber)
    .option('--dense-zero-point <z>', "INT8's zero point, an integer in [-128, 127] (default 0)", parseNumber)
    .action(async (o: BuildModelsOptions) => {
      await buildModels(o);
    });

  models
    .command('import')
    .description(
      'import your own TF.js model (converter output: model.json of a graph-model or layers-model, and its weight ' +
        `shards) as a new version, with a signature file (${SIGNATURE_FILE}) mapping its inputs and output to the ` +
        'ranking layout (and optionally denseDatatype: FP16 or INT8 dense features on the wire), or, for any other ' +
        'model, declaring its tensors by name (served by ModelInfer only; Rank refuses it). ' +
        "With a running cluster it is uploaded to placement's model registry, which checks the " +
        'artifacts and the signature, writes the version into its repository, registers the model and queues a quick ' +
        'profile of it; without one (or with --repo / --redis-url) the same checks run here and the repository on disk ' +
        'is written. A refusal changes nothing. See "Bring your own model" in the README.',
    )
    .argument('<dir>', 'directory holding model.json and its weight shards')
    .requiredOption('--name <model>', 'model name in the repository and the cluster')
    .option('--version <n>', 'version to create (default: one past the highest present, else 1)')
    .option(
      '--signature <file>',
      `signature JSON (default: <dir>/${SIGNATURE_FILE}), one of two forms. Ranking: {"dense": input, ` +
        `"sparse": [{"input": input, "vocab": n}], "score": output, "slaMs": ${IMPORT_DEFAULTS.slaMs}, ` +
        `"subBatchSize": ${IMPORT_DEFAULTS.subBatchSize}}. Tensors (any model): {"inputs": [{"name": input, ` +
        `"datatype": "FP32"|"INT32", "shape": [-1, d…], "range": [lo, hi] (INT32 only, required: values lo ≤ v < hi)}, …], ` +
        `"outputs": [{"name": output, "datatype": …, "shape": [-1, d…]}, …], "slaMs": …}; -1 is the batch (rows)`,
    )
    .option(
      '--placement <host:port>',
      "upload to this cluster's model registry (placement); default: $HERA_PLACEMENT, else the running `hera up`, " +
        'unless --repo or --redis-url asks for a repository on disk',
    )
    .option('--version-policy <policy>', POLICY_HELP, parseVersionPolicy)
    .option('--timeout <seconds>', 'how long the upload and its checks may take', parseSeconds, 600)
    .option('--wait', 'with a cluster: follow the quick profile the registry queued until it completes', false)
    .option(
      '--profiler <host:port>',
      'profiler address for --wait (default: $HERA_PROFILER, else the running `hera up`)',
    )
    .option(
      '--repo <dir>',
      'write this repository on disk instead of uploading (default without a cluster: $HERA_MODEL_REPO, else .hera/models)',
    )
    .option('--no-register', 'only write the repository on disk; do not register the model in Redis')
    .option('--redis-url <url>', 'write the repository on disk and register in this Redis (default: $REDIS_URL)')
    .option('--prefix <prefix>', 'Redis key prefix (default: $HERA_REDIS_PREFIX, else that of `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--json', 'print the imported config (or the registry answer) as JSON', false)
    .action(async (dir: string, o: ImportModelsOptions) => {
      await importModels(dir, o);
    });

  const lifecycle = (c: Command) =>
    c
      .argument('<model>', 'model name')
      .option('--placement <host:port>', 'placement address (default: $HERA_PLACEMENT, else the running `hera up`)')
      .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
      .option('--timeout <seconds>', 'how long to wait for its tenants', parseSeconds, 120)
      .option('--json', 'print the answer as JSON', false);

  lifecycle(
    models
      .command('load')
      .description(
        "put a model of the repository into service (Triton's load): checks every version its policy selects " +
          '(all are served at once, up to 4), registers them (queuing a quick profile of a new newest version) and, ' +
          'when it has demand and a plan is applied, plans it and waits until a tenant serves every selected version; ' +
          'a changed set of versions rolls the tenants make-before-break. Says why not served otherwise (exit 1). Idempotent.',
      ),
  )
    .option('--version-policy <policy>', `${POLICY_HELP}; stored with the model`, parseVersionPolicy)
    .action(async (model: string, o: LifecycleOptions) => {
      await loadModels(model, o);
    });

  lifecycle(
    models
      .command('unload')
      .description(
        "take a model out of service (Triton's unload): its tenants stop (placement re-plans without it, keeping " +
          'its demand), the gateway answers its queries UNAVAILABLE "unloaded", the repository keeps it; ' +
          '`hera models load` brings it back. Idempotent.',
      ),
  ).action(async (model: string, o: LifecycleOptions) => {
    await unloadModels(model, o);
  });

  models
    .command('list')
    .description('list the models in the repository: name, version, scale, size, SLA, sub-batch and class')
    .option('--repo <dir>', 'model repository directory (default: $HERA_MODEL_REPO, else .hera/models)')
    .option('--json', 'print JSON instead of a table', false)
    .action(async (o: { repo?: string; json: boolean }) => {
      const repo = resolveModelRepo(o.repo);
      const entries = await listRepository(repo);
      process.stdout.write(o.json ? `${JSON.stringify(entries, null, 2)}\n` : renderModelList(repo, entries));
    });

  registerRollout(models);
}
