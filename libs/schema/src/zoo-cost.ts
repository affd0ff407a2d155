import { idsPerItem } from './batch';
import { scaledRows, type LayerWidths, type ZooModelSpec } from './zoo';

/** One matrix product of a forward pass: `batch` products of [m, k] × [k, n], `count` times per call. */
export interface MatMulShape {
  /** Weight it multiplies by (or what it computes, for activation × activation products). */
  readonly name: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Independent products in one batched call (1 for a plain matMul). */
  readonly batch: number;
  /** Times the product runs per inference call (the steps of a recurrence). */
  readonly count: number;
}

/** What one item (or one call) costs, from the spec alone: the roofline inputs. */
export interface ModelCost {
  /** Bytes of all embedding tables at this scale (fp32). */
  readonly tableBytes: number;
  /** Bytes of the dense weights (MLPs, attention, RNN) (fp32). */
  readonly weightBytes: number;
  /** Embedding rows read per item (random accesses). */
  readonly rowsPerItem: number;
  /** Embedding bytes read per item. */
  readonly embeddingBytesPerItem: number;
  /** Floating-point operations per item in matrix products (2 per multiply-add). */
  readonly matMulFlopsPerItem: number;
  /** matMulFlopsPerItem / embeddingBytesPerItem. */
  readonly flopsPerEmbeddingByte: number;
}

function stack(prefix: string, widths: LayerWidths, m: number): MatMulShape[] {
  const out: MatMulShape[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    out.push({ name: `${prefix}${i}/kernel`, m, k: widths[i]!, n: widths[i + 1]!, batch: 1, count: 1 });
  }
  return out;
}

/**
 * The matrix products one inference call of `count` items runs, in order. The engine's forward
 * pass performs exactly these (the benchmark times them against plain `matMul`), so keep the two
 * in step when an architecture changes.
 */
export function matMulShapes(spec: Pick<ZooModelSpec, 'arch' | 'tables'>, count: number): MatMulShape[] {
  const a = spec.arch;
  switch (a.family) {
    case 'dlrm':
      return [...stack('bottom', a.bottom, count), ...stack('top', a.top, count)];
    case 'ncf':
      return [...stack('mlp', a.mlp, count), ...stack('top', a.top, count)];
    case 'wnd':
      return [...stack('wide', a.wide, count), ...stack('deep', a.deep, count)];
    case 'mtwnd': {
      const towers = Array.from({ length: a.tasks }, (_, t) => stack(`task${t}_`, a.tower, count)).flat();
      return [...stack('wide', a.wide, count), ...stack('shared', a.shared, count), ...towers];
    }
    case 'din': {
      const behaviours = spec.tables.find(t => t.name === a.behaviourTable)?.lookups ?? 0;
      return [...stack('attention', a.attention, count * behaviours), ...stack('top', a.top, count)];
    }
    case 'dien': {
      const steps = a.sequenceTables.length;
      const h = a.hidden;
      return [
        { name: 'gru1/kernel', m: count * steps, k: a.inputDim, n: 3 * h, batch: 1, count: 1 },
        { name: 'gru1/recurrent', m: count, k: h, n: 3 * h, batch: 1, count: steps },
        { name: 'attention/kernel', m: count, k: a.inputDim, n: h, batch: 1, count: 1 },
        { name: 'attention/scores', m: steps, k: h, n: 1, batch: count, count: 1 },
        { name: 'gru2/kernel', m: count * steps, k: h, n: 3 * h, batch: 1, count: 1 },
        { name: 'gru2/recurrent', m: count, k: h, n: 3 * h, batch: 1, count: steps },
        ...stack('top', a.top, count),
      ];
    }
  }
}

/** Floating-point operations of a list of products (2 per multiply-add). */
export function matMulFlops(shapes: readonly MatMulShape[]): number {
  return shapes.reduce((s, x) => s + 2 * x.m * x.k * x.n * x.batch * x.count, 0);
}

/** Parameters of the dense (non-embedding) weights: kernels plus biases. */
export function denseParameterCount(spec: Pick<ZooModelSpec, 'arch' | 'tables'>): number {
  // Activation × activation products carry no weights; every weight product has a bias of n.
  const weights = matMulShapes(spec, 1).filter(s => s.name.endsWith('/kernel') || s.name.endsWith('/recurrent'));
  return weights.reduce((s, x) => s + x.k * x.n + x.n, 0);
}

export function modelCost(spec: ZooModelSpec, scale = 1): ModelCost {
  const tableBytes = spec.tables.reduce((s, t) => s + scaledRows(t.rows, scale) * t.dim * 4, 0);
  const rowsPerItem = idsPerItem(spec.tables);
  const embeddingBytesPerItem = spec.tables.reduce((s, t) => s + t.lookups * t.dim * 4, 0);
  const matMulFlopsPerItem = matMulFlops(matMulShapes(spec, 1));
  return {
    tableBytes,
    weightBytes: denseParameterCount(spec) * 4,
    rowsPerItem,
    embeddingBytesPerItem,
    matMulFlopsPerItem,
    flopsPerEmbeddingByte: matMulFlopsPerItem / embeddingBytesPerItem,
  };
}
