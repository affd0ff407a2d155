import { requireZoo, type LayerWidths, type ModelConfig } from '@hera/model-schema';
import type { TableManifest } from '@hera/models';
import { DataType } from './onnx-schema';
import { GraphBuilder } from './graph';

/**
 * Where the embedding bag runs:
 * - `graph`: inside the graph (Slice the ids, Gather rows, ReduceSum per table); the tables are
 *   initializers with external data (see `tableLocation`), which the engine points at the shared
 *   tables when it creates the session;
 * - `kernel`: outside, by @hera/models' embeddingBag over the shared tables; the graph takes the
 *   pooled embeddings as input `pooled` [count, width] and holds only the dense part.
 */
export type BagPlacement = 'graph' | 'kernel';

/** One stored dense weight: its shape and its bytes exactly as in the TF.js weight shards. */
export interface RawWeight {
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** The symbolic item-count dimension of every input and output. */
const N = 'count';

/**
 * Where a table initializer's bytes are, as the graph names them: its shard file when it has one
 * (so model.onnx also loads by itself, in any ONNX Runtime, from the version directory), else a
 * name for the concatenated shards. The engine hands ORT the shared table under this name
 * (`externalData`), so no file is read at load.
 */
export function tableLocation(table: Pick<TableManifest, 'name' | 'paths'>): string {
  return table.paths.length === 1 ? table.paths[0]! : `emb-${table.name}.f32`;
}

/**
 * The ONNX graph of a zoo model, the same function as libs/models' network.ts (the TF.js forward
 * pass) op for op, with the stored weights as initializers, unchanged. Inputs: `dense` [count,
 * denseDim] (absent when denseDim is 0), then `sparse` [count, idsPerItem] int32 (bag in the
 * graph, tables as external initializers) or `pooled` [count, width] (bag outside). Output:
 * `score` [count].
 */
export function zooGraph(
  config: ModelConfig,
  weights: ReadonlyMap<string, RawWeight>,
  bag: BagPlacement,
  tables: readonly Pick<TableManifest, 'name' | 'paths'>[],
): GraphBuilder {
  const g = new GraphBuilder(`${config.name}-${bag}`);
  const a = requireZoo(config, 'the ONNX build').arch;
  const used = new Set<string>();
  const w = (name: string): string => {
    const t = weights.get(name);
    if (!t) throw new Error(`model ${config.name}: missing weight ${name}`);
    if (!used.has(name)) g.floats(name, t.shape, t.bytes);
    used.add(name);
    return name;
  };
  const linear = (x: string, name: string): string =>
    g.node('Add', [g.node('MatMul', [x, w(`${name}/kernel`)]), w(`${name}/bias`)]);
  const stack = (x: string, prefix: string, widths: LayerWidths, last: 'relu' | 'linear'): string => {
    const n = widths.length - 1;
    for (let i = 0; i < n; i++) {
      x = linear(x, `${prefix}${i}`);
      if (i < n - 1 || last === 'relu') x = g.node('Relu', [x]);
    }
    return x;
  };
  const concat = (xs: string[], axis: number): string => (xs.length === 1 ? xs[0]! : g.node('Concat', xs, { axis }));
  const reshape = (x: string, shape: number[]): string => g.node('Reshape', [x, g.ints(shape)]);
  const sliceCols = (x: string, begin: number, end: number, axis = 1): string =>
    g.node('Slice', [x, g.ints([begin]), g.ints([end]), g.ints([axis])]);
  const toScores = (x: string): string => reshape(x, [-1]);

  const dense = config.denseDim > 0 ? g.input('dense', DataType.FLOAT, [N, config.denseDim]) : '';
  const emb = embeddings(g, config, bag, tables, concat, sliceCols, reshape);

  let score: string;
  switch (a.family) {
    case 'dlrm': {
      const bottom = stack(dense, 'bottom', a.bottom, 'relu');
      score = toScores(
        g.node('Sigmoid', [stack(concat([bottom, emb(config.tables.map(t => t.name))], 1), 'top', a.top, 'linear')]),
      );
      break;
    }
    case 'ncf': {
      const mf = g.node('Mul', [emb([a.mfTables[0]]), emb([a.mfTables[1]])]);
      const mlp = stack(concat([emb([a.mlpTables[0]]), emb([a.mlpTables[1]])], 1), 'mlp', a.mlp, 'relu');
      score = toScores(g.node('Sigmoid', [stack(concat([mf, mlp], 1), 'top', a.top, 'linear')]));
      break;
    }
    case 'wnd': {
      const wide = stack(dense, 'wide', a.wide, 'linear');
      const deep = stack(concat([dense, emb(config.tables.map(t => t.name))], 1), 'deep', a.deep, 'linear');
      score = toScores(g.node('Sigmoid', [g.node('Add', [wide, deep])]));
      break;
    }
    case 'mtwnd': {
      const shared = stack(concat([dense, emb(config.tables.map(t => t.name))], 1), 'shared', a.shared, 'relu');
      const towers = Array.from({ length: a.tasks }, (_, t) => stack(shared, `task${t}_`, a.tower, 'linear'));
      const logits = g.node('Add', [concat(towers, 1), stack(dense, 'wide', a.wide, 'linear')]);
      score = g.node('ReduceMean', [g.node('Sigmoid', [logits]), g.ints([1])], { keepdims: 0 });
      break;
    }
    case 'din': {
      const beh = config.tables.find(t => t.name === a.behaviourTable)!;
      const n = beh.lookups;
      const d = beh.dim;
      const seq = reshape(emb([a.behaviourTable]), [-1, n, d]);
      const ad = emb([a.candidateTable]);
      const adAll = g.node('Expand', [reshape(ad, [-1, 1, d]), g.ints([1, n, 1])]);
      const unitIn = reshape(g.node('Concat', [seq, adAll, g.node('Mul', [seq, adAll])], { axis: 2 }), [-1, 3 * d]);
      const weightsPerBehaviour = reshape(stack(unitIn, 'attention', a.attention, 'linear'), [-1, n, 1]);
      const interest = g.node('ReduceSum', [g.node('Mul', [seq, weightsPerBehaviour]), g.ints([1])], { keepdims: 0 });
      const parts = a.pooledTables.map(t => (t === a.candidateTable ? ad : emb([t])));
      // Top input order as network.ts: profile, interest, then the other pooled tables.
      const probs = g.node(
        'Softmax',
        [stack(concat([parts[0]!, interest, ...parts.slice(1)], 1), 'top', a.top, 'linear')],
        { axis: 1 },
      );
      score = toScores(sliceCols(probs, 1, 2));
      break;
    }
    case 'dien': {
      const steps = a.sequenceTables.length;
      const h = a.hidden;
      const timeMajor = g.node('Transpose', [reshape(emb([...a.sequenceTables]), [-1, steps, a.inputDim])], {
        perm: [1, 0, 2],
      });
      const states = gru(g, w, timeMajor, 'gru1', steps, h);
      const stacked = g.node('Concat', states, { axis: 0 }); // [steps, count, h]
      const query = linear(emb([a.targetTable]), 'attention'); // [count, h]
      const scores = g.node('ReduceSum', [g.node('Mul', [stacked, query]), g.ints([2])], { keepdims: 0 }); // [steps, count]
      const soft = g.node('Softmax', [g.node('Transpose', [scores], { perm: [1, 0] })], { axis: 1 }); // [count, steps]
      const att = g.nodeN(
        'Split',
        [reshape(g.node('Transpose', [soft], { perm: [1, 0] }), [steps, -1, 1]), g.ints(Array(steps).fill(1))],
        steps,
        { axis: 0 },
      );
      const final = gru(g, w, stacked, 'gru2', steps, h, att).at(-1)!;
      const top = concat([...a.profileTables.map(t => emb([t])), reshape(final, [-1, h])], 1);
      const probs = g.node('Softmax', [stack(top, 'top', a.top, 'linear')], { axis: 1 });
      score = toScores(sliceCols(probs, 1, 2));
      break;
    }
  }
  g.output(score, 'score', DataType.FLOAT, [N]);
  return g;
}

/**
 * The pooled embeddings of a run of adjacent tables, [count, Σ columns], as a function of table
 * names. Bag outside: column slices of the `pooled` input. Bag inside: per table, its ids sliced
 * out of `sparse`, rows gathered and summed over the lookups (or kept apart, pooling 'none').
 */
function embeddings(
  g: GraphBuilder,
  config: ModelConfig,
  bag: BagPlacement,
  manifest: readonly Pick<TableManifest, 'name' | 'paths'>[],
  concat: (xs: string[], axis: number) => string,
  sliceCols: (x: string, begin: number, end: number) => string,
  reshape: (x: string, shape: number[]) => string,
): (tables: string[]) => string {
  const cols = new Map<string, { begin: number; size: number; idBegin: number; index: number }>();
  let begin = 0;
  let idBegin = 0;
  config.tables.forEach((t, index) => {
    const size = t.pooling === 'sum' ? t.dim : t.lookups * t.dim;
    cols.set(t.name, { begin, size, idBegin, index });
    begin += size;
    idBegin += t.lookups;
  });
  const col = (name: string) => {
    const c = cols.get(name);
    if (!c) throw new Error(`model ${config.name} has no table ${name}`);
    return c;
  };
  if (bag === 'kernel') {
    const pooled = g.input('pooled', DataType.FLOAT, [N, begin]);
    return tables => {
      const first = col(tables[0]!);
      let end = first.begin;
      for (const t of tables) {
        const c = col(t);
        if (c.begin !== end)
          throw new Error(`model ${config.name}: tables ${tables.join(', ')} are not adjacent in the pooled layout`);
        end += c.size;
      }
      return first.begin === 0 && end === begin ? pooled : sliceCols(pooled, first.begin, end);
    };
  }
  const sparse = g.input('sparse', DataType.INT32, [N, config.idsPerItem]);
  const tableInputs = config.tables.map((t, i) => {
    const m = manifest[i];
    if (m?.name !== t.name)
      throw new Error(`model ${config.name}: table ${i} is ${m?.name} in the manifest, ${t.name} in the config`);
    return g.externalFloats(`table/${t.name}`, [t.rows, t.dim], tableLocation(m));
  });
  const bags = new Map<string, string>();
  const bagOf = (name: string): string => {
    const hit = bags.get(name);
    if (hit) return hit;
    const c = col(name);
    const t = config.tables[c.index]!;
    const ids = g.node('Slice', [sparse, g.ints([c.idBegin]), g.ints([c.idBegin + t.lookups]), g.ints([1])]);
    const rows = g.node('Gather', [tableInputs[c.index]!, ids], { axis: 0 }); // [count, lookups, dim]
    const out =
      t.pooling === 'sum' && t.lookups > 1
        ? g.node('ReduceSum', [rows, g.ints([1])], { keepdims: 0 })
        : reshape(rows, [-1, c.size]);
    bags.set(name, out);
    return out;
  };
  return tables => concat(tables.map(bagOf), 1);
}

/**
 * GRU over `steps` time-major inputs [steps, count, in], the stored Keras-style weights
 * (`kernel` [in, 3h], `recurrent` [h, 3h], biases [3h]; gates z, r, n; reset after the recurrent
 * product) and DIEN's convention h ← h + u ⊙ (ñ − h). With `attention` (one [1, count, 1] per
 * step) it is the AUGRU: u scaled by the step's attention score. Unrolled, as network.ts runs it;
 * returns every step's state [1, count, h].
 */
function gru(
  g: GraphBuilder,
  w: (name: string) => string,
  xs: string,
  prefix: string,
  steps: number,
  h: number,
  attention?: string[],
): string[] {
  const ones = g.ints(Array(steps).fill(1));
  const xproj = g.node('Add', [g.node('MatMul', [xs, w(`${prefix}/kernel`)]), w(`${prefix}/bias`)]); // [steps, count, 3h]
  const [xzr, xn] = g.nodeN('Split', [xproj, g.ints([2 * h, h])], 2, { axis: 2 }) as [string, string];
  const xzrs = g.nodeN('Split', [xzr, ones], steps, { axis: 0 });
  const xns = g.nodeN('Split', [xn, ones], steps, { axis: 0 });
  const R = w(`${prefix}/recurrent`);
  const rb = w(`${prefix}/recurrent_bias`);
  let state = g.floats(`${prefix}/h0`, [1, 1, h], new Uint8Array(4 * h));
  const states: string[] = [];
  for (let t = 0; t < steps; t++) {
    const [hzr, hn] = g.nodeN('Split', [g.node('Add', [g.node('MatMul', [state, R]), rb]), g.ints([2 * h, h])], 2, {
      axis: 2,
    }) as [string, string];
    const [u, r] = g.nodeN('Split', [g.node('Sigmoid', [g.node('Add', [xzrs[t]!, hzr])]), g.ints([h, h])], 2, {
      axis: 2,
    }) as [string, string];
    const cand = g.node('Tanh', [g.node('Add', [xns[t]!, g.node('Mul', [r, hn])])]);
    const gate = attention ? g.node('Mul', [attention[t]!, u]) : u;
    state = g.node('Add', [state, g.node('Mul', [gate, g.node('Sub', [cand, state])])]);
    states.push(state);
  }
  return states;
}
