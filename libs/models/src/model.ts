import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import { HeraError } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { requireZoo, weightLayout, type Batch, type ModelConfig, type ValidBatch } from '@hera/model-schema';
import { selectBackend } from './backend';
import { tfjs } from './tfjs';
import { bagLayout, embeddingBag, releaseBagLayout, type BagLayout } from './embedding-bag';
import { buildForward, mlpStacks, runStack, type Forward } from './network';
import { readModelConfig, readModelJson, versionDir } from './repository';
import { bagTables, loadTables, type SharedTables } from './shared-tables';

/** A loaded model, ready to score. One per worker thread; `score` is synchronous. */
export interface Model {
  readonly config: ModelConfig;
  /** The TF.js backend it runs on ("tensorflow", "wasm" or "cpu"). */
  readonly backend: string;
  /**
   * Scores a batch: one value in [0, 1] per item, in item order. Leaves no tensors behind.
   * Takes a batch `validateBatch` accepted for this model's config: values are validated once
   * where they enter the process (the host's inference thread), not again here. Ids out of range
   * are still refused by the embedding bag (it never reads outside a table).
   */
  score(batch: ValidBatch): Float32Array;
  /** Frees the weights. The shared tables are freed when no thread references them. */
  dispose(): void;
}

export interface LoadModelOptions {
  /** Version to load (default: the current one in config.json). */
  version?: string;
  /** Tables already loaded (by `loadTables`, typically in another thread and posted here). */
  tables?: SharedTables;
  log?: Logger;
}

/**
 * The engine's model: the embedding bag over shared tables, then the dense network in TF.js.
 * Beyond `Model`, it exposes the two stages separately for the benchmark.
 */
export class InferenceModel implements Model {
  readonly backend: string;
  readonly layout: BagLayout;
  private pooled = new Float32Array(0);
  private disposed = false;

  constructor(
    readonly config: ModelConfig,
    readonly tables: SharedTables,
    private readonly weights: Record<string, TF.Tensor>,
    private readonly forward: Forward,
  ) {
    this.backend = tfjs().getBackend();
    this.layout = bagLayout(bagTables(config, tables));
  }

  score(batch: ValidBatch): Float32Array {
    if (this.disposed) throw new HeraError('UNAVAILABLE', `model ${this.config.name} was unloaded`);
    if (batch.count === 0) return new Float32Array(0);
    return this.forwardDense(batch.count, batch.dense, this.embed(batch));
  }

  /**
   * Stage 1, the embedding bag: the pooled embeddings [count, layout.width]. The returned array
   * is reused by the next call.
   */
  embed(batch: Batch): Float32Array {
    const n = batch.count * this.layout.width;
    if (this.pooled.length < n) this.pooled = new Float32Array(Math.max(n, 2 * this.pooled.length));
    const out = this.pooled.subarray(0, n);
    embeddingBag(this.layout, batch.count, batch.ids, out);
    return out;
  }

  /** Stage 2, the dense network on pooled embeddings: the scores. */
  forwardDense(count: number, dense: Float32Array, pooled: Float32Array): Float32Array {
    const tf = tfjs();
    const d = this.config.denseDim;
    // Return the tensor out of tidy and read it after: returning a typed array out of tidy makes
    // TF.js walk it looking for tensors, which costs more than the whole forward pass.
    const result = tf.tidy(() => {
      const emb = tf.tensor2d(pooled, [count, this.layout.width]);
      const x = d > 0 ? tf.tensor2d(dense, [count, d]) : null;
      return this.forward(x, emb, count);
    });
    try {
      return result.dataSync() as Float32Array;
    } finally {
      result.dispose();
    }
  }

  /**
   * The MLP stacks alone (no embedding, attention or RNN glue) on the given inputs, one per
   * `mlpStacks(config)` entry: what the benchmark compares with raw matMul on the same shapes.
   * The caller disposes the results.
   */
  runMlpStacks(inputs: readonly TF.Tensor2D[]): TF.Tensor2D[] {
    const stacks = mlpStacks(this.config);
    return tfjs().tidy(() => stacks.map((st, i) => runStack(this.weights, inputs[i]!, st)));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    releaseBagLayout(this.layout);
    for (const t of Object.values(this.weights)) t.dispose();
  }
}

function sameTables(config: ModelConfig, tables: SharedTables): string | undefined {
  if (tables.model !== config.name || tables.version !== config.version) {
    return `tables are for ${tables.model} version ${tables.version}, not ${config.name} version ${config.version}`;
  }
  if (tables.tables.length !== config.tables.length)
    return `${tables.tables.length} tables, config has ${config.tables.length}`;
  for (let i = 0; i < config.tables.length; i++) {
    const c = config.tables[i]!;
    const s = tables.tables[i]!;
    if (s.name !== c.name || s.rows !== c.rows || s.dim !== c.dim || s.data.length !== c.rows * c.dim) {
      return `table ${i} is ${s.name} ${s.rows} × ${s.dim}, config has ${c.name} ${c.rows} × ${c.dim}`;
    }
  }
  return undefined;
}

async function loadWeights(repo: string, config: ModelConfig): Promise<Record<string, TF.Tensor>> {
  const tf = tfjs();
  const json = await readModelJson(repo, config.name, config.version);
  const dir = versionDir(repo, config.name, config.version);
  const weightSpecs = json.weightsManifest.flatMap(g => g.weights);
  const shards = await Promise.all(json.weightsManifest.flatMap(g => g.paths).map(p => fsp.readFile(join(dir, p))));
  const total = shards.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const b of shards) {
    weightData.set(b, off);
    off += b.byteLength;
  }
  // Plain TF.js artifact handling (no tfjs-node): model.json and the shards read with fs, handed
  // to TF.js as in-memory artifacts, weights decoded by TF.js from its own manifest.
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology as unknown as Record<string, unknown>,
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
  });
  const artifacts = await handler.load!();
  if (!artifacts.weightData || !artifacts.weightSpecs)
    throw new HeraError('INTERNAL', `model ${config.name}: no weights in model.json`);
  const named = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  // The stored weights must be exactly what this engine's architecture expects.
  const expected = weightLayout(requireZoo(config, 'the zoo engine'));
  const problems: string[] = [];
  for (const w of expected) {
    const t = named[w.name];
    if (!t) problems.push(`missing ${w.name}`);
    else if (t.shape.join('x') !== w.shape.join('x'))
      problems.push(`${w.name} is ${t.shape.join('x')}, expected ${w.shape.join('x')}`);
  }
  if (problems.length) {
    Object.values(named).forEach(t => t.dispose());
    throw new HeraError(
      'INTERNAL',
      `model ${config.name} version ${config.version}: weights do not match the architecture: ${problems.join('; ')}`,
    );
  }
  return named;
}

/**
 * Loads a model for this thread: config and weights from the repository, tables from `tables`
 * when given (shared, not copied) or else from disk. Selects the backend first when
 * `selectBackend` has not run in this thread.
 */
export async function loadModel(repo: string, name: string, opts: LoadModelOptions = {}): Promise<InferenceModel> {
  const started = Date.now();
  // engine().backendName, unlike getBackend(), does not pick and start a backend by itself.
  if (!tfjs().engine().backendName) await selectBackend(undefined, opts.log);
  // Imported models run on TF.js's own loaders (loadTfjsModel picks the right one).
  const config = requireZoo(await readModelConfig(repo, name, opts.version ?? opts.tables?.version), 'loadModel');
  let tables = opts.tables;
  if (tables) {
    const why = sameTables(config, tables);
    if (why) throw new HeraError('INVALID_ARGUMENT', `model ${name}: ${why}`);
  } else {
    tables = await loadTables(repo, name, config.version);
    const why = sameTables(config, tables);
    if (why)
      throw new HeraError('INTERNAL', `model ${name} version ${config.version}: repository is inconsistent: ${why}`);
  }
  const weights = await loadWeights(repo, config);
  const derived: Record<string, TF.Tensor> = {};
  const forward = buildForward(config, weights, derived);
  for (const [k, t] of Object.entries(derived)) weights[`derived:${k}`] = t;
  const model = new InferenceModel(config, tables, weights, forward);
  opts.log?.info(
    {
      model: name,
      version: config.version,
      backend: model.backend,
      tableBytes: tables.bytes,
      ms: Date.now() - started,
    },
    `loaded ${name} version ${config.version} on ${model.backend}`,
  );
  return model;
}
