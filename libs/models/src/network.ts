import type * as TF from '@tensorflow/tfjs-core';
import { tfjs } from './tfjs';
import { requireZoo, type LayerWidths, type ModelConfig } from '@hera/model-schema';

/**
 * The dense part of a model (everything after the embedding bag) as TF.js ops: given the dense
 * features [count, denseDim] (null when the model has none) and the pooled embeddings
 * [count, width], returns the scores [count] in [0, 1]. Runs inside the caller's tf.tidy.
 */
export type Forward = (dense: TF.Tensor2D | null, emb: TF.Tensor2D, count: number) => TF.Tensor1D;

type Weights = Readonly<Record<string, TF.Tensor>>;

function weight(w: Weights, name: string): TF.Tensor2D {
  const t = w[name];
  if (!t) throw new Error(`missing weight ${name}`);
  return t as TF.Tensor2D;
}

/**
 * One fully connected layer, bias and activation fused into the product: one kernel call on every
 * backend (XNNPACK on wasm) instead of three.
 */
function layer(x: TF.Tensor2D, w: Weights, name: string, activation: 'relu' | 'linear'): TF.Tensor2D {
  const tf = tfjs();
  return tf.fused.matMul({
    a: x,
    b: weight(w, `${name}/kernel`),
    bias: weight(w, `${name}/bias`),
    activation,
  }) as TF.Tensor2D;
}

/** A stack of layers named `${prefix}0…`; ReLU between layers, `last` on the final one. */
function stack(x: TF.Tensor2D, w: Weights, prefix: string, widths: LayerWidths, last: 'relu' | 'linear'): TF.Tensor2D {
  const n = widths.length - 1;
  for (let i = 0; i < n; i++) x = layer(x, w, `${prefix}${i}`, i === n - 1 ? last : 'relu');
  return x;
}

/** One fully connected stack of a model: the "MLP part", as opposed to attention and RNN glue. */
export interface MlpStack {
  /** Weight-name prefix: layer i is `${prefix}${i}/kernel`. */
  readonly prefix: string;
  readonly widths: LayerWidths;
  readonly last: 'relu' | 'linear';
  /** Rows per item it runs on (DIN's attention unit runs once per behaviour). */
  readonly rowsPerItem: number;
}

/** The MLP stacks of a model, as the forward pass runs them. */
export function mlpStacks(config: ModelConfig): MlpStack[] {
  const a = requireZoo(config, 'the MLP-stack view').arch;
  const s = (prefix: string, widths: LayerWidths, last: 'relu' | 'linear', rowsPerItem = 1): MlpStack => ({
    prefix,
    widths,
    last,
    rowsPerItem,
  });
  switch (a.family) {
    case 'dlrm':
      return [s('bottom', a.bottom, 'relu'), s('top', a.top, 'linear')];
    case 'ncf':
      return [s('mlp', a.mlp, 'relu'), s('top', a.top, 'linear')];
    case 'wnd':
      return [s('wide', a.wide, 'linear'), s('deep', a.deep, 'linear')];
    case 'mtwnd':
      return [
        s('wide', a.wide, 'linear'),
        s('shared', a.shared, 'relu'),
        ...Array.from({ length: a.tasks }, (_, t) => s(`task${t}_`, a.tower, 'linear')),
      ];
    case 'din':
      return [
        s('attention', a.attention, 'linear', config.tables.find(t => t.name === a.behaviourTable)!.lookups),
        s('top', a.top, 'linear'),
      ];
    case 'dien':
      return [s('top', a.top, 'linear')];
  }
}

/** Runs one stack on x (inside the caller's tidy). */
export function runStack(w: Weights, x: TF.Tensor2D, st: MlpStack): TF.Tensor2D {
  return stack(x, w, st.prefix, st.widths, st.last);
}

/** Column ranges of each table in the embedding bag's output. */
function columns(config: ModelConfig): Map<string, { begin: number; size: number }> {
  const m = new Map<string, { begin: number; size: number }>();
  let begin = 0;
  for (const t of config.tables) {
    const size = t.pooling === 'sum' ? t.dim : t.lookups * t.dim;
    m.set(t.name, { begin, size });
    begin += size;
  }
  return m;
}

function slicer(config: ModelConfig) {
  const cols = columns(config);
  const tf = tfjs();
  return (emb: TF.Tensor2D, table: string): TF.Tensor2D => {
    const c = cols.get(table);
    if (!c) throw new Error(`model ${config.name} has no table ${table}`);
    return tf.slice(emb, [0, c.begin], [-1, c.size]);
  };
}

/**
 * A GRU layer's weights rearranged for few ops per step (same function as the stored Keras-style
 * kernel [in, 3h], recurrent [h, 3h] and biases, gates in z, r, n order, reset applied after the
 * recurrent product):
 * - update and reset gates in one product with the sigmoid fused: σ([x, h] · [Kzr; Rzr] + bzr);
 * - the candidate through a sigmoid instead of tanh, tanh(c) = 2σ(2c) − 1, with the factor 2 folded
 *   into its weights: TF.js's wasm tanh is a scalar loop (~40 µs for [64, 64]) where its sigmoid
 *   is XNNPACK's.
 * Per step that is 10 small ops instead of 12 and no tanh: DIEN runs 80 steps per call.
 */
interface GruWeights {
  zr: TF.Tensor2D; // [in + h, 2h]
  zrBias: TF.Tensor1D;
  xn: TF.Tensor2D; // [in, h], × 2
  xnBias: TF.Tensor1D;
  hn: TF.Tensor2D; // [h, h], × 2
  hnBias: TF.Tensor1D;
}

function gruWeights(w: Weights, name: string, input: number, hidden: number): GruWeights {
  const tf = tfjs();
  const h = hidden;
  const k = weight(w, `${name}/kernel`);
  const r = weight(w, `${name}/recurrent`);
  const kb = w[`${name}/bias`] as TF.Tensor1D;
  const rb = w[`${name}/recurrent_bias`] as TF.Tensor1D;
  return tf.tidy(() => ({
    zr: tf.concat([tf.slice(k, [0, 0], [input, 2 * h]), tf.slice(r, [0, 0], [h, 2 * h])], 0),
    zrBias: tf.add(tf.slice(kb, 0, 2 * h), tf.slice(rb, 0, 2 * h)),
    xn: tf.mul(tf.slice(k, [0, 2 * h], [input, h]), 2),
    xnBias: tf.mul(tf.slice(kb, 2 * h, h), 2),
    hn: tf.mul(tf.slice(r, [0, 2 * h], [h, h]), 2),
    hnBias: tf.mul(tf.slice(rb, 2 * h, h), 2),
  })) as GruWeights;
}

/**
 * GRU over a sequence (DIEN's convention: u is the update gate, h ← h + u ⊙ (ñ − h)); with
 * `attention`, an AUGRU that scales u by each step's attention score. `xs` are the step inputs
 * [count, in], `xsAll` the same rows stacked time-major [steps × count, in] for the one batched
 * product of the candidate's input projection. Returns every step's state, or with `lastOnly`
 * just the final one (freeing the others as it goes).
 */
function gru(
  g: GruWeights,
  xs: TF.Tensor2D[],
  xsAll: TF.Tensor2D,
  count: number,
  hidden: number,
  consts: { one: TF.Scalar; two: TF.Scalar },
  attention?: TF.Tensor2D[],
  lastOnly = false,
): TF.Tensor2D[] {
  const tf = tfjs();
  const steps = xs.length;
  const xn = tf.unstack(
    tf.reshape(tf.fused.matMul({ a: xsAll, b: g.xn, bias: g.xnBias }), [steps, count, hidden]),
  ) as TF.Tensor2D[];
  let h: TF.Tensor2D = tf.zeros([count, hidden]);
  const states: TF.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const prev = h;
    // A tidy per step frees the step's dozen intermediates at once; under the caller's one
    // tidy they would all live until the end, and the WebAssembly heap (which never shrinks)
    // would grow to ~0.35 MB per item of the largest batch ever scored.
    h = tf.tidy(() => {
      const zr = tf.fused.matMul({ a: tf.concat([xs[t]!, prev], 1), b: g.zr, bias: g.zrBias, activation: 'sigmoid' });
      const [u, r] = tf.split(zr, 2, 1) as [TF.Tensor2D, TF.Tensor2D];
      const s = tf.sigmoid(tf.add(xn[t]!, tf.mul(r, tf.fused.matMul({ a: prev, b: g.hn, bias: g.hnBias }))));
      const cand = tf.sub(tf.mul(s, consts.two), consts.one); // tanh of the candidate pre-activation
      const gate = attention ? tf.mul(attention[t]!, u) : u;
      return tf.add(prev, tf.mul(gate, tf.sub(cand, prev)));
    });
    if (lastOnly) prev.dispose();
    else states.push(h);
  }
  return lastOnly ? [h] : states;
}

/**
 * Builds the forward pass of a model from its config and loaded weights. Tensors it derives from
 * the weights once (rearranged for speed) are added to `derived`, which the caller owns.
 */
export function buildForward(config: ModelConfig, w: Weights, derived: Record<string, TF.Tensor> = {}): Forward {
  const tf = tfjs();
  const a = requireZoo(config, "the zoo engine's forward pass").arch;
  const slice = slicer(config);
  switch (a.family) {
    case 'dlrm':
      return (dense, emb, count) => {
        const bottom = stack(dense!, w, 'bottom', a.bottom, 'relu');
        const logit = stack(tf.concat([bottom, emb], 1), w, 'top', a.top, 'linear');
        return tf.reshape(tf.sigmoid(logit), [count]);
      };
    case 'ncf':
      return (_dense, emb, count) => {
        const mf = tf.mul(slice(emb, a.mfTables[0]), slice(emb, a.mfTables[1])) as TF.Tensor2D;
        const mlp = stack(
          tf.concat([slice(emb, a.mlpTables[0]), slice(emb, a.mlpTables[1])], 1) as TF.Tensor2D,
          w,
          'mlp',
          a.mlp,
          'relu',
        );
        const logit = stack(tf.concat([mf, mlp], 1), w, 'top', a.top, 'linear');
        return tf.reshape(tf.sigmoid(logit), [count]);
      };
    case 'wnd':
      return (dense, emb, count) => {
        const wide = stack(dense!, w, 'wide', a.wide, 'linear');
        const deep = stack(tf.concat([dense!, emb], 1), w, 'deep', a.deep, 'linear');
        return tf.reshape(tf.sigmoid(tf.add(wide, deep)), [count]);
      };
    case 'mtwnd':
      return (dense, emb) => {
        const shared = stack(tf.concat([dense!, emb], 1), w, 'shared', a.shared, 'relu');
        const towers = Array.from({ length: a.tasks }, (_, t) => stack(shared, w, `task${t}_`, a.tower, 'linear'));
        const logits = tf.add(tf.concat(towers, 1), stack(dense!, w, 'wide', a.wide, 'linear'));
        return tf.mean(tf.sigmoid(logits), 1) as TF.Tensor1D;
      };
    case 'din': {
      const behaviours = config.tables.find(t => t.name === a.behaviourTable)!;
      return (_dense, emb, count) => {
        const n = behaviours.lookups;
        const d = behaviours.dim;
        const seq = tf.reshape(slice(emb, a.behaviourTable), [count, n, d]);
        const ad = slice(emb, a.candidateTable);
        const adAll = tf.broadcastTo(tf.reshape(ad, [count, 1, d]), [count, n, d]);
        const unitIn = tf.reshape(tf.concat([seq, adAll, tf.mul(seq, adAll)], 2), [count * n, 3 * d]);
        const weights = tf.reshape(stack(unitIn as TF.Tensor2D, w, 'attention', a.attention, 'linear'), [count, n, 1]);
        const interest = tf.sum(tf.mul(seq, weights), 1) as TF.Tensor2D;
        const parts = a.pooledTables.map(t => (t === a.candidateTable ? ad : slice(emb, t)));
        // Top input order: profile, interest, then the other pooled tables (ad, context).
        const top = tf.concat([parts[0]!, interest, ...parts.slice(1)], 1);
        const probs = tf.softmax(stack(top, w, 'top', a.top, 'linear'));
        return tf.reshape(tf.slice(probs, [0, 1], [-1, 1]), [count]);
      };
    }
    case 'dien': {
      const steps = a.sequenceTables.length;
      const cols = columns(config);
      const first = cols.get(a.sequenceTables[0]!)!;
      // The sequence tables are adjacent in the layout (checked here once, not per call).
      a.sequenceTables.forEach((t, i) => {
        if (cols.get(t)?.begin !== first.begin + i * a.inputDim)
          throw new Error(`dien: sequence table ${t} is out of place`);
      });
      // Rearranged GRU weights and constants live as long as the model: `derived` is merged into
      // the model's tensors so dispose() frees them too.
      const g1 = gruWeights(w, 'gru1', a.inputDim, a.hidden);
      const g2 = gruWeights(w, 'gru2', a.hidden, a.hidden);
      const consts = { one: tf.scalar(1), two: tf.scalar(2) };
      Object.assign(derived, {
        g1zr: g1.zr,
        g1zrb: g1.zrBias,
        g1xn: g1.xn,
        g1xnb: g1.xnBias,
        g1hn: g1.hn,
        g1hnb: g1.hnBias,
      });
      Object.assign(derived, {
        g2zr: g2.zr,
        g2zrb: g2.zrBias,
        g2xn: g2.xn,
        g2xnb: g2.xnBias,
        g2hn: g2.hn,
        g2hnb: g2.hnBias,
        one: consts.one,
        two: consts.two,
      });
      return (_dense, emb, count) => {
        const seq = tf.slice(emb, [0, first.begin], [-1, steps * a.inputDim]);
        // Time-major [steps, count, d], so every step's rows are contiguous.
        const timeMajor = tf.transpose(tf.reshape(seq, [count, steps, a.inputDim]), [1, 0, 2]);
        const xs = tf.unstack(timeMajor) as TF.Tensor2D[];
        const states = gru(g1, xs, tf.reshape(timeMajor, [steps * count, a.inputDim]), count, a.hidden, consts);
        const stacked = tf.stack(states); // [steps, count, h]
        const target = slice(emb, a.targetTable);
        const query = layer(target, w, 'attention', 'linear'); // [count, h]
        const scores = tf.softmax(tf.transpose(tf.sum(tf.mul(stacked, query), 2))); // [count, steps]
        const att = tf.unstack(tf.reshape(tf.transpose(scores), [steps, count, 1])) as TF.Tensor2D[];
        const [final] = gru(
          g2,
          states,
          tf.reshape(stacked, [steps * count, a.hidden]),
          count,
          a.hidden,
          consts,
          att,
          true,
        );
        const profile = a.profileTables.map(t => slice(emb, t));
        const top = tf.concat([...profile, final!], 1);
        const probs = tf.softmax(stack(top, w, 'top', a.top, 'linear'));
        return tf.reshape(tf.slice(probs, [0, 1], [-1, 1]), [count]);
      };
    }
  }
}
