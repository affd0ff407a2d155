import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import type * as TFC from '@tensorflow/tfjs-converter';
import type * as TFL from '@tensorflow/tfjs-layers';
import { HeraError } from '@hera/errors';
import type { Logger } from '@hera/logger';
import {
  isImported,
  rowSize,
  tensorValues,
  type ImportedArch,
  type ImportedRankingArch,
  type ImportedTensorsArch,
  type ModelConfig,
  type NamedTensor,
  type ValidBatch,
} from '@hera/model-schema';
import { selectBackend } from './backend';
import { loadModel, type LoadModelOptions, type Model } from './model';
import { readModelConfig, versionDir } from './repository';
import { tfjs } from './tfjs';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, as tfjs.ts does */
const converter = () => (tfjs(), require('@tensorflow/tfjs-converter') as typeof TFC);
const layers = () => (tfjs(), require('@tensorflow/tfjs-layers') as typeof TFL);
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * A TF.js IO handler over a directory holding model.json and its weight shards: what tfjs-node's
 * `file://` handler does, without tfjs-node (it cannot install here). The shards are read in
 * manifest order and handed to TF.js as one buffer; TF.js decodes them from the manifest.
 */
export function directoryHandler(dir: string): TF.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await fsp.readFile(join(dir, 'model.json'), 'utf8')) as TF.io.ModelJSON;
      return tfjs().io.getModelArtifactsForJSON(json, async manifest => {
        const shards = await Promise.all(manifest.flatMap(g => g.paths).map(p => fsp.readFile(join(dir, p))));
        const data = new Uint8Array(shards.reduce((s, b) => s + b.byteLength, 0));
        let off = 0;
        for (const b of shards) {
          data.set(b, off);
          off += b.byteLength;
        }
        return [manifest.flatMap(g => g.weights), data.buffer];
      });
    },
  };
}

type Loaded =
  | { kind: 'graph-model'; model: TFC.GraphModel; dtypes: Map<string, TF.DataType> }
  | { kind: 'layers-model'; model: TFL.LayersModel; dtypes: Map<string, TF.DataType>; order: string[] };

/**
 * A user's TF.js model (`hera models import`), loaded by TF.js's own loaders — tfjs-converter's
 * for a graph model, tfjs-layers' for a layers model — on this thread's TF.js backend. It takes
 * the ranking layout (dense [n, d], ids [n, Σ lookups]) and feeds the model's inputs as its
 * signature says: the dense features to one input, each sparse input its own columns of the ids.
 * Its embeddings are weights of the model, held per thread (not the zoo's shared tables).
 */
export class ImportedModel implements Model {
  readonly backend: string;
  readonly #arch: ImportedArch;
  /** The tensors layout's signature (infer); undefined for the ranking layout (score). */
  readonly tensors: ImportedTensorsArch | undefined;
  /** Each sparse input's columns in an item's ids. */
  readonly #columns: { offset: number; width: number }[];
  #disposed = false;

  private constructor(
    readonly config: ModelConfig,
    private readonly loaded: Loaded,
  ) {
    if (!isImported(config)) throw new HeraError('INTERNAL', `model ${config.name} is not an imported model`);
    this.#arch = config.arch;
    this.tensors = config.arch.layout === 'tensors' ? config.arch : undefined;
    this.backend = tfjs().getBackend();
    let t = 0;
    let off = 0;
    this.#columns = (config.arch.layout === 'tensors' ? [] : config.arch.sparse).map(s => {
      const offset = off;
      for (let i = 0; i < s.tables; i++) off += config.tables[t++]!.lookups;
      return { offset, width: off - offset };
    });
  }

  /** Loads a model's version from the repository (default: the current one). */
  static async load(repo: string, name: string, opts: { version?: string; log?: Logger } = {}): Promise<ImportedModel> {
    const started = Date.now();
    const config = await readModelConfig(repo, name, opts.version);
    const model = await ImportedModel.fromDirectory(versionDir(repo, name, config.version), config);
    opts.log?.info(
      {
        model: name,
        version: config.version,
        backend: model.backend,
        kind: model.loaded.kind,
        ms: Date.now() - started,
      },
      `loaded imported ${name} version ${config.version} (${model.loaded.kind}) on ${model.backend}`,
    );
    return model;
  }

  /** Loads the artifacts in `dir` for `config` (also how an import checks that TF.js takes them). */
  static async fromDirectory(dir: string, config: ModelConfig): Promise<ImportedModel> {
    if (!isImported(config))
      throw new HeraError('PRECONDITION', `model ${config.name} is a zoo model: load it with loadModel`);
    if (!tfjs().engine().backendName) await selectBackend();
    const handler = directoryHandler(dir);
    if (config.arch.kind === 'graph-model') {
      const model = await converter().loadGraphModel(handler);
      const dtypes = new Map<string, TF.DataType>(model.inputs.map(i => [i.name, i.dtype]));
      return new ImportedModel(config, { kind: 'graph-model', model, dtypes });
    }
    const model = await layers().loadLayersModel(handler);
    // A Sequential model lists no input names (its one input is named after its first layer, made
    // unique on load): its one input is the one the signature maps.
    const a = config.arch;
    const mapped =
      a.layout === 'tensors'
        ? a.inputs.map(i => i.name)
        : [...(a.dense ? [a.dense] : []), ...a.sparse.map(s => s.input)];
    const order = model.inputNames.length ? model.inputNames : mapped.slice(0, 1);
    const dtypes = new Map<string, TF.DataType>(order.map((n, i) => [n, model.inputs[i]!.dtype]));
    return new ImportedModel(config, { kind: 'layers-model', model, dtypes, order });
  }

  /** One score per item, in item order: the model's score output, as it computes it. */
  score(batch: ValidBatch): Float32Array {
    if (this.#disposed) throw new HeraError('UNAVAILABLE', `model ${this.config.name} was unloaded`);
    if (this.#arch.layout === 'tensors')
      throw new HeraError(
        'PRECONDITION',
        `model ${this.config.name} takes named tensors, not the ranking layout: use ModelInfer`,
      );
    const a: ImportedRankingArch = this.#arch;
    const n = batch.count;
    if (n === 0) return new Float32Array(0);
    const tf = tfjs();
    const ids = this.config.idsPerItem;
    let result: TF.Tensor;
    try {
      // Return the tensor out of tidy and read it after (see InferenceModel.forwardDense).
      result = tf.tidy(() => {
        const feeds: Record<string, TF.Tensor> = {};
        if (a.dense) feeds[a.dense] = tf.tensor2d(batch.dense, [n, this.config.denseDim]);
        const all = a.sparse.length ? tf.tensor2d(batch.ids, [n, ids], 'int32') : undefined;
        a.sparse.forEach((s, i) => {
          const { offset, width } = this.#columns[i]!;
          const cols = width === ids ? all! : tf.slice(all!, [0, offset], [n, width]);
          // A Keras Input for ids is often float32: ids are exact in float32 up to 2^24 (checked at import).
          const dtype = this.loaded.dtypes.get(s.input) ?? 'int32';
          feeds[s.input] = dtype === 'int32' ? cols : tf.cast(cols, dtype);
        });
        const out = this.#run(feeds, [a.score])[0]!;
        if (out.size !== n)
          throw new HeraError(
            'INTERNAL',
            `model ${this.config.name}: output ${a.score} has shape [${out.shape.join(', ')}], expected ${n} scores`,
          );
        return tf.cast(tf.reshape(out, [n]), 'float32');
      });
    } catch (err) {
      if (err instanceof HeraError) throw err;
      throw new HeraError('INTERNAL', `model ${this.config.name}: TF.js failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      return result.dataSync() as Float32Array;
    } finally {
      result.dispose();
    }
  }

  /**
   * The tensors layout: runs the model on named input tensors (checked by checkTensors) and
   * returns the outputs asked for (default: every declared one), in the declared datatypes,
   * as little-endian bytes [rows, …declared dims].
   */
  infer(inputs: readonly NamedTensor[], outputs?: readonly string[]): NamedTensor[] {
    if (this.#disposed) throw new HeraError('UNAVAILABLE', `model ${this.config.name} was unloaded`);
    const sig = this.tensors;
    if (!sig) throw new HeraError('PRECONDITION', `model ${this.config.name} has the ranking layout: score it (Rank)`);
    const specs = outputs?.length ? outputs.map(n => sig.outputs.find(o => o.name === n)!) : sig.outputs;
    const tf = tfjs();
    const rows = inputs[0]?.shape[0] ?? 0;
    let results: TF.Tensor[];
    try {
      results = tf.tidy(() => {
        const outs = this.#run(
          this.#feeds(inputs),
          specs.map(s => s.name),
        );
        return outs.map((o, i) => {
          const spec = specs[i]!;
          const want = [rows, ...spec.shape.slice(1)];
          if (o.size !== rows * rowSize(spec))
            throw new HeraError(
              'INTERNAL',
              `model ${this.config.name}: output ${spec.name} has shape [${o.shape.join(', ')}], its signature says [${want.join(', ')}]`,
            );
          return tf.cast(o, spec.datatype === 'FP32' ? 'float32' : 'int32');
        });
      });
    } catch (err) {
      if (err instanceof HeraError) throw err;
      throw new HeraError('INTERNAL', `model ${this.config.name}: TF.js failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      return results.map((r, i) => {
        const v = r.dataSync() as Float32Array | Int32Array;
        const spec = specs[i]!;
        return {
          name: spec.name,
          datatype: spec.datatype,
          shape: [rows, ...spec.shape.slice(1)],
          // A copy of its own: the caller may transfer it to another thread.
          data: new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)),
        };
      });
    } finally {
      for (const r of results) r.dispose();
    }
  }

  /** The shapes and dtypes TF.js gives for outputs `names` on these inputs (the import's check). */
  rawOutputs(inputs: readonly NamedTensor[], names: readonly string[]): { shape: number[]; dtype: string }[] {
    const tf = tfjs();
    return tf.tidy(() => this.#run(this.#feeds(inputs), names).map(o => ({ shape: [...o.shape], dtype: o.dtype })));
  }

  /** Named tensors as the model's feeds (inside a tidy): each cast to its model input's dtype. */
  #feeds(inputs: readonly NamedTensor[]): Record<string, TF.Tensor> {
    const tf = tfjs();
    const feeds: Record<string, TF.Tensor> = {};
    for (const t of inputs) {
      const x = tf.tensor(tensorValues(t), t.shape, t.datatype === 'FP32' ? 'float32' : 'int32');
      // A Keras Input for ids is often float32: ids are exact in float32 up to 2^24 (checked at import).
      const want = this.loaded.dtypes.get(t.name) ?? x.dtype;
      feeds[t.name] = want === x.dtype ? x : tf.cast(x, want);
    }
    return feeds;
  }

  /** The model's outputs named `names`, in that order. */
  #run(feeds: Record<string, TF.Tensor>, names: readonly string[]): TF.Tensor[] {
    if (this.loaded.kind === 'graph-model') {
      const out = this.loaded.model.execute(feeds, [...names]);
      return Array.isArray(out) ? out : [out];
    }
    const m = this.loaded.model;
    const outs = m.predictOnBatch(this.loaded.order.map(name => feeds[name]!));
    const list = Array.isArray(outs) ? outs : [outs];
    // A Sequential model lists no output names either: its one output is the one asked for.
    return names.map(n => list[m.outputNames.length ? m.outputNames.indexOf(n) : 0]!);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.loaded.model.dispose();
  }
}

/**
 * Loads a model for TF.js serving, whichever kind it is: an imported model with TF.js's own
 * loaders, a zoo model with the embedding-bag engine over `opts.tables` (loadModel).
 */
export async function loadTfjsModel(repo: string, name: string, opts: LoadModelOptions = {}): Promise<Model> {
  const config = await readModelConfig(repo, name, opts.version ?? opts.tables?.version);
  if (isImported(config)) return ImportedModel.load(repo, name, { version: config.version, log: opts.log });
  return loadModel(repo, name, opts);
}
