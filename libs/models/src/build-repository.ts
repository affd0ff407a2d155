import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { HeraError, invalidArgument } from '@hera/errors';
import {
  configFromSpec,
  fillUniform,
  isZooModel,
  streamSeed,
  weightLayout,
  ZOO_MODELS,
  ZOO_SPECS,
  checkDenseEncoding,
  type DenseEncoding,
  type ModelConfig,
  type ZooModelName,
  type ZooTableSpec,
} from '@hera/model-schema';
import {
  MODEL_JSON_FORMAT,
  directoryBytes,
  modelDir,
  versionDir,
  type ModelJson,
  type TableManifest,
} from './repository';

export interface BuildProgress {
  model: string;
  /** Bytes of this model written so far. */
  done: number;
  /** Bytes of this model in all (dense weights plus tables). */
  total: number;
}

export interface BuildRepositoryOptions {
  repo: string;
  /** Factor on every table's rows, in (0, 1]. */
  scale: number;
  /** Models to build (default: the whole zoo). */
  only?: string[];
  /** Seed of the random weights (default 1); the same seed gives byte-identical files. */
  seed?: number;
  /** Version directory to write (default "1"); an existing one is replaced. */
  version?: string;
  /**
   * The dense input's datatype on the wire (default FP32; INT8 with its scale and zero point),
   * for every model built: the weights are the same, clients send FP16 or INT8 dense features.
   */
  dense?: DenseEncoding;
  onProgress?: (e: BuildProgress) => void;
}

/** TF.js's converter uses 4 MiB weight shards; so do we. */
const WEIGHT_SHARD_BYTES = 4 * 1024 * 1024;
/** Table shards of at most 256 MiB (whole rows), small enough to stream and to copy around. */
const TABLE_SHARD_BYTES = 256 * 1024 * 1024;
/** Floats generated per write while streaming a table. */
const CHUNK_FLOATS = 4 * 1024 * 1024;

export const GENERATED_BY = '@hera/models 0.1.0';

/**
 * Builds zoo models into a Triton-like repository (see repository.ts for the layout), with
 * deterministic random weights. Each model is written to a temporary directory and renamed into
 * place, then its config.json is replaced, so a reader never sees a half-written version.
 * Returns the configs in zoo order.
 */
export async function buildRepository(opts: BuildRepositoryOptions): Promise<ModelConfig[]> {
  if (!(opts.scale > 0 && opts.scale <= 1)) throw invalidArgument('scale', `must be in (0, 1], got ${opts.scale}`);
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw invalidArgument('seed', `must be an integer in [0, 2^32), got ${seed}`);
  const version = opts.version ?? '1';
  for (const m of opts.only ?? []) {
    if (!isZooModel(m))
      throw invalidArgument('only', `unknown model ${JSON.stringify(m)}; the zoo has ${ZOO_MODELS.join(', ')}`);
  }
  // Raw table shards are written in the platform's byte order and read as little-endian.
  if (endianness() !== 'LE')
    throw new HeraError('PRECONDITION', 'building the model repository needs a little-endian platform');
  const names = ZOO_MODELS.filter(m => !opts.only || opts.only.length === 0 || opts.only.includes(m));
  // Before anything is written: a per-feature scale must fit every model built.
  for (const n of names) if (opts.dense) checkDenseEncoding(opts.dense, ZOO_SPECS[n].denseDim, `dense (${n})`);
  await fsp.mkdir(opts.repo, { recursive: true });
  const out: ModelConfig[] = [];
  for (const name of names)
    out.push(
      await buildModel(
        opts.repo,
        name,
        { scale: opts.scale, seed, version, ...(opts.dense ? { dense: opts.dense } : {}) },
        opts.onProgress,
      ),
    );
  return out;
}

async function buildModel(
  repo: string,
  name: ZooModelName,
  o: { scale: number; seed: number; version: string; dense?: DenseEncoding },
  onProgress?: (e: BuildProgress) => void,
): Promise<ModelConfig> {
  const spec = ZOO_SPECS[name];
  const config = configFromSpec(spec, o);
  const dir = modelDir(repo, name);
  const tmp = join(dir, `.${o.version}.building-${process.pid}`);
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp, { recursive: true });
  const total = config.weightBytes + config.tableBytes;
  let done = 0;
  const progress = (bytes: number) => {
    done += bytes;
    onProgress?.({ model: name, done, total });
  };
  try {
    progress(0);
    const weightsManifest = await writeDenseWeights(tmp, name, o.seed, progress);
    const embeddingTables: TableManifest[] = [];
    for (let i = 0; i < spec.tables.length; i++) {
      embeddingTables.push(await writeTable(tmp, name, spec.tables[i]!, config.tables[i]!.rows, o.seed, progress));
    }
    const { sizeBytes: _omit, ...topology } = config;
    const modelJson: ModelJson = {
      format: MODEL_JSON_FORMAT,
      generatedBy: GENERATED_BY,
      convertedBy: null,
      modelTopology: topology,
      weightsManifest,
      embeddingTables,
    };
    await fsp.writeFile(join(tmp, 'model.json'), `${JSON.stringify(modelJson)}\n`);
    config.sizeBytes = await directoryBytes(tmp);
    const final = versionDir(repo, name, o.version);
    await fsp.rm(final, { recursive: true, force: true });
    await fsp.rename(tmp, final);
    const configTmp = join(dir, `.config.json.${process.pid}`);
    await fsp.writeFile(configTmp, `${JSON.stringify(config, null, 2)}\n`);
    await fsp.rename(configTmp, join(dir, 'config.json'));
    return config;
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function writeDenseWeights(
  dir: string,
  model: string,
  seed: number,
  progress: (bytes: number) => void,
): Promise<ModelJson['weightsManifest']> {
  const layout = weightLayout(ZOO_SPECS[model as ZooModelName]);
  const floats = layout.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  const all = new Float32Array(floats);
  let offset = 0;
  for (const w of layout) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    // Glorot-uniform kernels keep activations in range through the stacks; small biases so the
    // bias path is exercised without dominating.
    const limit = w.role === 'kernel' ? Math.sqrt(6 / (w.fanIn + w.fanOut)) : 0.05;
    fillUniform(all.subarray(offset, offset + n), streamSeed(seed, model, w.name), 0, limit);
    offset += n;
  }
  const bytes = new Uint8Array(all.buffer);
  const shards = Math.max(1, Math.ceil(bytes.byteLength / WEIGHT_SHARD_BYTES));
  const paths: string[] = [];
  for (let i = 0; i < shards; i++) {
    const path = `group1-shard${i + 1}of${shards}.bin`;
    const part = bytes.subarray(i * WEIGHT_SHARD_BYTES, Math.min(bytes.byteLength, (i + 1) * WEIGHT_SHARD_BYTES));
    await fsp.writeFile(join(dir, path), part);
    progress(part.byteLength);
    paths.push(path);
  }
  return [{ paths, weights: layout.map(w => ({ name: w.name, shape: [...w.shape], dtype: 'float32' as const })) }];
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.byteLength;) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.byteLength - off);
    off += bytesWritten;
  }
}

async function writeTable(
  dir: string,
  model: string,
  table: ZooTableSpec,
  rows: number,
  seed: number,
  progress: (bytes: number) => void,
): Promise<TableManifest> {
  const rowBytes = table.dim * 4;
  const rowsPerShard = Math.max(1, Math.floor(TABLE_SHARD_BYTES / rowBytes));
  const shards = Math.max(1, Math.ceil(rows / rowsPerShard));
  // Uniform values scaled so a sum-pooled vector has a per-dimension spread near 0.5 whatever the
  // lookup count: the pooled inputs then neither vanish nor saturate the layers after them.
  const pooled = table.pooling === 'sum' ? table.lookups : 1;
  const limit = 0.5 * Math.sqrt(3 / pooled);
  const stream = streamSeed(seed, model, 'table', table.name);
  // Two buffers: one is written while the next is generated.
  const bufs = [new Float32Array(CHUNK_FLOATS), new Float32Array(CHUNK_FLOATS)];
  const paths: string[] = [];
  let position = 0; // floats of the table generated so far
  for (let s = 0; s < shards; s++) {
    const path = `emb-${table.name}-shard${s + 1}of${shards}.bin`;
    paths.push(path);
    const shardFloats = Math.min(rowsPerShard, rows - s * rowsPerShard) * table.dim;
    const fh = await fsp.open(join(dir, path), 'w');
    try {
      let pending: Promise<unknown> = Promise.resolve();
      let which = 0;
      for (let written = 0; written < shardFloats;) {
        const n = Math.min(CHUNK_FLOATS, shardFloats - written);
        const buf = bufs[which]!.subarray(0, n);
        fillUniform(buf, stream, position, limit);
        await pending;
        pending = writeAll(fh, new Uint8Array(buf.buffer, 0, n * 4)).then(() => progress(n * 4));
        which ^= 1;
        written += n;
        position += n;
      }
      await pending;
    } finally {
      await fh.close();
    }
  }
  return { name: table.name, rows, dim: table.dim, dtype: 'float32', byteLength: rows * rowBytes, paths };
}
