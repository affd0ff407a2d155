// Shared by the gateway's tests; not used in serving.
import { HeraError } from '@hera/errors';
import type { ModelRecord } from '@hera/model-schema';
import { toCatalogEntry, type CatalogEntry } from './catalog';
import type { RankInput } from './ranker';

/** The Ranker tests' model: one table of `rows` rows, one lookup of dim 4, 2 dense features. */
export const rankerModel = (version: string, rows: number): CatalogEntry =>
  toCatalogEntry({
    name: 'm',
    version,
    denseDim: 2,
    tables: [{ name: 't', rows, lookups: 1, dim: 4 }],
    slaMs: 100,
    subBatchSize: 4,
    sizeBytes: 0,
  });

/** A small model record: two tables of 10 rows, 2 lookups and dim 4 each, 2 dense features. */
export function tinyModel(over: Partial<ModelRecord> = {}): ModelRecord {
  return {
    name: 'tiny',
    version: '1',
    denseDim: 2,
    tables: [
      { name: 't0', rows: 10, lookups: 2, dim: 4 },
      { name: 't1', rows: 10, lookups: 2, dim: 4 },
    ],
    slaMs: 50,
    subBatchSize: 8,
    sizeBytes: 1_000,
    ...over,
  };
}

/** A query of `k` items for `model` as the gRPC handler hands it to the Ranker (zeros unless `dense` is given). */
export function rankQuery(
  model: CatalogEntry,
  k: number,
  over: Partial<RankInput> = {},
  dense = new Float32Array(k * model.denseDim),
): RankInput {
  return {
    model: model.name,
    version: '',
    itemCount: k,
    dense: new Uint8Array(dense.buffer, dense.byteOffset, dense.byteLength),
    sparse: new Uint8Array(k * model.idsPerItem * 4),
    clientDeadline: Infinity,
    timeoutMs: 0,
    field: { dense: 'items.dense', sparse: 'items.sparse', count: 'items.item_count' },
    ...over,
  };
}

/** "OK", or the domain error as "CODE: message": what a test asserts about a call's outcome. */
export const failure = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof HeraError ? `${e.code}: ${e.message}` : String(e)),
  );
