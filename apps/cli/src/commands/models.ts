import { InvalidArgumentError, type Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import {
  isImported,
  isZooModel,
  modelCost,
  toModelRecord,
  ZOO_MODELS,
  ZOO_SPECS,
  DENSE_DATATYPES,
  type DenseDatatype,
  type DenseEncoding,
  type ModelConfig,
} from '@hera/model-schema';
import {
  buildRepository,
  importModel,
  IMPORT_DEFAULTS,
  listRepository,
  resolveModelRepo,
  SIGNATURE_FILE,
  type RepoEntry,
} from '@hera/models';
import { buildOnnxRepository } from '@hera/engine-onnx';
import { connectRedis, Keyspace, ModelStore } from '@hera/state';
import { DEFAULT_DATA_DIR, resolveTarget } from '../cluster-file';
import { formatBytes, table } from '../table';

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
}

/**
 * `hera models import`: checks and copies a TF.js model into the repository (libs/models
 * import.ts), then registers it in the cluster's Redis as `hera up` registers the zoo
 * (ModelStore.put(toModelRecord(config))), so `hera plan demand` can place it once profiled.
 */
export async function importModels(
  source: string,
  o: ImportModelsOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<ModelConfig> {
  const repo = resolveModelRepo(o.repo);
  // The cluster is found before anything is written: an import that cannot register fails whole.
  const target = o.register ? resolveTarget({ redisUrl: o.redisUrl, dataDir: o.dataDir, prefix: o.prefix }) : undefined;
  const config = await importModel({
    repo,
    source,
    name: o.name,
    ...(o.version ? { version: o.version } : {}),
    ...(o.signature ? { signature: o.signature } : {}),
  });
  let registered = 'not registered (--no-register)';
  if (target) {
    const redis = await connectRedis(target.redisUrl, { name: 'hera-cli', offlineQueue: true });
    try {
      await new ModelStore(redis, new Keyspace(target.prefix)).put(toModelRecord(config));
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
  out.write(
    `imported ${config.name} version ${config.version} (TF.js ${arch?.kind}) into ${repo}; ${registered}\n` +
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
      `next: npx hera profile ${config.name} --quick, then npx hera plan demand ${config.name}=<qps> and npx hera plan apply\n`,
  );
  return config;
}

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
      'build, import and list the model repository: the eight DeepRecSys models (DESIGN §5) as TF.js artifacts, and your own TF.js models',
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
        'ranking layout (and optionally denseDatatype: FP16 or INT8 dense features on the wire); checks the artifacts and the signature, copies them into the repository and registers ' +
        'the model with the running cluster. A refusal changes nothing. See "Bring your own model" in the README.',
    )
    .argument('<dir>', 'directory holding model.json and its weight shards')
    .requiredOption('--name <model>', 'model name in the repository and the cluster')
    .option('--version <n>', 'version to create (default: one past the highest present, else 1)')
    .option(
      '--signature <file>',
      `signature JSON: {"dense": input, "sparse": [{"input": input, "vocab": n}], "score": output, ` +
        `"slaMs": ${IMPORT_DEFAULTS.slaMs}, "subBatchSize": ${IMPORT_DEFAULTS.subBatchSize}} (default: <dir>/${SIGNATURE_FILE})`,
    )
    .option('--repo <dir>', 'model repository directory (default: $HERA_MODEL_REPO, else .hera/models)')
    .option('--no-register', 'only write the repository; do not register the model in Redis')
    .option('--redis-url <url>', 'Redis to register in (default: $REDIS_URL, else the running `hera up`)')
    .option('--prefix <prefix>', 'Redis key prefix (default: $HERA_REDIS_PREFIX, else that of `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--json', 'print the imported config as JSON', false)
    .action(async (dir: string, o: ImportModelsOptions) => {
      await importModels(dir, o);
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
}
