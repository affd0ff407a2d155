// Shared by the Ranker's unit tests (ranker.test.ts, ranker-fakes.test.ts); not used in serving.
import { HeraError } from '@hera/errors';
import type { CatalogEntry } from './catalog';
import type { RankInput } from './ranker';

/** A query of `k` items for `model` as the gRPC handler hands it to the Ranker (zeros unless `dense` is given). */
export function rankQuery(model: CatalogEntry, k: number, over: Partial<RankInput> = {}, dense = new Float32Array(k * model.denseDim)): RankInput {
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
export const failure = (p: Promise<unknown>): Promise<string> => p.then(() => 'OK', (e: unknown) => (e instanceof HeraError ? `${e.code}: ${e.message}` : String(e)));
