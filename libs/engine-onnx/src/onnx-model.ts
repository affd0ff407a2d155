import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { HeraError } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { requireZoo, type ModelConfig, type ValidBatch } from '@hera/model-schema';
import {
  bagTables,
  bagLayout,
  embeddingBag,
  loadTables,
  readModelConfig,
  readModelJson,
  releaseBagLayout,
  versionDir,
  type BagLayout,
  type SharedTables,
} from '@hera/models';
import { ONNX_FILES } from './build-onnx';
import { onnxRuntime } from './runtime';
import { tableLocation, type BagPlacement } from './zoo-graph';

/**
 * Where each zoo model's embedding bag runs by default: the faster of the two at batch 64 with
 * 0.5 GB of tables, over two runs of `npm run bench -- onnx-bag` (figures in the package README).
 * rmc3 and wnd were within noise in one of the two runs. Other models use `kernel`. rmc2 moved
 * to `kernel` with the touch-pass kernel (wasm-bag.ts): 4,935 against 2,947 samples/s on the
 * graph (0.25 GB, 2026-12-05 23:56 UTC, `--table-gb 0.25 --rounds 2`); in that run the kernel was
 * also ahead on ncf, wnd, mtwnd and dien, but by 2-4 %, within noise, so those stay as they were.
 */
export const DEFAULT_BAG: Readonly<Record<string, BagPlacement>> = {
  rmc1: 'kernel',
  rmc2: 'kernel',
  rmc3: 'kernel',
  ncf: 'graph',
  wnd: 'graph',
  mtwnd: 'graph',
  din: 'kernel',
  dien: 'graph',
};

export interface LoadOnnxModelOptions {
  /** Version to load (default: the current one in config.json). */
  version?: string;
  /** Tables already loaded (by `loadTables`, typically in another thread and posted here). */
  tables?: SharedTables;
  /** Where the embedding bag runs (default DEFAULT_BAG[name], else `kernel`). */
  bag?: BagPlacement;
  /** Module to load ONNX Runtime from (default onnxruntime-node; see runtime.ts). */
  runtimeModule?: string;
  log?: Logger;
}

/**
 * A zoo model on ONNX Runtime (CPU execution provider): the same surface as @hera/models'
 * `Model`, except that **`score` is asynchronous** (onnxruntime-node runs a session only through
 * a promise). One per worker thread: one intra-op and one inter-op thread, so a worker stays one
 * core.
 */
export class OnnxModel {
  readonly backend = 'onnxruntime';
  private pooled = new Float32Array(0);
  private disposed = false;
  /** Unshared copies of inputs that arrive on shared memory (see #own). */
  #scratch = { dense: new Float32Array(0), ids: new Int32Array(0) };

  private constructor(
    readonly config: ModelConfig,
    readonly tables: SharedTables,
    readonly bag: BagPlacement,
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    private readonly layout: BagLayout | undefined,
  ) {}

  static async load(repo: string, name: string, opts: LoadOnnxModelOptions = {}): Promise<OnnxModel> {
    const started = Date.now();
    const ort = onnxRuntime({ module: opts.runtimeModule });
    const config = requireZoo(
      await readModelConfig(repo, name, opts.version ?? opts.tables?.version),
      'ONNX Runtime serving',
    );
    const bag = opts.bag ?? DEFAULT_BAG[name] ?? 'kernel';
    const path = join(versionDir(repo, name, config.version), ONNX_FILES[bag]);
    if (!existsSync(path))
      throw new HeraError(
        'NOT_FOUND',
        `model ${name} version ${config.version} has no ONNX graph ${ONNX_FILES[bag]} (hera models build --format onnx)`,
      );
    const tables = opts.tables ?? (await loadTables(repo, name, config.version));
    const why = sameTables(config, tables);
    if (why) throw new HeraError('INVALID_ARGUMENT', `model ${name}: ${why}`);
    const options: Ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    let layout: BagLayout | undefined;
    if (bag === 'graph') {
      // The tables are the graph's external initializers: ORT gets the shared memory itself and,
      // with buffers used directly, keeps no copy (measured, README). A SharedArrayBuffer-backed
      // tensor cannot be a run input instead: onnxruntime-node rejects it ("Invalid argument").
      const manifest = (await readModelJson(repo, name, config.version)).embeddingTables;
      options.externalData = config.tables.map((_, i) => {
        const data = tables.tables[i]!.data;
        return {
          path: tableLocation(manifest[i]!),
          data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        };
      });
      options.extra = { session: { use_external_initializer_file_buffers_directly: '1' } };
    } else {
      layout = bagLayout(bagTables(config, tables));
    }
    const session = await ort.InferenceSession.create(path, options);
    const model = new OnnxModel(config, tables, bag, ort, session, layout);
    opts.log?.info(
      { model: name, version: config.version, backend: model.backend, bag, ms: Date.now() - started },
      `loaded ${name} version ${config.version} on onnxruntime (bag ${bag})`,
    );
    return model;
  }

  /**
   * Scores a batch validated by `validateBatch` (once per process, as the TF.js model's):
   * one value in [0, 1] per item, in item order. Asynchronous, unlike the TF.js model's.
   */
  async score(batch: ValidBatch): Promise<Float32Array> {
    if (this.disposed) throw new HeraError('UNAVAILABLE', `model ${this.config.name} was unloaded`);
    const count = batch.count;
    if (count === 0) return new Float32Array(0);
    const { Tensor } = this.ort;
    const feeds: Record<string, Ort.Tensor> = {};
    if (this.config.denseDim > 0)
      feeds.dense = new Tensor('float32', this.#own(batch.dense, 'dense'), [count, this.config.denseDim]);
    if (this.layout) {
      const n = count * this.layout.width;
      if (this.pooled.length < n) this.pooled = new Float32Array(Math.max(n, 2 * this.pooled.length));
      const pooled = this.pooled.subarray(0, n);
      embeddingBag(this.layout, count, batch.ids, pooled);
      feeds.pooled = new Tensor('float32', pooled, [count, this.layout.width]);
    } else {
      feeds.sparse = new Tensor('int32', this.#own(batch.ids, 'ids'), [count, this.config.idsPerItem]);
    }
    const out = await this.session.run(feeds);
    return out.score!.data as Float32Array;
  }

  /**
   * The input itself, or a copy in this model's own memory where it lives on a SharedArrayBuffer
   * (a tenant host's request slot): onnxruntime-node refuses such a tensor as a run input
   * ("Invalid argument"). The copy is a few KB per sub-batch.
   */
  #own(a: Float32Array, which: 'dense'): Float32Array;
  #own(a: Int32Array, which: 'ids'): Int32Array;
  #own(a: Float32Array | Int32Array, which: 'dense' | 'ids'): Float32Array | Int32Array {
    if (!(a.buffer instanceof SharedArrayBuffer)) return a;
    if (this.#scratch[which].length < a.length) {
      const n = Math.max(a.length, 2 * this.#scratch[which].length);
      if (which === 'dense') this.#scratch.dense = new Float32Array(n);
      else this.#scratch.ids = new Int32Array(n);
    }
    const view = this.#scratch[which].subarray(0, a.length);
    view.set(a);
    return view;
  }

  /** Frees the session and the thread's scratch slots. The shared tables are left alone. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.layout) releaseBagLayout(this.layout);
    await this.session.release();
  }
}

function sameTables(config: ModelConfig, tables: SharedTables): string | undefined {
  if (tables.model !== config.name || tables.version !== config.version) {
    return `tables are for ${tables.model} version ${tables.version}, not ${config.name} version ${config.version}`;
  }
  for (let i = 0; i < config.tables.length; i++) {
    const c = config.tables[i]!;
    const s = tables.tables[i];
    if (!s || s.name !== c.name || s.rows !== c.rows || s.dim !== c.dim)
      return `table ${i} does not match the config's ${c.name} ${c.rows} × ${c.dim}`;
  }
  return tables.tables.length === config.tables.length
    ? undefined
    : `${tables.tables.length} tables, config has ${config.tables.length}`;
}
