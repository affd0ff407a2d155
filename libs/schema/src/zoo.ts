/**
 * The model zoo: the eight DeepRecSys/DeepRecInfra recommendation models of DESIGN §5, as pure
 * data (no I/O, no TensorFlow.js). The repository builder, the inference engine, the roofline
 * profile generator and the CLI all read these specs, so the shape of this module is a contract:
 * add fields, do not rename or remove them.
 *
 * Rows are the full-scale counts; a repository built with `scale` s has
 * `max(1, round(rows × s))` rows per table and everything else unchanged (see `scaledRows`).
 */

export type ZooModelName = 'rmc1' | 'rmc2' | 'rmc3' | 'ncf' | 'wnd' | 'mtwnd' | 'din' | 'dien';

/** How a table's lookups for one item are combined. */
export type TablePooling =
  /** Sum-pooled (embedding bag): the item gets one `dim`-wide vector per table. */
  | 'sum'
  /** Kept apart: the item gets `lookups × dim` values, one vector per lookup (DIN's behaviours). */
  | 'none';

export interface ZooTableSpec {
  readonly name: string;
  /** Rows at scale 1. */
  readonly rows: number;
  /** Ids per item in this table. */
  readonly lookups: number;
  readonly dim: number;
  readonly pooling: TablePooling;
}

/**
 * Widths of a fully connected stack: `widths[0]` is the input width, each later number one
 * layer's output width. Hidden layers use ReLU; the last layer of a stack that ends in the
 * model's output is linear (the output activation is applied by the model).
 */
export type LayerWidths = readonly number[];

/** DLRM (RMC1–3): bottom MLP on the dense features, concatenation interaction, top MLP. */
export interface DlrmArch {
  readonly family: 'dlrm';
  readonly bottom: LayerWidths;
  readonly interaction: 'cat';
  readonly top: LayerWidths;
}

/** NeuMF: a matrix-factorisation branch and an MLP branch over user/item embeddings. */
export interface NcfArch {
  readonly family: 'ncf';
  /** Tables whose embeddings are multiplied elementwise (user, item). */
  readonly mfTables: readonly [string, string];
  /** Tables whose embeddings are concatenated into the MLP branch (user, item). */
  readonly mlpTables: readonly [string, string];
  readonly mlp: LayerWidths;
  readonly top: LayerWidths;
}

/** Wide & Deep: a linear (wide) part on the dense features plus a deep MLP. */
export interface WndArch {
  readonly family: 'wnd';
  readonly wide: LayerWidths;
  readonly deep: LayerWidths;
}

/** Multi-task Wide & Deep: shared deep layers, one tower (and one wide unit) per task. */
export interface MtwndArch {
  readonly family: 'mtwnd';
  readonly tasks: number;
  /** Input width then one output per task. */
  readonly wide: LayerWidths;
  readonly shared: LayerWidths;
  /** One task tower: input (the shared output) … 1. */
  readonly tower: LayerWidths;
}

/** Deep Interest Network: an attention unit weighs each behaviour against the candidate ad. */
export interface DinArch {
  readonly family: 'din';
  /** Sum-pooled tables fed straight to the top MLP, in table order. */
  readonly pooledTables: readonly string[];
  /** The table holding the behaviour sequence (pooling 'none'). */
  readonly behaviourTable: string;
  /** The table whose pooled embedding is the candidate ad the behaviours are weighed against. */
  readonly candidateTable: string;
  /** Attention unit: input concat(behaviour, ad, behaviour ⊙ ad) … 1 weight. */
  readonly attention: LayerWidths;
  readonly top: LayerWidths;
}

/** Deep Interest Evolution Network: GRU interest extractor, then an attentional GRU (AUGRU). */
export interface DienArch {
  readonly family: 'dien';
  /** Tables fed straight to the top MLP besides the final interest state. */
  readonly profileTables: readonly string[];
  /** One table per step of the behaviour sequence, oldest first. */
  readonly sequenceTables: readonly string[];
  /** The table whose embedding the attention compares the interest states with. */
  readonly targetTable: string;
  readonly inputDim: number;
  readonly hidden: number;
  /** Recurrent layers: 1 = GRU, 2 = GRU then AUGRU. */
  readonly layers: 2;
  readonly top: LayerWidths;
}

export type ZooArch = DlrmArch | NcfArch | WndArch | MtwndArch | DinArch | DienArch;

/** What the model spends its time on, after DeepRecSys's characterisation. */
export type DominantOp = 'embedding' | 'mlp' | 'attention' | 'rnn';

export interface ZooModelSpec {
  readonly name: ZooModelName;
  readonly title: string;
  /** Dense (continuous) features per item; 0 when the model has none. */
  readonly denseDim: number;
  /** Embedding tables in input order: an item's ids are laid out table by table in this order. */
  readonly tables: readonly ZooTableSpec[];
  readonly arch: ZooArch;
  /** How the one score per item in [0, 1] comes out of the network. */
  readonly output: {
    readonly activation: 'sigmoid' | 'softmax';
    /** Logits the last layer produces (2 for a two-class softmax, `tasks` for multi-task). */
    readonly logits: number;
    /** How a multi-logit output becomes one score. */
    readonly combine: 'single' | 'positive-class' | 'mean-of-tasks';
  };
  /** Default p95 latency SLA (DeepRecSys medium targets), milliseconds. */
  readonly slaMs: number;
  /** Default items per inference call; the profiler may pick another per node class. */
  readonly subBatchSize: number;
  readonly dominant: DominantOp;
  /**
   * Expected class before profiling: embedding-dominated models are expected to be memory-bound.
   * Profiles measure the real class; this is only the prior.
   */
  readonly expectedKind: 'memory-bound' | 'compute-bound';
  /** fp32 size in GB as DESIGN §5 lists it (a cross-check for the table specs). */
  readonly designSizeGB: number;
  /** How DESIGN §5's row was read: written into every built config.json. */
  readonly reading: string;
}

function tables(prefix: string, count: number, rows: number, lookups: number, dim: number): ZooTableSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}${String(i).padStart(2, '0')}`,
    rows,
    lookups,
    dim,
    pooling: 'sum' as const,
  }));
}

const K = 1000;
const M = 1000 * K;

const rmc1: ZooModelSpec = {
  name: 'rmc1',
  title: 'DLRM-RMC1',
  denseDim: 128,
  tables: tables('t', 8, 4 * M, 80, 32),
  arch: { family: 'dlrm', bottom: [128, 64, 32], interaction: 'cat', top: [288, 256, 64, 1] },
  output: { activation: 'sigmoid', logits: 1, combine: 'single' },
  slaMs: 100,
  subBatchSize: 64,
  dominant: 'embedding',
  expectedKind: 'memory-bound',
  designSizeGB: 4.1,
  reading:
    'DLRM notation. Bottom "128-64-32": 128 dense features, then ReLU layers of 64 and 32. ' +
    'Interaction "cat": the bottom output (32) concatenated with the 8 sum-pooled embeddings ' +
    '(8 × 32) = 288 wide. Top "256-64-1" does not start with 288, so its numbers are the layers ' +
    'after the interaction: 288 → 256 → 64 → 1, sigmoid.',
};

const rmc2: ZooModelSpec = {
  name: 'rmc2',
  title: 'DLRM-RMC2',
  denseDim: 256,
  tables: tables('t', 32, 500 * K, 120, 64),
  arch: { family: 'dlrm', bottom: [256, 128, 64], interaction: 'cat', top: [2112, 128, 64, 1] },
  output: { activation: 'sigmoid', logits: 1, combine: 'single' },
  slaMs: 400,
  subBatchSize: 32,
  dominant: 'embedding',
  expectedKind: 'memory-bound',
  designSizeGB: 4.1,
  reading:
    'DLRM notation. Bottom "256-128-64": 256 dense features, then ReLU layers of 128 and 64. ' +
    'Interaction "cat": bottom output (64) + 32 pooled embeddings × 64 = 2112. Top "128-64-1" ' +
    'lists the layers after the interaction: 2112 → 128 → 64 → 1, sigmoid.',
};

const rmc3: ZooModelSpec = {
  name: 'rmc3',
  title: 'DLRM-RMC3',
  denseDim: 2560,
  tables: tables('t', 10, 2 * M, 20, 32),
  arch: { family: 'dlrm', bottom: [2560, 1024, 256, 32], interaction: 'cat', top: [352, 512, 256, 1] },
  output: { activation: 'sigmoid', logits: 1, combine: 'single' },
  slaMs: 100,
  subBatchSize: 64,
  dominant: 'mlp',
  expectedKind: 'compute-bound',
  designSizeGB: 2.6,
  reading:
    'DLRM notation. Bottom "2560-1024-256-32": 2560 dense features, then ReLU layers of 1024, ' +
    '256 and 32. Interaction "cat": 32 + 10 pooled embeddings × 32 = 352. Top "512-256-1" lists ' +
    'the layers after the interaction: 352 → 512 → 256 → 1, sigmoid.',
};

const ncf: ZooModelSpec = {
  name: 'ncf',
  title: 'NCF (NeuMF)',
  denseDim: 0,
  tables: [
    { name: 'user_mf', rows: 140 * K, lookups: 1, dim: 64, pooling: 'sum' },
    { name: 'user_mlp', rows: 140 * K, lookups: 1, dim: 64, pooling: 'sum' },
    { name: 'item_mf', rows: 28 * K, lookups: 1, dim: 64, pooling: 'sum' },
    { name: 'item_mlp', rows: 28 * K, lookups: 1, dim: 64, pooling: 'sum' },
  ],
  arch: {
    family: 'ncf',
    mfTables: ['user_mf', 'item_mf'],
    mlpTables: ['user_mlp', 'item_mlp'],
    mlp: [128, 512],
    top: [576, 256, 256, 128, 64, 64, 1],
  },
  output: { activation: 'sigmoid', logits: 1, combine: 'single' },
  slaMs: 5,
  subBatchSize: 256,
  dominant: 'mlp',
  expectedKind: 'compute-bound',
  designSizeGB: 0.09,
  reading:
    'NeuMF with MovieLens-sized tables: user 140k rows and item 28k rows, one MF and one MLP ' +
    'table each, dim 64, no dense features. "MF + MLP 512": the MF branch is user_mf ⊙ item_mf ' +
    '(64); the MLP branch is concat(user_mlp, item_mlp) (128) → 512, ReLU. The interaction is ' +
    'concat(MF, MLP) = 576; the top "256-256-128-64-64" does not start with 576, so its numbers ' +
    'are hidden ReLU layers: 576 → 256 → 256 → 128 → 64 → 64, then a 1-unit sigmoid output.',
};

const wnd: ZooModelSpec = {
  name: 'wnd',
  title: 'Wide & Deep',
  denseDim: 512,
  tables: tables('t', 27, 1 * M, 1, 32),
  arch: { family: 'wnd', wide: [512, 1], deep: [1376, 1024, 512, 256, 1] },
  output: { activation: 'sigmoid', logits: 1, combine: 'single' },
  slaMs: 25,
  subBatchSize: 128,
  dominant: 'mlp',
  expectedKind: 'compute-bound',
  designSizeGB: 3.5,
  reading:
    '"512 dense in": 512 dense features with no bottom MLP. Deep part: concat(dense 512, 27 ' +
    'embeddings × 32) = 1376; "1024-512-256-1" does not start with 1376, so: 1376 → 1024 → 512 → ' +
    '256 → 1. Wide part: a linear unit on the 512 dense features. Score = sigmoid(wide + deep).',
};

const mtwnd: ZooModelSpec = {
  name: 'mtwnd',
  title: 'Multi-task Wide & Deep',
  denseDim: 512,
  tables: [
    ...tables('t', 41, 500 * K, 1, 32),
    ...tables('t', 2, 5 * M, 1, 32).map((t, i) => ({ ...t, name: `t${41 + i}` })),
  ],
  arch: {
    family: 'mtwnd',
    tasks: 2,
    wide: [512, 2],
    shared: [1888, 1024, 512],
    tower: [512, 256, 128, 1],
  },
  output: { activation: 'sigmoid', logits: 2, combine: 'mean-of-tasks' },
  slaMs: 25,
  subBatchSize: 128,
  dominant: 'mlp',
  expectedKind: 'compute-bound',
  designSizeGB: 3.9,
  reading:
    'YouTube-style multi-task Wide & Deep with 2 tasks (engagement, satisfaction). 512 dense ' +
    'features; 41 tables of 500k rows and 2 of 5M, one lookup each. Shared "1024-512": ' +
    'concat(dense 512, 43 × 32) = 1888 → 1024 → 512, ReLU. Per-task "512-256-128" starts with ' +
    'the shared width 512, so it is read as input-first: 512 → 256 → 128, then a 1-unit output ' +
    'per task; each task adds its own wide linear unit on the dense features. Score = mean of ' +
    'the per-task sigmoids (the ranking objective combines the tasks).',
};

const din: ZooModelSpec = {
  name: 'din',
  title: 'Deep Interest Network',
  denseDim: 0,
  tables: [
    { name: 'profile', rows: 1 * M, lookups: 3, dim: 32, pooling: 'sum' },
    { name: 'behaviour', rows: 100 * K, lookups: 3, dim: 32, pooling: 'none' },
    { name: 'ad', rows: 10 * M, lookups: 3, dim: 32, pooling: 'sum' },
    { name: 'context', rows: 10 * M, lookups: 3, dim: 32, pooling: 'sum' },
  ],
  arch: {
    family: 'din',
    pooledTables: ['profile', 'ad', 'context'],
    behaviourTable: 'behaviour',
    candidateTable: 'ad',
    attention: [96, 32, 1],
    top: [128, 200, 80, 2],
  },
  output: { activation: 'softmax', logits: 2, combine: 'positive-class' },
  slaMs: 100,
  subBatchSize: 128,
  dominant: 'attention',
  expectedKind: 'compute-bound',
  designSizeGB: 2.7,
  reading:
    'Four tables of dim 32 with 3 ids per item each. profile, ad and context are sum-pooled; ' +
    'behaviour keeps its 3 ids apart as the behaviour sequence. Attention unit "96→32": for each ' +
    'behaviour e and the pooled candidate ad a, concat(e, a, e ⊙ a) (96) → 32 ReLU → 1 gives the ' +
    "behaviour's weight (unnormalised, as in DIN); the user interest is Σ weight × e. Top: " +
    'concat(profile, interest, ad, context) = 128; "200-80-2" does not start with 128, so ' +
    '128 → 200 → 80 → 2, softmax; the score is the positive-class probability.',
};

const dien: ZooModelSpec = {
  name: 'dien',
  title: 'Deep Interest Evolution Network',
  denseDim: 0,
  tables: [
    { name: 'user', rows: 500 * K, lookups: 1, dim: 32, pooling: 'sum' },
    ...tables('beh_', 40, 500 * K, 1, 32),
    { name: 'item', rows: 5 * M, lookups: 1, dim: 32, pooling: 'sum' },
    { name: 'category', rows: 5 * M, lookups: 1, dim: 32, pooling: 'sum' },
  ],
  arch: {
    family: 'dien',
    profileTables: ['user', 'item', 'category'],
    sequenceTables: Array.from({ length: 40 }, (_, i) => `beh_${String(i).padStart(2, '0')}`),
    targetTable: 'item',
    inputDim: 32,
    hidden: 64,
    layers: 2,
    top: [160, 200, 80, 2],
  },
  output: { activation: 'softmax', logits: 2, combine: 'positive-class' },
  slaMs: 35,
  subBatchSize: 64,
  dominant: 'rnn',
  expectedKind: 'compute-bound',
  designSizeGB: 3.9,
  reading:
    '"41 × 500k + 2 × 5M, 1 lookup each (40-step behaviour sequence)": table 0 is the user ' +
    'profile, tables beh_00..beh_39 hold the 40 steps of the behaviour sequence (one id each, so ' +
    'the table sizes and the 43 random rows per item are as listed), and item and category ' +
    '(5M each) describe the target. Two recurrent layers of hidden 64: a GRU interest extractor ' +
    'over the 40 steps, then bilinear attention of each state against the target item embedding ' +
    '(softmax over steps) driving an AUGRU (attention-scaled update gate). Top: concat(user, ' +
    'item, category, final AUGRU state) = 160; "200-80-2" is 160 → 200 → 80 → 2, softmax; the ' +
    'score is the positive-class probability.',
};

/** Every zoo model by name. */
export const ZOO_SPECS: Readonly<Record<ZooModelName, ZooModelSpec>> = Object.freeze({
  rmc1,
  rmc2,
  rmc3,
  ncf,
  wnd,
  mtwnd,
  din,
  dien,
});

/** The zoo's model names in DESIGN §5 order. */
export const ZOO_MODELS: readonly ZooModelName[] = Object.freeze([
  'rmc1',
  'rmc2',
  'rmc3',
  'ncf',
  'wnd',
  'mtwnd',
  'din',
  'dien',
]);

export function isZooModel(name: string): name is ZooModelName {
  return Object.prototype.hasOwnProperty.call(ZOO_SPECS, name);
}

/** Rows of a table once `scale` is applied: at least 1, so every table stays addressable. */
export function scaledRows(rows: number, scale: number): number {
  return Math.max(1, Math.round(rows * scale));
}
