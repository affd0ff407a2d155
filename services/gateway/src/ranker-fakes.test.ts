/** The Ranker over in-memory fakes of its catalog, router and host streams: no Redis, no network. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Ranker, type ModelLookup, type RankInput, type ReplicaRouter } from './ranker';
import { Replica, type InferStream } from './replica';
import { failure, rankerModel, rankQuery } from './test-fixtures';

const MODEL = rankerModel('3', 100);

const catalog: ModelLookup = { get: name => (name === MODEL.name ? MODEL : undefined) };

type Answer = (items: {
  itemCount: number;
  dense: Uint8Array;
}) => Promise<{ scores: Uint8Array; version: string; queueUs: number; computeUs: number }>;

/** Scores each item with its first dense feature, so the gathered scores show where each item went. */
const echoFirstFeature: Answer = items => {
  const dense = new Float32Array(items.dense.slice().buffer);
  const scores = new Float32Array(items.itemCount).map((_, i) => dense[i * MODEL.denseDim]!);
  return Promise.resolve({
    scores: new Uint8Array(scores.buffer),
    version: MODEL.version,
    queueUs: 5,
    computeUs: 10 * items.itemCount,
  });
};

/** A replica whose host answers with `answer`; `calls` holds the item count of each request it got. */
function replica(node: string, answer: Answer = echoFirstFeature): { r: Replica; calls: number[] } {
  const calls: number[] = [];
  const stream: InferStream = {
    infer: req => {
      calls.push(req.items!.itemCount!);
      return answer(req.items as { itemCount: number; dense: Uint8Array }) as ReturnType<InferStream['infer']>;
    },
  };
  const r = new Replica(node, MODEL.name, `${node}:1`, 1, stream);
  r.estimatedAt = Date.now();
  return { r, calls };
}

/** Routes to `replicas` in turn (a predictable stand-in for power of two choices). */
class RoundRobin implements ReplicaRouter {
  #next = 0;
  constructor(readonly list: Replica[]) {}
  replicas(model: string): readonly Replica[] {
    return model === MODEL.name ? this.list : [];
  }
  subBatchSize(): number | undefined {
    return undefined;
  }
  estimateMs(): number | undefined {
    return undefined;
  }
  pick(model: string, exclude?: Replica): Replica | undefined {
    const pool = this.replicas(model).filter(r => r !== exclude);
    return pool.length ? pool[this.#next++ % pool.length] : undefined;
  }
}

const OPTS = { maxItems: 1024, deadlineSlaMultiple: 2, admissionControl: true, validateValues: true };

/** `k` items whose first dense feature is the item's index (see echoFirstFeature). */
function query(k: number, over: Partial<RankInput> = {}): RankInput {
  const dense = new Float32Array(k * MODEL.denseDim);
  for (let i = 0; i < k; i++) dense[i * MODEL.denseDim] = i;
  return rankQuery(MODEL, k, over, dense);
}
const unavailable = (): Promise<never> =>
  Promise.reject(
    Object.assign(new Error('14 UNAVAILABLE: gone'), {
      code: grpc.status.UNAVAILABLE,
      details: 'gone',
      metadata: new grpc.Metadata(),
    }),
  );

describe('Ranker (fakes)', () => {
  describe('split and merge', () => {
    it('splits a query into sub-batches over the replicas and gathers the scores in item order', async () => {
      const a = replica('a');
      const b = replica('b');
      const ranker = new Ranker(catalog, new RoundRobin([a.r, b.r]), OPTS);
      const res = await ranker.rank(query(10));
      assert.deepEqual([...res.scores], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(res.subBatches, 3);
      assert.deepEqual(a.calls, [4, 2], 'items 0–3 and 8–9');
      assert.deepEqual(b.calls, [4], 'items 4–7');
      assert.equal(res.inferenceUs, 40, 'the slowest part');
      assert.equal(res.model.name, 'm');
      assert.equal(a.r.outstandingItems + b.r.outstandingItems, 0, 'nothing left outstanding');
    });

    it('sends consecutive sub-batches for one replica as one request', async () => {
      const a = replica('a');
      const res = await new Ranker(catalog, new RoundRobin([a.r]), OPTS).rank(query(10));
      assert.deepEqual(a.calls, [10]);
      assert.equal(res.subBatches, 3);
    });
  });

  describe('errors', () => {
    it('answers NOT_FOUND for an unknown model or version', async () => {
      const ranker = new Ranker(catalog, new RoundRobin([replica('a').r]), OPTS);
      assert.equal(
        await failure(ranker.rank(query(4, { model: 'nope' }))),
        'NOT_FOUND: model "nope" is not registered',
      );
      assert.equal(
        await failure(ranker.rank(query(4, { version: '2' }))),
        'NOT_FOUND: model m has no version "2" (serving 3)',
      );
    });

    it('answers UNAVAILABLE when no replica is up', async () => {
      const ranker = new Ranker(catalog, new RoundRobin([]), OPTS);
      assert.equal(await failure(ranker.rank(query(4))), 'UNAVAILABLE: no replica of model m is up');
    });

    it('names the field of a bad item count or byte length', async () => {
      const ranker = new Ranker(catalog, new RoundRobin([replica('a').r]), OPTS);
      assert.equal(await failure(ranker.rank(query(0))), 'INVALID_ARGUMENT: items.item_count: must be ≥ 1, got 0');
      assert.equal(
        await failure(ranker.rank(query(4, { sparse: new Uint8Array(3) }))),
        'INVALID_ARGUMENT: items.sparse: expected 16 bytes (4 items × 1 int32 ids), got 3',
      );
    });

    it('answers DEADLINE without sending when the deadline already passed', async () => {
      const a = replica('a');
      const out = await failure(
        new Ranker(catalog, new RoundRobin([a.r]), OPTS).rank(query(4, { clientDeadline: Date.now() - 10 })),
      );
      assert.match(out, /^DEADLINE: deadline passed \d+ ms before the gateway could start the query/);
      assert.deepEqual(a.calls, []);
    });

    it('sheds (OVERLOADED) when the router estimates the query cannot finish in time', async () => {
      const a = replica('a');
      const router = new RoundRobin([a.r]);
      router.estimateMs = () => 500;
      const out = await failure(new Ranker(catalog, router, OPTS).rank(query(4, { timeoutMs: 100 })));
      assert.match(
        out,
        /^OVERLOADED: model m cannot finish 4 items in \d+ ms \(estimated 500\.0 ms with the work queued\); shed$/,
      );
      assert.deepEqual(a.calls, []);
    });

    it('retries a request that failed UNAVAILABLE once on another replica, and avoids the failed one', async () => {
      const down = replica('down', unavailable);
      const up = replica('up');
      const res = await new Ranker(catalog, new RoundRobin([down.r, up.r]), OPTS).rank(query(4));
      assert.deepEqual([...res.scores], [0, 1, 2, 3]);
      assert.deepEqual(down.calls, [4]);
      assert.deepEqual(up.calls, [4]);
      assert.equal(down.r.isSuspect(Date.now()), true);
    });

    it('fails the query with UNAVAILABLE when the retry has nowhere to go', async () => {
      const down = replica('down', unavailable);
      assert.equal(
        await failure(new Ranker(catalog, new RoundRobin([down.r]), OPTS).rank(query(4))),
        'UNAVAILABLE: replica on down failed and no other replica of m is up',
      );
    });

    it('answers INTERNAL when a host returns the wrong number of scores', async () => {
      const short = replica('a', () =>
        Promise.resolve({ scores: new Uint8Array(4), version: '3', queueUs: 0, computeUs: 1 }),
      );
      assert.equal(
        await failure(new Ranker(catalog, new RoundRobin([short.r]), OPTS).rank(query(4))),
        'INTERNAL: worker returned 4 score bytes for 4 items',
      );
    });
  });
});
