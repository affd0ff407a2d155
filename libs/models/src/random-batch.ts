import { Rng } from '@hera/stats';
import type { ModelConfig } from './model-config';
import { inputStream } from './prng';
import type { Batch } from './validate-batch';

/**
 * A valid batch of `count` random items for a model: dense values uniform in [-1, 1), ids uniform
 * over each table's rows (the cache-unfriendly case: real traffic is skewed towards hot rows).
 * Deterministic for a seed; for tests, benchmarks and load generation.
 */
export function randomBatch(config: Pick<ModelConfig, 'denseDim' | 'tables'>, count: number, seed = 1): Batch {
  const rng = new Rng(inputStream(seed));
  const dense = new Float32Array(count * config.denseDim);
  for (let i = 0; i < dense.length; i++) dense[i] = rng.next() * 2 - 1;
  const per = config.tables.reduce((s, t) => s + t.lookups, 0);
  const ids = new Int32Array(count * per);
  let k = 0;
  for (let b = 0; b < count; b++) {
    for (const t of config.tables) {
      for (let l = 0; l < t.lookups; l++) ids[k++] = rng.int(t.rows);
    }
  }
  return { count, dense, ids };
}
