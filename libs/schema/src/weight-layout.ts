import { matMulShapes } from './zoo-cost';
import type { ZooModelSpec } from './zoo';

/** One dense weight tensor of a model, as stored in its TF.js weight shard. */
export interface WeightSpec {
  /** TF.js weight name, e.g. "bottom0/kernel", "bottom0/bias", "gru1/recurrent_bias". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: 'kernel' | 'bias';
  /** Fan-in and fan-out of the product the weight belongs to (for the initialiser). */
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * The dense weights of a model in storage order: every weight product of `matMulShapes` gets a
 * kernel [k, n] and a bias [n]. Derived from the same function the cost model uses, so the
 * stored weights, the forward pass and the benchmark's FLOP count cannot drift apart silently
 * (the loader checks every name and shape).
 */
export function weightLayout(spec: Pick<ZooModelSpec, 'arch' | 'tables'>): WeightSpec[] {
  const out: WeightSpec[] = [];
  for (const s of matMulShapes(spec, 1)) {
    const kernel = s.name.endsWith('/kernel');
    if (!kernel && !s.name.endsWith('/recurrent')) continue;
    const base = s.name.slice(0, s.name.lastIndexOf('/'));
    const bias = kernel ? `${base}/bias` : `${base}/recurrent_bias`;
    out.push({ name: s.name, shape: [s.k, s.n], role: 'kernel', fanIn: s.k, fanOut: s.n });
    out.push({ name: bias, shape: [s.n], role: 'bias', fanIn: s.k, fanOut: s.n });
  }
  return out;
}
