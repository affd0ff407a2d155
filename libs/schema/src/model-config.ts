import { HeraError } from '@hera/errors';
import { idsPerItem } from './batch';
import { checkDenseEncoding, denseDatatypeOf, type DenseDatatype, type DenseEncoding } from './dense-datatype';
import { modelCost } from './zoo-cost';
import type { TensorSignature, TensorSpec } from './tensors';
import { scaledRows, type DominantOp, type TablePooling, type ZooArch, type ZooModelSpec } from './zoo';

/**
 * A model a user brought (`hera models import`): TF.js converter output, run by TF.js's own
 * loaders, with the signature that maps its inputs and output to the ranking layout. The item's
 * ids are `config.tables` in order: sparse input i takes the next `sparse[i].tables` tables'
 * lookups (a table per vocabulary, so the one batch validator checks every id's range).
 */
export type ImportedArch = ImportedRankingArch | ImportedTensorsArch;

/** The ranking layout (absent `layout`: records written before the tensors layout existed). */
export interface ImportedRankingArch {
  readonly family: 'imported';
  readonly layout?: 'ranking';
  /** Which TF.js loader reads it: tfjs-converter's loadGraphModel or tfjs-layers' loadLayersModel. */
  readonly kind: 'graph-model' | 'layers-model';
  /**
   * The input taking the dense features, FP32 [-1, denseDim] (the config's denseDatatype is
   * what the wire carries; the host widens it to FP32); absent when the model takes none.
   */
  readonly dense?: string;
  /** The inputs taking the ids, INT32 [-1, Σ lookups of its tables], in id-layout order. */
  readonly sparse: readonly { readonly input: string; readonly tables: number }[];
  /** The output holding one score per item ([-1] or [-1, 1]). */
  readonly score: string;
}

/**
 * An imported model without the ranking layout: served by named tensors only (ModelInfer), its
 * inputs and outputs as its signature declares them; rows are its items. Rank refuses it.
 */
export interface ImportedTensorsArch extends TensorSignature {
  readonly family: 'imported';
  readonly layout: 'tensors';
  readonly kind: 'graph-model' | 'layers-model';
}

/** Whether a config is an imported model served by named tensors (no ranking layout). */
export function isTensorsModel(config: { arch: ModelArch }): config is { arch: ImportedTensorsArch } {
  return config.arch.family === 'imported' && config.arch.layout === 'tensors';
}

/** A model's architecture: one of the zoo's, or an imported TF.js model's signature. */
export type ModelArch = ZooArch | ImportedArch;

/**
 * The config itself, typed as a zoo model's; PRECONDITION naming `what` for an imported model:
 * the consumers built on the zoo's layer layout (the embedding-bag engine, ONNX builds, the
 * roofline) refuse it here instead of failing somewhere inside.
 */
export function requireZoo<C extends { name: string; arch: ModelArch }>(
  config: C,
  what: string,
): C & { arch: ZooArch } {
  if (config.arch.family === 'imported')
    throw new HeraError(
      'PRECONDITION',
      `model ${config.name} is an imported TF.js ${config.arch.kind}: ${what} covers the zoo's models only`,
    );
  return config as C & { arch: ZooArch };
}

/** Whether a config describes an imported TF.js model (served by TF.js's loaders, not the zoo engine). */
export function isImported(config: { arch: ModelArch }): config is { arch: ImportedArch } {
  return config.arch.family === 'imported';
}

/**
 * The engines a model can be served on: TF.js (the tables' own kernel, then TF.js's dense
 * layers, on the wasm, tensorflow or cpu backend) or ONNX Runtime (libs/engine-onnx: model.onnx
 * beside model.json, built by `hera models build --format onnx`).
 */
export const MODEL_ENGINES = ['tfjs', 'onnx'] as const;
export type ModelEngine = (typeof MODEL_ENGINES)[number];

/**
 * The engine a host's reported backend belongs to (`TenantStatus.backend`): "onnxruntime" is
 * ONNX Runtime's; every other name is a TF.js backend ("wasm", "tensorflow", "cpu"). An empty or
 * absent backend is TF.js too: records written before ONNX Runtime was added name none, and
 * TF.js was then the only engine.
 */
export function engineOfBackend(backend: string | undefined): ModelEngine {
  return backend === 'onnxruntime' || backend === 'onnx' ? 'onnx' : 'tfjs';
}

/** Format tag of config.json; bump on incompatible changes. */
export const MODEL_CONFIG_FORMAT = 'hera-model/1';

export interface ModelTableConfig {
  name: string;
  /** Rows in this build (the zoo's rows × scale, at least 1). */
  rows: number;
  /** Ids per item. */
  lookups: number;
  dim: number;
  pooling: TablePooling;
}

/**
 * A built model's config.json: the input schema clients must send, the output, the serving
 * defaults, and how it was built. `ModelRecord` (the cluster registry's view) is a subset; use
 * `toModelRecord`.
 */
export interface ModelConfig extends DenseEncoding {
  format: typeof MODEL_CONFIG_FORMAT;
  name: string;
  version: string;
  title: string;
  family: ModelArch['family'];
  /** Factor applied to every table's rows; dims, lookups and layers are never scaled (imported: 1). */
  scale: number;
  /** Seed of the deterministic random weights (imported: 0, the weights are the user's). */
  seed: number;
  /** Dense features per item (0: the model takes none, send an empty dense input). */
  denseDim: number;
  /** Embedding tables in input order. */
  tables: ModelTableConfig[];
  /** Σ lookups over tables: ids per item, laid out table by table in `tables` order. */
  idsPerItem: number;
  /**
   * Input schema in Open Inference Protocol terms; -1 is the item count. The dense input's
   * datatype is `denseDatatype` (FP32, FP16 or INT8: what clients send; the model computes in FP32).
   */
  inputs: { name: 'dense' | 'sparse'; datatype: 'FP32' | 'FP16' | 'INT8' | 'INT32'; shape: number[] }[] | TensorSpec[];
  /** The ranking layout's one output; absent for a tensors-layout model (its `arch.outputs`). */
  output?: {
    name: 'score';
    datatype: 'FP32';
    shape: number[];
    /** `model`: the imported model's own output, taken as it is. */
    activation: 'sigmoid' | 'softmax' | 'model';
    logits: number;
    combine: 'single' | 'positive-class' | 'mean-of-tasks';
  };
  arch: ModelArch;
  /** Default p95 latency SLA, milliseconds. */
  slaMs: number;
  /** Default items per inference call. */
  subBatchSize: number;
  dominant: DominantOp;
  /**
   * The prior class from the zoo (profiling measures the real one); for an imported model, a
   * guess from its sizes (embedding bytes over dense weight bytes).
   */
  expectedKind: 'memory-bound' | 'compute-bound';
  /** Measured class, when a profiler has recorded one in this file. */
  kind?: 'memory-bound' | 'compute-bound';
  /** Bytes of the embedding tables. */
  tableBytes: number;
  /** Bytes of the dense weights. */
  weightBytes: number;
  /** Bytes of the version directory on disk (model.json, weight and table shards). */
  sizeBytes: number;
  /** How DESIGN §5's row for this model was read. */
  reading: string;
  /**
   * The engine that serves it (absent: tfjs). A host whose ONNX Runtime cannot load serves an
   * onnx model on TF.js instead, and its status says which one runs.
   */
  engine?: ModelEngine;
}

/** The config of a model built from a zoo spec; `sizeBytes` is filled in once files exist. */
export function configFromSpec(
  spec: ZooModelSpec,
  opts: { scale: number; seed: number; version: string; dense?: DenseEncoding },
): ModelConfig {
  const dense = checkDenseEncoding(opts.dense ?? {}, spec.denseDim, 'dense datatype');
  const tables = spec.tables.map(t => ({
    name: t.name,
    rows: scaledRows(t.rows, opts.scale),
    lookups: t.lookups,
    dim: t.dim,
    pooling: t.pooling,
  }));
  const ids = idsPerItem(tables);
  const cost = modelCost(spec, opts.scale);
  return {
    format: MODEL_CONFIG_FORMAT,
    name: spec.name,
    version: opts.version,
    title: spec.title,
    family: spec.arch.family,
    scale: opts.scale,
    seed: opts.seed,
    denseDim: spec.denseDim,
    ...dense,
    tables,
    idsPerItem: ids,
    inputs: [
      { name: 'dense', datatype: denseDatatypeOf(dense), shape: [-1, spec.denseDim] },
      { name: 'sparse', datatype: 'INT32', shape: [-1, ids] },
    ],
    output: { name: 'score', datatype: 'FP32', shape: [-1], ...spec.output },
    arch: spec.arch,
    slaMs: spec.slaMs,
    subBatchSize: spec.subBatchSize,
    dominant: spec.dominant,
    expectedKind: spec.expectedKind,
    tableBytes: cost.tableBytes,
    weightBytes: cost.weightBytes,
    sizeBytes: 0,
    reading: spec.reading,
  };
}

/**
 * A model known to the cluster (from the model repository), as served to clients: the registry's
 * record (`{p}:models` in Redis, @hera/state's ModelStore), a subset of `ModelConfig`.
 */
export interface ModelRecord extends DenseEncoding {
  name: string;
  version: string;
  /** Dense features per item. */
  denseDim: number;
  /** Embedding tables in input order. */
  tables: { name: string; rows: number; lookups: number; dim: number }[];
  /** p95 latency target, milliseconds. */
  slaMs: number;
  /** Default items per sub-batch. */
  subBatchSize: number;
  /** From the model's profile, when profiled. */
  kind?: 'memory-bound' | 'compute-bound';
  /** Bytes of weights and tables. */
  sizeBytes: number;
  /**
   * The engine its config names (`ModelConfig.engine`); absent: tfjs. Placement plans a model
   * only from profiles measured on this engine.
   */
  engine?: ModelEngine;
  /**
   * Absent: the tables are loaded once per host and shared by its inference threads (the zoo).
   * false: every thread holds them, as weights of its own TF.js model (imported models), so the
   * memory model counts them per worker, not per host.
   */
  sharedTables?: false;
  /** Which versions may be served, as Triton's version_policy; absent: latest 1. */
  versionPolicy?: VersionPolicy;
  /**
   * Every version served, newest last, when the policy serves more than one (absent: just
   * `version`). `version` is the newest: the one unversioned queries get, whose profile and
   * schema stand for the others (every served version takes the same inputs). `sizeBytes` is
   * then the sum over them, since every host loads them all.
   */
  versions?: string[];
  /**
   * Set by the registry's UnloadModel (Triton's unload): out of service (not planned, the
   * gateway answers UNAVAILABLE "unloaded") but still in the repository; LoadModel clears it.
   */
  unloaded?: true;
  /**
   * An imported model without the ranking layout (ImportedTensorsArch): the named tensors it
   * takes and gives. Rank refuses such a model; ModelInfer takes these tensors.
   */
  tensors?: TensorSignature;
}

/** Triton's ModelVersionPolicy over our string versions. */
export type VersionPolicy = { latest: number } | { all: true } | { specific: string[] };

/**
 * Most versions of one model served at once: every tenant host loads every served version
 * (memory × versions, warm-up × versions), so a policy may not grow that without bound.
 */
export const MAX_SERVED_VERSIONS = 4;

/**
 * Why a policy cannot be served whatever the repository holds (undefined when it can):
 * latest below 1, an empty or oversized specific list. `servedVersions` checks the rest
 * against the versions present.
 */
export function unservablePolicy(p: VersionPolicy): string | undefined {
  if ('all' in p) return undefined;
  if ('latest' in p) {
    if (!Number.isInteger(p.latest) || p.latest < 1) return `latest ${p.latest}: must be at least 1`;
    if (p.latest > MAX_SERVED_VERSIONS)
      return `latest ${p.latest}: at most ${MAX_SERVED_VERSIONS} versions of a model are served at once`;
    return undefined;
  }
  if (p.specific.length === 0) return 'specific: names no version';
  const bad = p.specific.find(v => !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v));
  if (bad !== undefined) return `specific: ${JSON.stringify(bad)} is not a valid version`;
  const distinct = new Set(p.specific).size;
  if (distinct > MAX_SERVED_VERSIONS)
    return `specific: ${distinct} versions; at most ${MAX_SERVED_VERSIONS} versions of a model are served at once`;
  return undefined;
}

/**
 * The versions a policy serves out of those present, newest last, or why none can be:
 * a specific version the repository does not hold or nothing allowed (`absent`), or more
 * than MAX_SERVED_VERSIONS (`all` over a large repository).
 */
export function servedVersions(
  p: VersionPolicy | undefined,
  present: readonly string[],
): { versions: string[] } | { why: string; absent?: true } {
  const policyWhy = p && unservablePolicy(p);
  if (policyWhy) return { why: policyWhy };
  if (p && 'specific' in p) {
    const missing = p.specific.filter(v => !present.includes(v));
    if (missing.length)
      return {
        why: `specific: version${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not in the repository (it holds ${sortVersions(present).join(', ') || 'none'})`,
        absent: true,
      };
  }
  const versions = allowedVersions(p, present);
  if (versions.length === 0)
    return { why: `${describePolicy(p)} allows none of the versions (${present.join(', ') || 'none'})`, absent: true };
  if (versions.length > MAX_SERVED_VERSIONS)
    return {
      why: `${describePolicy(p)} would serve ${versions.length} versions (${versions.join(', ')}); at most ${MAX_SERVED_VERSIONS} are served at once: use latest N or specific`,
    };
  return { versions };
}

/**
 * A tenant's version field names the set of versions its host serves, comma-joined, newest
 * last ("1,2"): the plan, the node agent and the host's ready message carry it as one string,
 * so a change of the set is a version change, rolled make-before-break like any other. A
 * version name never holds a comma (see unservablePolicy's pattern and the import's).
 */
export function joinVersions(versions: readonly string[]): string {
  return versions.join(',');
}

/** The versions a tenant's version field names, newest last (empty for ''). */
export function splitVersions(field: string): string[] {
  return field ? field.split(',').filter(v => v !== '') : [];
}

/**
 * A record rebuilt from the repository's config (`hera up` registers the repository's models on
 * every start) with what only the cluster knows carried over from the stored record: the
 * version policy and an unload, always; the measured class and a served version set while the
 * stored record's newest version is still the config's (a new version is unprofiled, and the
 * registry computes a new set). Without this a restart dropped all four.
 */
export function keepRegistryFields(built: ModelRecord, stored: ModelRecord | undefined): ModelRecord {
  if (!stored || stored.name !== built.name) return built;
  const out: ModelRecord = { ...built };
  if (stored.versionPolicy) out.versionPolicy = stored.versionPolicy;
  if (stored.unloaded) out.unloaded = true;
  if (stored.version === built.version) {
    const kind = stored.kind ?? built.kind;
    if (kind) out.kind = kind;
    if (stored.versions?.length) {
      out.versions = [...stored.versions];
      out.sizeBytes = stored.sizeBytes;
    }
  }
  return out;
}

/** The versions a model record serves, newest last (`versions`, else its one `version`). */
export function recordVersions(r: { version: string; versions?: readonly string[] }): string[] {
  return r.versions?.length ? [...r.versions] : [r.version];
}

/** Numeric versions by number, others after them by name; newest last. */
export function sortVersions(versions: readonly string[]): string[] {
  const num = (v: string) => (/^\d+$/.test(v) ? Number(v) : Number.POSITIVE_INFINITY);
  return [...versions].sort((a, b) => num(a) - num(b) || a.localeCompare(b));
}

/** The versions a policy allows out of those present, newest last. */
export function allowedVersions(p: VersionPolicy | undefined, present: readonly string[]): string[] {
  const sorted = sortVersions(present);
  if (!p) return sorted.slice(-1);
  if ('all' in p) return sorted;
  if ('latest' in p) return sorted.slice(-Math.max(1, p.latest));
  return sorted.filter(v => p.specific.includes(v));
}

/** A policy in words, for listings and errors. */
export function describePolicy(p: VersionPolicy | undefined): string {
  if (!p) return 'latest 1';
  if ('all' in p) return 'all';
  if ('latest' in p) return `latest ${p.latest}`;
  return `specific ${p.specific.join(',')}`;
}

/**
 * The registry record of a built model. `kind` is only set from a measured profile (the
 * argument, else the config's own `kind`), never from the zoo's prior.
 */
export function toModelRecord(config: ModelConfig, kind?: ModelRecord['kind']): ModelRecord {
  const record: ModelRecord = {
    name: config.name,
    version: config.version,
    denseDim: config.denseDim,
    tables: config.tables.map(t => ({ name: t.name, rows: t.rows, lookups: t.lookups, dim: t.dim })),
    slaMs: config.slaMs,
    subBatchSize: config.subBatchSize,
    sizeBytes: config.sizeBytes,
  };
  const k = kind ?? config.kind;
  if (k) record.kind = k;
  if (config.engine) record.engine = config.engine;
  // Absent: FP32 (records written before the datatype could be chosen read so too).
  if (config.denseDatatype && config.denseDatatype !== 'FP32') record.denseDatatype = config.denseDatatype;
  if (config.denseQuant) record.denseQuant = config.denseQuant;
  if (isImported(config)) record.sharedTables = false;
  if (isTensorsModel(config)) record.tensors = { inputs: config.arch.inputs, outputs: config.arch.outputs };
  return record;
}

/**
 * What versions of a model must share to answer the same queries, served side by side (a
 * policy selecting several) or one rolling out over the other: the gateway checks one schema
 * per model. A ModelRecord has these fields; `inputsOf` takes them from a config.
 */
export interface ModelInputs {
  denseDim: number;
  denseDatatype?: DenseDatatype | undefined;
  tables: readonly { name: string; rows: number; lookups: number }[];
  tensors?: TensorSignature | undefined;
}

/** A config's inputs (ModelInputs), its tensors signature included. */
export function inputsOf(c: ModelConfig): ModelInputs {
  return {
    denseDim: c.denseDim,
    denseDatatype: c.denseDatatype,
    tables: c.tables,
    tensors: isTensorsModel(c) ? { inputs: c.arch.inputs, outputs: c.arch.outputs } : undefined,
  };
}

/** Why `next` cannot take the queries `from` takes, as "what: from → next" ('' when it can). */
export function inputsDiffer(from: ModelInputs, next: ModelInputs): string {
  if (from.denseDim !== next.denseDim) return `dense width ${from.denseDim} → ${next.denseDim}`;
  const dt = (m: ModelInputs) => m.denseDatatype ?? 'FP32';
  if (dt(from) !== dt(next)) return `dense datatype ${dt(from)} → ${dt(next)}`;
  const tables = (m: ModelInputs) => m.tables.map(t => `${t.name}:${t.rows}×${t.lookups}`).join(', ');
  if (tables(from) !== tables(next)) return `embedding tables (rows×lookups) [${tables(from)}] → [${tables(next)}]`;
  const specs = (l: readonly TensorSpec[] | undefined) =>
    (l ?? [])
      .map(t => `${t.name} ${t.datatype} [${t.shape.join(', ')}]${t.range ? ` in [${t.range.join(', ')})` : ''}`)
      .join('; ');
  for (const side of ['inputs', 'outputs'] as const) {
    const [a, b] = [specs(from.tensors?.[side]), specs(next.tensors?.[side])];
    if (a !== b)
      return `named tensor ${side} (${a || 'none: the ranking layout'}) → (${b || 'none: the ranking layout'})`;
  }
  return '';
}
