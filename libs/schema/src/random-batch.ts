import { Rng } from '@hera/stats';
import { idsPerItem, type ValueSchema } from './batch';
import { inputStream } from './prng';
import { validateBatch, type ValidBatch } from './validate-batch';

/**
 * A valid batch of `count` random items for a model: dense values uniform in [-1, 1), ids uniform
 * over each table's rows (the cache-unfriendly case: real traffic is skewed towards hot rows).
 * Deterministic for a seed; for tests, benchmarks and load generation.
 */
export function randomBatch(config: ValueSchema, count: number, seed = 1): ValidBatch {
  const rng = new Rng(inputStream(seed));
  const dense = new Float32Array(count * config.denseDim);
  for (let i = 0; i < dense.length; i++) dense[i] = rng.next() * 2 - 1;
  const ids = new Int32Array(count * idsPerItem(config.tables));
  let k = 0;
  for (let b = 0; b < count; b++) {
    for (const t of config.tables) {
      for (let l = 0; l < t.lookups; l++) ids[k++] = rng.int(t.rows);
    }
  }
  // Valid by construction; checked anyway (off the query path) so the brand is never a claim.
  return validateBatch(config, { count, dense, ids });
}
