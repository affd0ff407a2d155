import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { HeraError } from '@hera/errors';
import { MODEL_CONFIG_FORMAT, type ModelConfig, type ModelEngine } from '@hera/model-schema';

/**
 * The on-disk model repository, laid out like Triton's:
 *
 *   <repo>/<model>/config.json                 the current version's ModelConfig
 *   <repo>/<model>/<version>/model.json        TF.js model artifacts (topology + weightsManifest)
 *   <repo>/<model>/<version>/group1-shardXofN.bin          dense weights, TF.js weight shards
 *   <repo>/<model>/<version>/emb-<table>-shardXofN.bin     embedding tables, raw little-endian fp32
 *   <repo>/<model>/<version>/model.onnx, model-dense.onnx  ONNX graphs (--format onnx; same weights)
 *
 * Table shards are row-major [rows, dim] and hold whole rows; a table's shards concatenated are
 * the table.
 *
 * An imported model's version (`hera models import`, import.ts) holds the user's TF.js artifacts
 * instead: model.json (format graph-model or layers-model) and its weight shards as converted,
 * the signature (hera-signature.json), and that version's own config.json (a zoo version keeps
 * its config in model.json's modelTopology).
 */

export const DEFAULT_MODEL_REPO = '.hera/models';
export const MODEL_JSON_FORMAT = 'hera-recsys';
/** An imported version's own config (see above). */
export const VERSION_CONFIG_FILE = 'config.json';
/** TF.js converter formats `hera models import` takes. */
export const IMPORTED_FORMATS = ['graph-model', 'layers-model'] as const;

/** The repository directory: an explicit one, else $HERA_MODEL_REPO, else .hera/models; absolute. */
export function resolveModelRepo(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(dir ?? (env.HERA_MODEL_REPO || DEFAULT_MODEL_REPO));
}

/** One embedding table's shards, as listed in model.json. */
export interface TableManifest {
  name: string;
  rows: number;
  dim: number;
  dtype: 'float32';
  byteLength: number;
  paths: string[];
}

/** model.json of a version directory: TF.js ModelJSON fields plus the embedding tables. */
export interface ModelJson {
  format: typeof MODEL_JSON_FORMAT;
  generatedBy: string;
  convertedBy: null;
  /** The model's own description (ModelConfig without sizeBytes); the forward pass reads `arch`. */
  modelTopology: Omit<ModelConfig, 'sizeBytes'>;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
  embeddingTables: TableManifest[];
}

/** A model in the repository, for `hera models list`. */
export interface RepoEntry {
  name: string;
  /** The current version (the one config.json describes). */
  version: string;
  /** Every version directory present. */
  versions: string[];
  scale: number;
  sizeBytes: number;
  slaMs: number;
  subBatchSize: number;
  /** Measured class when recorded in config.json, else the zoo's expectation. */
  kind: 'memory-bound' | 'compute-bound';
  kindSource: 'profile' | 'expected';
}

function validName(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s);
}

export function modelDir(repo: string, name: string): string {
  if (!validName(name))
    throw new HeraError('INVALID_ARGUMENT', `model name ${JSON.stringify(name)} is not a valid name`);
  return join(repo, name);
}

export function versionDir(repo: string, name: string, version: string): string {
  if (!validName(version))
    throw new HeraError('INVALID_ARGUMENT', `model version ${JSON.stringify(version)} is not a valid version`);
  return join(modelDir(repo, name), version);
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new HeraError('NOT_FOUND', `${what} not found (${path})`);
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new HeraError('INTERNAL', `${what} is not valid JSON (${path})`, { cause: err });
  }
}

/** Reads a version's model.json. */
export async function readModelJson(repo: string, name: string, version: string): Promise<ModelJson> {
  const json = await readJson<ModelJson>(
    join(versionDir(repo, name, version), 'model.json'),
    `model ${name} version ${version}`,
  );
  if ((IMPORTED_FORMATS as readonly unknown[]).includes(json.format)) {
    throw new HeraError(
      'PRECONDITION',
      `model ${name} version ${version} is an imported TF.js ${String(json.format)}: it has no zoo model.json`,
    );
  }
  if (json.format !== MODEL_JSON_FORMAT) {
    throw new HeraError(
      'INTERNAL',
      `model ${name} version ${version}: model.json format ${String(json.format)} is not ${MODEL_JSON_FORMAT}`,
    );
  }
  return json;
}

/** Bytes of every file directly in a directory. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    if (e.isFile()) total += (await fsp.stat(join(dir, e.name))).size;
  }
  return total;
}

/**
 * A model's config: the current version's config.json, or for another version the description
 * stored in that version's model.json. NOT_FOUND for an unknown model or version.
 */
export async function readModelConfig(repo: string, name: string, version?: string): Promise<ModelConfig> {
  const config = await readJson<ModelConfig>(join(modelDir(repo, name), 'config.json'), `model ${name}`);
  if (config.format !== MODEL_CONFIG_FORMAT) {
    throw new HeraError(
      'INTERNAL',
      `model ${name}: config.json format ${String(config.format)} is not ${MODEL_CONFIG_FORMAT}`,
    );
  }
  if (version === undefined || version === config.version) return config;
  const own = join(versionDir(repo, name, version), VERSION_CONFIG_FILE);
  if (existsSync(own)) return readJson<ModelConfig>(own, `model ${name} version ${version}`);
  const json = await readModelJson(repo, name, version);
  return { ...json.modelTopology, sizeBytes: await directoryBytes(versionDir(repo, name, version)) };
}

/**
 * Names the engine that serves a model's current version, in its config.json (written beside
 * and renamed, as buildRepository does), and recounts the version directory's bytes: the ONNX
 * graphs are written after the config. `version` must be the current one, so a build that raced
 * another cannot relabel a version it did not write.
 */
export async function setModelEngine(
  repo: string,
  name: string,
  version: string,
  engine: ModelEngine,
): Promise<ModelConfig> {
  const config = await readModelConfig(repo, name);
  if (config.version !== version) {
    throw new HeraError('PRECONDITION', `model ${name}: version ${version} is not the current one (${config.version})`);
  }
  const next: ModelConfig = { ...config, engine, sizeBytes: await directoryBytes(versionDir(repo, name, version)) };
  const path = join(modelDir(repo, name), 'config.json');
  const tmp = join(modelDir(repo, name), `.config.json.${process.pid}`);
  await fsp.writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
  await fsp.rename(tmp, path);
  return next;
}

/** Every model in the repository (directories with a config.json), sorted by name. */
export async function listRepository(repo: string): Promise<RepoEntry[]> {
  if (!existsSync(repo)) return [];
  const out: RepoEntry[] = [];
  for (const e of await fsp.readdir(repo, { withFileTypes: true })) {
    if (!e.isDirectory() || !validName(e.name) || !existsSync(join(repo, e.name, 'config.json'))) continue;
    const config = await readModelConfig(repo, e.name);
    const versions = (await fsp.readdir(join(repo, e.name), { withFileTypes: true }))
      .filter(d => d.isDirectory() && validName(d.name) && existsSync(join(repo, e.name, d.name, 'model.json')))
      .map(d => d.name)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    out.push({
      name: config.name,
      version: config.version,
      versions,
      scale: config.scale,
      sizeBytes: config.sizeBytes,
      slaMs: config.slaMs,
      subBatchSize: config.subBatchSize,
      kind: config.kind ?? config.expectedKind,
      kindSource: config.kind ? 'profile' : 'expected',
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The version directories of a model holding a model.json (none for an unknown model). */
export async function listVersions(repo: string, name: string): Promise<string[]> {
  const dir = modelDir(repo, name);
  if (!existsSync(dir)) return [];
  return (await fsp.readdir(dir, { withFileTypes: true }))
    .filter(d => d.isDirectory() && validName(d.name) && existsSync(join(dir, d.name, 'model.json')))
    .map(d => d.name);
}

/**
 * Makes `version` the model's current one: its config becomes <model>/config.json (written
 * beside and renamed), which hosts read for an allocation naming no version. The registry
 * calls it when a version policy selects a version other than the newest.
 */
export async function setCurrentVersion(repo: string, name: string, version: string): Promise<ModelConfig> {
  const config = await readModelConfig(repo, name, version);
  const current = await readModelConfig(repo, name);
  if (current.version === version) return current;
  const dir = modelDir(repo, name);
  const tmp = join(dir, `.config.json.${process.pid}-${randomBytes(4).toString('hex')}`);
  await fsp.writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`);
  await fsp.rename(tmp, join(dir, 'config.json'));
  return config;
}
