import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { HeraError } from '@hera/errors';
import {
  idsPerItem,
  isZooModel,
  MAX_ITEMS,
  MODEL_CONFIG_FORMAT,
  randomBatch,
  checkDenseEncoding,
  randomTensors,
  TENSOR_DATATYPES,
  type DenseEncoding,
  type ImportedArch,
  type ImportedRankingArch,
  type ImportedTensorsArch,
  type TensorSpec,
  type ModelConfig,
  type ModelTableConfig,
} from '@hera/model-schema';
import { ImportedModel } from './imported-model';
import { IMPORTED_FORMATS, modelDir, readModelConfig, VERSION_CONFIG_FILE, versionDir } from './repository';

/**
 * `hera models import`: a user's TF.js converter output (graph or layers model) plus a signature
 * that maps it to the ranking layout, checked and copied into the repository as a new version.
 *
 * The signature file (JSON, `hera-signature.json` in the model's directory unless named):
 *
 *   {
 *     "dense": "features",                         input taking the dense features, FP32 [-1, d]
 *     "sparse": [{ "input": "item_id", "vocab": 1000 }],   inputs taking ids, INT32 [-1, k]
 *     "score": "score",                            output with one score per item ([-1] or [-1, 1])
 *     "slaMs": 50,  "subBatchSize": 64,  "title": "..."    optional
 *     "denseDatatype": "FP16"                      optional: what clients send dense features in
 *   }
 *
 * `denseDatatype` is "FP32" (the default), "FP16", or INT8 with its quantisation,
 * `{ "INT8": { "scale": 0.01, "zeroPoint": 0 } }` (value = scale × (q − zeroPoint)); scale and
 * zeroPoint are each one number (per tensor) or a list of one per dense feature. The model itself
 * still takes FP32: the tenant host widens what arrives.
 *
 * `vocab` is the number of ids a slot takes (ids are 0 … vocab-1): one number when the input's
 * k slots share one vocabulary, or k numbers, one per slot. A layers model's input read by an
 * Embedding layer may leave it out: the layer's inputDim is the vocabulary. `dense` or `sparse`
 * may be absent, not both; every model input must be mapped.
 *
 * A model without the ranking layout declares its tensors instead (the tensors form), and is
 * served by Open Inference Protocol tensors by name (ModelInfer) only:
 *
 *   {
 *     "inputs": [
 *       { "name": "user", "datatype": "FP32", "shape": [-1, 4] },
 *       { "name": "history", "datatype": "INT32", "shape": [-1, 5], "range": [0, 1000] }
 *     ],
 *     "outputs": [{ "name": "probs", "datatype": "FP32", "shape": [-1, 3] }],
 *     "slaMs": 50,  "subBatchSize": 64,  "title": "..."    optional
 *   }
 *
 * Every model input is declared once, under the model's own input name; outputs name the
 * model's outputs (a layers model's output layers; a graph model's output nodes or signature
 * keys). The first dimension is the batch (-1, rows), the others fixed and equal to the
 * model's. Datatypes are FP32 or INT32 (what TF.js computes in). Every INT32 input declares
 * `range` [lo, hi): values lo ≤ v < hi, checked at the gateway (an Embedding layer reading it
 * bounds hi by its inputDim). Output shapes and datatypes are checked by running the model.
 */

/** Default p95 SLA and sub-batch of an imported model when its signature names none. */
export const IMPORT_DEFAULTS = { slaMs: 50, subBatchSize: 64 } as const;
export const SIGNATURE_FILE = 'hera-signature.json';

export interface ImportSignature {
  /** The tensors form: set, and dense/sparse/score unused. */
  tensors?: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  dense?: string;
  sparse?: { input: string; vocab?: number | number[] }[];
  score: string;
  slaMs?: number;
  subBatchSize?: number;
  title?: string;
  /** The dense input's wire datatype, as declared (checked against the dense width later). */
  denseEncoding?: DenseEncoding;
}

export interface ImportModelOptions {
  /** Repository directory (absolute or relative to the working directory). */
  repo: string;
  /** The directory holding model.json and its weight shards. */
  source: string;
  name: string;
  /** Version to create (default: one past the highest numeric version present, else 1). */
  version?: string;
  /** The signature file (default: hera-signature.json in `source`). */
  signature?: string;
  /**
   * `source` is `version` already in the repository (the registry's LoadModel re-checks it):
   * the same checks, without refusing the version for existing.
   */
  existing?: boolean;
  /**
   * Move the files out of `source` instead of copying them (the registry's staging directory,
   * on the repository's file system): the version then appears by one rename either way.
   */
  move?: boolean;
  /**
   * Make the new version the current one (<model>/config.json; default true). The registry
   * passes false when the model's version policy keeps serving another version.
   */
  current?: boolean;
}

/** What an import checked: the config it will write and the files it will copy. */
export interface CheckedImport {
  config: ModelConfig;
  /** Paths relative to the source directory: model.json and every shard. */
  files: string[];
  signaturePath: string;
  sourceDir: string;
}

const bad = (file: string, reason: string) => new HeraError('INVALID_ARGUMENT', `${file}: ${reason}`);
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Bytes per element as stored: a quantized weight's storage dtype, else its own. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** Files of a version directory besides the shards: a shard may not take their names. */
const RESERVED = new Set(['model.json', SIGNATURE_FILE, VERSION_CONFIG_FILE]);

/** A last-level cache's size, for the memory-bound guess (see configFor). */
const CACHE_BYTES = 32 * 1024 * 1024;

/** ids are exact in float32 up to here: a float32 id input is refused for larger vocabularies. */
const FLOAT_EXACT = 2 ** 24;

interface IoInfo {
  name: string;
  dtype: 'float32' | 'int32' | string;
  /** null for an unknown dimension (the batch, usually). */
  shape: (number | null)[] | undefined;
}

interface ModelIo {
  kind: ImportedArch['kind'];
  inputs: IoInfo[];
  /** Names an output may be asked by (a graph model: any node, or a signature key). */
  outputs: Set<string>;
  /** Input name → the Embedding layer reading it (layers models). */
  embeddings: Map<string, { inputDim: number; outputDim: number; layer: string }>;
}

/**
 * Checks a TF.js model directory and its signature, without touching the repository: artifacts
 * (TF.js format, manifest paths inside the directory, shards present and the size the manifest
 * needs), then the signature against the model's inputs and outputs, then that TF.js loads it
 * and scores two items. Every refusal is INVALID_ARGUMENT naming the file and field.
 */
export async function checkImport(o: ImportModelOptions): Promise<CheckedImport> {
  const repo = resolve(o.repo);
  modelDir(repo, o.name); // the name must be valid before anything else
  // `hera up` builds a zoo model missing from the repository: a user's model must not stand in.
  if (isZooModel(o.name)) throw bad('--name', `${o.name} is a zoo model's name: import under another name`);
  const sourceDir = resolve(o.source);
  const st = await fsp.stat(sourceDir).catch(() => undefined);
  if (!st?.isDirectory()) throw bad(sourceDir, 'is not a directory');
  const realSource = await fsp.realpath(sourceDir);
  const modelJsonPath = join(sourceDir, 'model.json');
  const json = await readJsonFile(modelJsonPath);
  if (!isObject(json)) throw bad(modelJsonPath, 'is not a JSON object');
  const topology = json['modelTopology'];
  if (!isObject(topology)) throw bad(modelJsonPath, 'modelTopology: missing: this is not a TF.js model.json');
  const manifest = json['weightsManifest'];
  if (!Array.isArray(manifest)) throw bad(modelJsonPath, 'weightsManifest: missing: this is not a TF.js model.json');
  const kind = modelKind(modelJsonPath, json['format'], topology);
  const files = await checkWeights(modelJsonPath, realSource, manifest);

  const signaturePath = resolve(o.signature ?? join(sourceDir, SIGNATURE_FILE));
  const signature = parseSignature(signaturePath, await readJsonFile(signaturePath));
  const io = kind === 'graph-model' ? graphIo(modelJsonPath, json, topology) : layersIo(modelJsonPath, topology);
  if (o.existing && o.version === undefined) throw bad('version', 'required to check a version in the repository');
  const version = o.version ?? (await nextVersion(repo, o.name));
  const final = versionDir(repo, o.name, version);
  if (!o.existing && existsSync(final)) throw bad(final, `version ${version} of ${o.name} already exists`);
  const configPath = join(modelDir(repo, o.name), 'config.json');
  if (existsSync(configPath) && (await readModelConfig(repo, o.name)).family !== 'imported')
    throw bad(configPath, `${o.name} is a zoo model: import under another name`);
  const config = configFor(o.name, version, signaturePath, signature, io, manifestBytes(manifest));

  // The real loaders on the real backend: what a tenant host will do, on two items.
  let model: ImportedModel | undefined;
  try {
    model = await ImportedModel.fromDirectory(sourceDir, config);
    const n = 2;
    if (signature.tensors) await checkOutputs(model, signaturePath, signature.tensors, n);
    else {
      const scores = model.score(randomBatch(config, n, 1));
      if (scores.length !== n) throw new Error(`${scores.length} scores for ${n} items`);
    }
  } catch (err) {
    if (err instanceof HeraError && err.message.startsWith(`${signaturePath}:`)) throw err;
    throw bad(modelJsonPath, `TF.js cannot run it with this signature: ${(err as Error).message}`);
  } finally {
    model?.dispose();
  }
  return { config, files: ['model.json', ...files], signaturePath, sourceDir };
}

/**
 * Imports a model (see the module comment): checks everything first (checkImport), then writes
 * the version into a temporary directory inside the model's directory and renames it into place,
 * then replaces the model's config.json. A refusal leaves the repository as it was. Returns the
 * new version's config (register it with `toModelRecord`).
 */
export async function importModel(o: ImportModelOptions): Promise<ModelConfig> {
  const repo = resolve(o.repo);
  const checked = await checkImport(o);
  const { config } = checked;
  const dir = modelDir(repo, config.name);
  const final = versionDir(repo, config.name, config.version);
  const createdDir = !existsSync(dir);
  // pid and a random part: imports in one process (the registry serves several) never share it.
  const tmp = join(dir, `.${config.version}.importing-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fsp.mkdir(tmp, { recursive: true });
    let bytes = 0;
    for (const f of checked.files) {
      await fsp.mkdir(dirname(join(tmp, f)), { recursive: true });
      if (o.move) await fsp.rename(join(checked.sourceDir, f), join(tmp, f));
      else await fsp.copyFile(join(checked.sourceDir, f), join(tmp, f));
      bytes += (await fsp.stat(join(tmp, f))).size;
    }
    await fsp.copyFile(checked.signaturePath, join(tmp, SIGNATURE_FILE));
    bytes += (await fsp.stat(join(tmp, SIGNATURE_FILE))).size;
    config.sizeBytes = bytes;
    await fsp.writeFile(join(tmp, VERSION_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
    await fsp.rename(tmp, final);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    if (createdDir) await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
  if (o.current === false && !createdDir) return config;
  const configTmp = join(dir, `.config.json.${process.pid}-${randomBytes(4).toString('hex')}`);
  await fsp.writeFile(configTmp, `${JSON.stringify(config, null, 2)}\n`);
  await fsp.rename(configTmp, join(dir, 'config.json'));
  return config;
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw bad(path, code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw bad(path, `is not valid JSON (${(err as Error).message})`);
  }
}

function modelKind(file: string, format: unknown, topology: Record<string, unknown>): ImportedArch['kind'] {
  if (format !== undefined) {
    if (!(IMPORTED_FORMATS as readonly unknown[]).includes(format))
      throw bad(file, `format: ${JSON.stringify(format)} is not one of ${IMPORTED_FORMATS.join(', ')}`);
    return format as ImportedArch['kind'];
  }
  // Older converters write no format: a GraphDef has nodes, a Keras topology a class name.
  if (Array.isArray(topology['node'])) return 'graph-model';
  if ('class_name' in topology || 'model_config' in topology) return 'layers-model';
  throw bad(file, 'format: absent, and modelTopology is neither a TF graph nor a Keras topology');
}

/** Every shard path is relative, inside the directory (symlinks resolved), a file, and the sizes add up. */
async function checkWeights(file: string, realSource: string, manifest: unknown[]): Promise<string[]> {
  const paths: string[] = [];
  for (const [g, group] of manifest.entries()) {
    const at = `weightsManifest[${g}]`;
    if (!isObject(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights']))
      throw bad(file, `${at}: expected { paths: [...], weights: [...] }`);
    let need = 0;
    for (const [w, spec] of group['weights'].entries()) {
      const wat = `${at}.weights[${w}]`;
      if (!isObject(spec) || typeof spec['name'] !== 'string')
        throw bad(file, `${wat}: expected { name, shape, dtype }`);
      const shape = spec['shape'];
      if (!Array.isArray(shape) || !shape.every(d => Number.isInteger(d) && (d as number) >= 0))
        throw bad(file, `${wat} (${spec['name']}): shape must be a list of non-negative integers`);
      const quant = isObject(spec['quantization']) ? spec['quantization']['dtype'] : undefined;
      const size = quant !== undefined ? QUANT_BYTES[String(quant)] : DTYPE_BYTES[String(spec['dtype'])];
      if (size === undefined)
        throw bad(
          file,
          `${wat} (${spec['name']}): dtype ${JSON.stringify(quant ?? spec['dtype'])} is not supported (${[...Object.keys(DTYPE_BYTES), ...Object.keys(QUANT_BYTES).map(q => `quantized ${q}`)].join(', ')})`,
        );
      need += size * (shape as number[]).reduce((a, b) => a * b, 1);
    }
    let have = 0;
    const names: string[] = [];
    for (const [p, path] of group['paths'].entries()) {
      const pat = `${at}.paths[${p}]`;
      if (typeof path !== 'string' || path === '') throw bad(file, `${pat}: must be a non-empty string`);
      if (isAbsolute(path) || /^[A-Za-z]:|^[\\/]/.test(path)) throw bad(file, `${pat}: ${path} is absolute`);
      if (RESERVED.has(path.replace(/^(\.[\\/])+/, '')))
        throw bad(file, `${pat}: ${path} is a name the version directory keeps for its own file`);
      if (path.split(/[\\/]/).some(s => s === '..')) throw bad(file, `${pat}: ${path} leaves the model directory (..)`);
      const full = join(realSource, path);
      const real = await fsp.realpath(full).catch(() => undefined);
      if (real === undefined) throw bad(full, `not found (${pat} of model.json)`);
      if (real !== realSource && !real.startsWith(realSource + sep))
        throw bad(full, `is a link to ${real}, outside the model directory (${pat} of model.json)`);
      const s = await fsp.stat(real);
      if (!s.isFile()) throw bad(full, `is not a file (${pat} of model.json)`);
      have += s.size;
      names.push(path);
    }
    if (have !== need)
      throw bad(
        file,
        `${at}: the weights need ${need} bytes (shape × dtype size), the shards ${names.join(', ')} hold ${have}`,
      );
    paths.push(...names);
  }
  return paths;
}

function manifestBytes(manifest: unknown[]): number {
  let total = 0;
  for (const g of manifest as { weights: { shape: number[]; dtype: string; quantization?: { dtype: string } }[] }[])
    for (const w of g.weights)
      total +=
        (w.quantization ? QUANT_BYTES[w.quantization.dtype]! : DTYPE_BYTES[w.dtype]!) *
        w.shape.reduce((a, b) => a * b, 1);
  return total;
}

function parseSignature(file: string, raw: unknown): ImportSignature {
  if (!isObject(raw)) throw bad(file, 'is not a JSON object');
  if ('inputs' in raw || 'outputs' in raw) return parseTensorsSignature(file, raw);
  const known = new Set(['dense', 'sparse', 'score', 'slaMs', 'subBatchSize', 'title', 'denseDatatype']);
  for (const k of Object.keys(raw))
    if (!known.has(k)) throw bad(file, `${k}: unknown field (known: ${[...known].join(', ')})`);
  const str = (k: string, v: unknown) => {
    if (typeof v !== 'string' || v === '') throw bad(file, `${k}: must be a non-empty string`);
    return v;
  };
  const sig: ImportSignature = { score: str('score', raw['score']) };
  if (raw['dense'] !== undefined) sig.dense = str('dense', raw['dense']);
  if (raw['sparse'] !== undefined) {
    if (!Array.isArray(raw['sparse'])) throw bad(file, 'sparse: must be a list of { input, vocab }');
    sig.sparse = raw['sparse'].map((e, i) => {
      if (!isObject(e)) throw bad(file, `sparse[${i}]: must be { input, vocab }`);
      for (const k of Object.keys(e))
        if (k !== 'input' && k !== 'vocab') throw bad(file, `sparse[${i}].${k}: unknown field (known: input, vocab)`);
      const out: { input: string; vocab?: number | number[] } = { input: str(`sparse[${i}].input`, e['input']) };
      const v = e['vocab'];
      const okVocab = (x: unknown) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 2 ** 31 - 1;
      if (v !== undefined) {
        if (!(okVocab(v) || (Array.isArray(v) && v.length > 0 && v.every(okVocab))))
          throw bad(file, `sparse[${i}].vocab: must be an integer ≥ 1, or a list of them (one per id slot)`);
        out.vocab = v as number | number[];
      }
      return out;
    });
  }
  parseCommon(file, raw, sig);
  if (!sig.dense && !sig.sparse?.length) throw bad(file, 'dense, sparse: the signature maps no input');
  if (raw['denseDatatype'] !== undefined) {
    if (!sig.dense) throw bad(file, 'denseDatatype: the signature maps no dense input');
    sig.denseEncoding = parseDenseDatatype(file, raw['denseDatatype']);
  }
  return sig;
}

/** Optional fields both forms share. */
function parseCommon(file: string, raw: Record<string, unknown>, sig: ImportSignature): void {
  if (raw['title'] !== undefined) {
    if (typeof raw['title'] !== 'string' || raw['title'] === '') throw bad(file, 'title: must be a non-empty string');
    sig.title = raw['title'];
  }
  if (raw['slaMs'] !== undefined) {
    const v = raw['slaMs'];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw bad(file, 'slaMs: must be a number > 0');
    sig.slaMs = v;
  }
  if (raw['subBatchSize'] !== undefined) {
    const v = raw['subBatchSize'];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_ITEMS)
      throw bad(file, `subBatchSize: must be an integer in [1, ${MAX_ITEMS}]`);
    sig.subBatchSize = v as number;
  }
}

/** The tensors form (see the module comment): its fields' form; the model is checked in tensorsConfig. */
function parseTensorsSignature(file: string, raw: Record<string, unknown>): ImportSignature {
  const known = new Set(['inputs', 'outputs', 'slaMs', 'subBatchSize', 'title']);
  for (const k of Object.keys(raw)) {
    if (k === 'dense' || k === 'sparse' || k === 'score' || k === 'denseDatatype')
      throw bad(file, `${k}: the ranking form's field; a signature with inputs/outputs (the tensors form) takes none`);
    if (!known.has(k)) throw bad(file, `${k}: unknown field (known: ${[...known].join(', ')})`);
  }
  const list = (field: 'inputs' | 'outputs'): TensorSpec[] => {
    const v = raw[field];
    if (!Array.isArray(v) || v.length === 0)
      throw bad(
        file,
        `${field}: must be a non-empty list of { name, datatype, shape${field === 'inputs' ? ', range' : ''} }`,
      );
    const names = new Map<string, number>();
    return v.map((e, i) => {
      const at = `${field}[${i}]`;
      if (!isObject(e)) throw bad(file, `${at}: must be { name, datatype, shape }`);
      const keys = field === 'inputs' ? ['name', 'datatype', 'shape', 'range'] : ['name', 'datatype', 'shape'];
      for (const k of Object.keys(e))
        if (!keys.includes(k)) throw bad(file, `${at}.${k}: unknown field (known: ${keys.join(', ')})`);
      const name = e['name'];
      if (typeof name !== 'string' || name === '') throw bad(file, `${at}.name: must be a non-empty string`);
      const first = names.get(name);
      if (first !== undefined) throw bad(file, `${at}.name: ${name} is declared twice (also ${field}[${first}])`);
      names.set(name, i);
      const dt = e['datatype'];
      if (!(TENSOR_DATATYPES as readonly unknown[]).includes(dt))
        throw bad(
          file,
          `${at}.datatype: ${JSON.stringify(dt)?.slice(0, 40)} is not supported: named tensors are ${TENSOR_DATATYPES.join(' or ')} (what TF.js computes in)`,
        );
      const shape = e['shape'];
      if (
        !Array.isArray(shape) ||
        shape.length < 1 ||
        shape[0] !== -1 ||
        !shape.slice(1).every(d => Number.isInteger(d) && (d as number) >= 1)
      )
        throw bad(
          file,
          `${at}.shape: must be [-1, d1, …]: -1 (the batch) first, then fixed dimensions ≥ 1; got ${JSON.stringify(shape)?.slice(0, 60)}`,
        );
      const spec: TensorSpec = { name, datatype: dt as TensorSpec['datatype'], shape: shape as number[] };
      const range = e['range'];
      if (field === 'inputs' && dt === 'INT32') {
        const ok = (x: unknown) => Number.isInteger(x) && Math.abs(x as number) <= 2 ** 31;
        if (
          !Array.isArray(range) ||
          range.length !== 2 ||
          !ok(range[0]) ||
          !ok(range[1]) ||
          (range[0] as number) >= (range[1] as number)
        )
          throw bad(
            file,
            `${at}.range: an INT32 input needs its value range [lo, hi) (lo < hi; e.g. [0, vocabulary] for ids), so bad values are refused at the gateway`,
          );
        spec.range = [range[0] as number, range[1] as number];
      } else if (range !== undefined) throw bad(file, `${at}.range: only INT32 inputs take a range`);
      return spec;
    });
  };
  const sig: ImportSignature = { tensors: { inputs: list('inputs'), outputs: list('outputs') }, score: '' };
  parseCommon(file, raw, sig);
  return sig;
}

/**
 * Runs the model on `n` synthetic rows (randomTensors) and checks each declared output's
 * shape and datatype against what TF.js gives: refusals name the signature's field.
 */
async function checkOutputs(
  model: ImportedModel,
  file: string,
  sig: { inputs: TensorSpec[]; outputs: TensorSpec[] },
  n: number,
): Promise<void> {
  const got = model.rawOutputs(
    randomTensors(sig.inputs, n, 1),
    sig.outputs.map(o => o.name),
  );
  for (const [i, o] of sig.outputs.entries()) {
    const g = got[i]!;
    const want = [n, ...o.shape.slice(1)];
    if (g.shape.length !== want.length || g.shape.some((d, j) => d !== want[j]))
      throw bad(
        file,
        `outputs[${i}].shape: declared [${o.shape.join(', ')}], the model gives [${['-1', ...g.shape.slice(1)].join(', ')}] (${n} rows: [${g.shape.join(', ')}])`,
      );
    const dt = g.dtype === 'float32' ? 'FP32' : g.dtype === 'int32' ? 'INT32' : g.dtype;
    if (dt !== o.datatype)
      throw bad(file, `outputs[${i}].datatype: declared ${o.datatype}, the model gives ${dt} (${g.dtype})`);
  }
}

/** "FP32", "FP16", or { "INT8": { scale, zeroPoint } }; the values are checked in configFor. */
function parseDenseDatatype(file: string, v: unknown): DenseEncoding {
  if (v === 'FP32' || v === 'FP16') return { denseDatatype: v };
  if (isObject(v) && Object.keys(v).length === 1 && isObject(v['INT8'])) {
    const q = v['INT8'];
    for (const k of Object.keys(q))
      if (k !== 'scale' && k !== 'zeroPoint')
        throw bad(file, `denseDatatype.INT8.${k}: unknown field (known: scale, zeroPoint)`);
    if (q['scale'] === undefined || q['zeroPoint'] === undefined)
      throw bad(file, 'denseDatatype.INT8: needs scale and zeroPoint');
    const list = (x: unknown) => (Array.isArray(x) ? (x as number[]) : [x as number]);
    return { denseDatatype: 'INT8', denseQuant: { scale: list(q['scale']), zeroPoint: list(q['zeroPoint']) } };
  }
  throw bad(
    file,
    `denseDatatype: must be "FP32", "FP16" or { "INT8": { "scale": …, "zeroPoint": … } }, got ${JSON.stringify(v)?.slice(0, 80)}`,
  );
}

const GRAPH_DTYPES: Record<string, string> = {
  DT_FLOAT: 'float32',
  DT_INT32: 'int32',
  // TF.js has no int64: the converter runs int64 tensors as int32.
  DT_INT64: 'int32',
  DT_BOOL: 'bool',
};

function graphShape(dims: unknown): (number | null)[] | undefined {
  if (!Array.isArray(dims)) return undefined;
  return dims.map(d => {
    const n = Number(isObject(d) ? (d['size'] ?? -1) : d);
    return Number.isInteger(n) && n >= 0 ? n : null;
  });
}

/** A graph model's inputs: its signature's (model.json `signature` or userDefinedMetadata), else its Placeholders. */
function graphIo(file: string, json: Record<string, unknown>, topology: Record<string, unknown>): ModelIo {
  const nodes = (topology['node'] as unknown[] | undefined) ?? [];
  if (!Array.isArray(nodes)) throw bad(file, 'modelTopology.node: must be a list');
  const meta = isObject(json['userDefinedMetadata']) ? json['userDefinedMetadata'] : {};
  const signature = isObject(json['signature'])
    ? json['signature']
    : isObject(meta['signature'])
      ? meta['signature']
      : undefined;
  const nodeNames = new Set(nodes.filter(isObject).map(n => String(n['name'])));
  const outputs = new Set(nodeNames);
  const inputs: IoInfo[] = [];
  if (signature && isObject(signature['inputs'])) {
    for (const [key, info] of Object.entries(signature['inputs'])) {
      const i = isObject(info) ? info : {};
      const shape = isObject(i['tensorShape']) ? graphShape(i['tensorShape']['dim']) : undefined;
      inputs.push({ name: key, dtype: GRAPH_DTYPES[String(i['dtype'])] ?? String(i['dtype']), shape });
    }
    if (isObject(signature['outputs'])) for (const key of Object.keys(signature['outputs'])) outputs.add(key);
  } else {
    for (const n of nodes.filter(isObject)) {
      if (n['op'] !== 'Placeholder') continue;
      const attr = isObject(n['attr']) ? n['attr'] : {};
      const dtype = isObject(attr['dtype']) ? String(attr['dtype']['type']) : 'DT_FLOAT';
      const shape =
        isObject(attr['shape']) && isObject(attr['shape']['shape'])
          ? graphShape(attr['shape']['shape']['dim'])
          : undefined;
      inputs.push({ name: String(n['name']), dtype: GRAPH_DTYPES[dtype] ?? dtype, shape });
    }
  }
  if (inputs.length === 0) throw bad(file, 'modelTopology: the graph has no inputs (no signature, no Placeholder)');
  return { kind: 'graph-model', inputs, outputs, embeddings: new Map() };
}

/** A layers model's input layers, output layers and the Embedding layers reading its inputs. */
function layersIo(file: string, topology: Record<string, unknown>): ModelIo {
  // The Python converter nests the Keras model under model_config.
  const model = isObject(topology['model_config']) ? topology['model_config'] : topology;
  const config = isObject(model['config']) ? model['config'] : undefined;
  const layerList = Array.isArray(model['config']) ? model['config'] : config?.['layers'];
  if (!Array.isArray(layerList) || layerList.length === 0)
    throw bad(file, 'modelTopology: a Keras topology with no layers');
  const layers = layerList.filter(isObject).map(l => ({
    name: String(l['name'] ?? (isObject(l['config']) ? l['config']['name'] : '')),
    className: String(l['class_name']),
    config: isObject(l['config']) ? l['config'] : {},
    inbound: Array.isArray(l['inbound_nodes']) ? (l['inbound_nodes'] as unknown[]) : [],
  }));
  const shapeOf = (c: Record<string, unknown>) =>
    Array.isArray(c['batch_input_shape'])
      ? (c['batch_input_shape'] as unknown[]).map(d => (Number.isInteger(d) ? (d as number) : null))
      : undefined;
  const embeddings = new Map<string, { inputDim: number; outputDim: number; layer: string }>();
  const embeddingOf = (l: (typeof layers)[number]) => ({
    inputDim: Number(l.config['input_dim']),
    outputDim: Number(l.config['output_dim']),
    layer: l.name,
  });
  const inputs: IoInfo[] = [];
  const outputs = new Set<string>();
  const sequential = model['class_name'] === 'Sequential';
  if (sequential) {
    const first = layers[0]!;
    // tfjs-layers names a Sequential model's input after its first layer (Sequential.add).
    const name = first.className === 'InputLayer' ? first.name : `${first.name}_input`;
    inputs.push({ name, dtype: String(first.config['dtype'] ?? 'float32'), shape: shapeOf(first.config) });
    const reader = first.className === 'InputLayer' ? layers[1] : first;
    if (reader?.className === 'Embedding') embeddings.set(name, embeddingOf(reader));
    outputs.add(layers[layers.length - 1]!.name);
  } else {
    const names = (k: string) =>
      (Array.isArray(config?.[k]) ? (config[k] as unknown[]) : []).map(e => (Array.isArray(e) ? String(e[0]) : ''));
    for (const n of names('input_layers')) {
      const l = layers.find(x => x.name === n);
      if (!l) throw bad(file, `modelTopology: input layer ${n} is not among the layers`);
      inputs.push({ name: n, dtype: String(l.config['dtype'] ?? 'float32'), shape: shapeOf(l.config) });
    }
    for (const n of names('output_layers')) outputs.add(n);
    for (const l of layers) {
      if (l.className !== 'Embedding') continue;
      // inbound_nodes: [[[layer, node, tensor, kwargs], ...], ...]: the first call's first input.
      const first = Array.isArray(l.inbound[0]) && Array.isArray(l.inbound[0][0]) ? l.inbound[0][0][0] : undefined;
      if (typeof first === 'string' && inputs.some(i => i.name === first)) embeddings.set(first, embeddingOf(l));
    }
  }
  if (inputs.length === 0) throw bad(file, 'modelTopology: the model has no input layers');
  return { kind: 'layers-model', inputs, outputs, embeddings };
}

/** Checks the signature against the model's inputs and outputs and builds the version's config. */
function configFor(
  name: string,
  version: string,
  file: string,
  sig: ImportSignature,
  io: ModelIo,
  weightBytes: number,
): ModelConfig {
  if (sig.tensors) return tensorsConfig(name, version, file, sig, sig.tensors, io, weightBytes);
  const known = io.inputs.map(i => i.name).join(', ');
  const input = (field: string, n: string): IoInfo => {
    const i = io.inputs.find(x => x.name === n);
    if (!i) throw bad(file, `${field}: the model has no input ${JSON.stringify(n)} (its inputs: ${known})`);
    return i;
  };
  const width = (field: string, i: IoInfo): number => {
    const s = i.shape;
    const n = s?.[1];
    if (!s || s.length !== 2 || n === null || n === undefined || n === 0)
      throw bad(
        file,
        `${field}: input ${i.name} has shape [${(s ?? []).map(d => d ?? -1).join(', ')}], expected [-1, n] with n known`,
      );
    return n;
  };
  const used = new Set<string>();
  const use = (field: string, n: string) => {
    if (used.has(n)) throw bad(file, `${field}: input ${n} is mapped twice`);
    used.add(n);
  };
  let denseDim = 0;
  if (sig.dense) {
    const i = input('dense', sig.dense);
    use('dense', i.name);
    if (i.dtype !== 'float32') throw bad(file, `dense: input ${i.name} is ${i.dtype}, expected float32 (FP32)`);
    denseDim = width('dense', i);
  }
  let encoding: DenseEncoding = {};
  try {
    encoding = checkDenseEncoding(sig.denseEncoding ?? {}, denseDim, 'denseDatatype.INT8');
  } catch (err) {
    throw bad(file, (err as Error).message);
  }
  const tables: ModelTableConfig[] = [];
  const sparse: ImportedRankingArch['sparse'][number][] = [];
  for (const [j, s] of (sig.sparse ?? []).entries()) {
    const field = `sparse[${j}]`;
    const i = input(`${field}.input`, s.input);
    use(`${field}.input`, i.name);
    if (i.dtype !== 'int32' && i.dtype !== 'float32')
      throw bad(file, `${field}.input: input ${i.name} is ${i.dtype}, expected int32 (INT32 ids)`);
    const k = width(`${field}.input`, i);
    const emb = io.embeddings.get(i.name);
    let vocab = s.vocab ?? emb?.inputDim;
    if (vocab === undefined)
      throw bad(file, `${field}.vocab: required: no Embedding layer reads input ${i.name} to take it from`);
    if (emb && typeof vocab === 'number' && vocab !== emb.inputDim)
      throw bad(file, `${field}.vocab: ${vocab}, but Embedding layer ${emb.layer} has inputDim ${emb.inputDim}`);
    if (Array.isArray(vocab)) {
      if (vocab.length !== k)
        throw bad(file, `${field}.vocab: ${vocab.length} sizes for input ${i.name}'s ${k} id slots`);
      if (emb && vocab.some(v => v > emb.inputDim))
        throw bad(file, `${field}.vocab: above Embedding layer ${emb.layer}'s inputDim ${emb.inputDim}`);
      if (vocab.length === 1) vocab = vocab[0]!;
    }
    const max = Array.isArray(vocab) ? Math.max(...vocab) : vocab;
    if (i.dtype === 'float32' && max > FLOAT_EXACT)
      throw bad(file, `${field}.vocab: ${max} ids do not fit a float32 input (${i.name}) exactly; make it int32`);
    const dim = emb?.outputDim ?? 0;
    const slots = Array.isArray(vocab)
      ? vocab.map((rows, n) => ({ name: `${i.name}[${n}]`, rows, lookups: 1 }))
      : [{ name: i.name, rows: vocab, lookups: k }];
    for (const t of slots) tables.push({ ...t, dim, pooling: 'none' });
    sparse.push({ input: i.name, tables: slots.length });
  }
  const unmapped = io.inputs.filter(i => !used.has(i.name)).map(i => i.name);
  if (unmapped.length) throw bad(file, `dense, sparse: model input(s) ${unmapped.join(', ')} are not mapped`);
  if (!io.outputs.has(sig.score)) {
    const list = io.kind === 'layers-model' ? ` (its outputs: ${[...io.outputs].join(', ')})` : '';
    throw bad(file, `score: the model has no output ${JSON.stringify(sig.score)}${list}`);
  }
  const ids = idsPerItem(tables);
  const tableBytes = tables.reduce((s, t) => s + t.rows * t.dim * 4, 0);
  const dense = Math.max(0, weightBytes - tableBytes);
  const arch: ImportedRankingArch = {
    family: 'imported',
    kind: io.kind,
    sparse,
    score: sig.score,
    ...(sig.dense ? { dense: sig.dense } : {}),
  };
  return {
    format: MODEL_CONFIG_FORMAT,
    name,
    version,
    title: sig.title ?? `${name} (imported TF.js ${io.kind})`,
    family: 'imported',
    scale: 1,
    seed: 0,
    denseDim,
    ...encoding,
    tables,
    idsPerItem: ids,
    inputs: [
      { name: 'dense', datatype: encoding.denseDatatype ?? 'FP32', shape: [-1, denseDim] },
      { name: 'sparse', datatype: 'INT32', shape: [-1, ids] },
    ],
    output: { name: 'score', datatype: 'FP32', shape: [-1], activation: 'model', logits: 1, combine: 'single' },
    arch,
    slaMs: sig.slaMs ?? IMPORT_DEFAULTS.slaMs,
    subBatchSize: sig.subBatchSize ?? IMPORT_DEFAULTS.subBatchSize,
    ...sizeGuess(tableBytes, dense),
    sizeBytes: 0,
    reading: `imported from a TF.js ${io.kind} by hera models import; signature ${SIGNATURE_FILE}`,
  };
}

/**
 * The tensors form against the model: every declared input is a model input with the same
 * datatype (an INT32 input may feed a float32 model input, as ids often do in Keras, when its
 * range is exact in float32) and the same fixed dimensions; every model input is declared;
 * an Embedding layer reading an input bounds its range; every output is one the model has.
 */
function tensorsConfig(
  name: string,
  version: string,
  file: string,
  sig: ImportSignature,
  t: { inputs: TensorSpec[]; outputs: TensorSpec[] },
  io: ModelIo,
  weightBytes: number,
): ModelConfig {
  const known = io.inputs.map(i => i.name).join(', ');
  for (const [j, spec] of t.inputs.entries()) {
    const at = `inputs[${j}]`;
    const i = io.inputs.find(x => x.name === spec.name);
    if (!i) throw bad(file, `${at}.name: the model has no input ${JSON.stringify(spec.name)} (its inputs: ${known})`);
    const dtype = spec.datatype === 'FP32' ? 'float32' : 'int32';
    const idsAsFloat = spec.datatype === 'INT32' && i.dtype === 'float32';
    if (i.dtype !== dtype && !idsAsFloat)
      throw bad(file, `${at}.datatype: ${spec.datatype}, but the model's input ${i.name} is ${i.dtype}`);
    if (idsAsFloat && Math.max(Math.abs(spec.range![0]), Math.abs(spec.range![1])) > FLOAT_EXACT)
      throw bad(
        file,
        `${at}.range: values beyond 2^24 are not exact in the model's float32 input ${i.name}; make it int32`,
      );
    if (i.shape) {
      const model = i.shape.map(d => d ?? -1);
      const fixed = (x: number[]) => x.slice(1).join(', ');
      if (model.length !== spec.shape.length || fixed(model) !== fixed(spec.shape))
        throw bad(
          file,
          `${at}.shape: [${spec.shape.join(', ')}], but the model's input ${i.name} has shape [${model.join(', ')}]`,
        );
    }
    const emb = io.embeddings.get(i.name);
    if (emb && spec.range && (spec.range[0] < 0 || spec.range[1] > emb.inputDim))
      throw bad(
        file,
        `${at}.range: [${spec.range.join(', ')}) passes Embedding layer ${emb.layer}'s ids 0 … ${emb.inputDim - 1}`,
      );
  }
  const undeclared = io.inputs.filter(i => !t.inputs.some(s => s.name === i.name)).map(i => i.name);
  if (undeclared.length) throw bad(file, `inputs: model input(s) ${undeclared.join(', ')} are not declared`);
  for (const [j, o] of t.outputs.entries())
    if (!io.outputs.has(o.name)) {
      const list = io.kind === 'layers-model' ? ` (its outputs: ${[...io.outputs].join(', ')})` : '';
      throw bad(file, `outputs[${j}].name: the model has no output ${JSON.stringify(o.name)}${list}`);
    }
  const tableBytes = [...io.embeddings.values()].reduce((s, e) => s + e.inputDim * e.outputDim * 4, 0);
  const dense = Math.max(0, weightBytes - tableBytes);
  const arch: ImportedTensorsArch = {
    family: 'imported',
    layout: 'tensors',
    kind: io.kind,
    inputs: t.inputs,
    outputs: t.outputs,
  };
  return {
    format: MODEL_CONFIG_FORMAT,
    name,
    version,
    title: sig.title ?? `${name} (imported TF.js ${io.kind}, named tensors)`,
    family: 'imported',
    scale: 1,
    seed: 0,
    // No ranking layout: no dense features, no id tables (its embeddings are its own weights).
    denseDim: 0,
    tables: [],
    idsPerItem: 0,
    inputs: t.inputs,
    arch,
    slaMs: sig.slaMs ?? IMPORT_DEFAULTS.slaMs,
    subBatchSize: sig.subBatchSize ?? IMPORT_DEFAULTS.subBatchSize,
    ...sizeGuess(tableBytes, dense),
    sizeBytes: 0,
    reading: `imported from a TF.js ${io.kind} by hera models import; named tensors, signature ${SIGNATURE_FILE}`,
  };
}

/**
 * An imported model's class, guessed from its sizes until profiled: tables that dominate and
 * outgrow a last-level cache make lookups memory-bound.
 */
function sizeGuess(
  tableBytes: number,
  weightBytes: number,
): Pick<ModelConfig, 'dominant' | 'expectedKind' | 'tableBytes' | 'weightBytes'> {
  const tables = tableBytes > weightBytes;
  return {
    dominant: tables ? 'embedding' : 'mlp',
    expectedKind: tables && tableBytes > CACHE_BYTES ? 'memory-bound' : 'compute-bound',
    tableBytes,
    weightBytes,
  };
}

/** One past the highest numeric version of the model present, else "1". */
export async function nextVersion(repo: string, name: string): Promise<string> {
  const dir = modelDir(repo, name);
  if (!existsSync(dir)) return '1';
  const numeric = (await fsp.readdir(dir, { withFileTypes: true }))
    .filter(e => e.isDirectory() && /^\d+$/.test(e.name))
    .map(e => Number(e.name));
  return String(numeric.length ? Math.max(...numeric) + 1 : 1);
}
