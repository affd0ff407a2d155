import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InferStreamClient } from '@hera/grpc';
import type { ModelCatalog } from './catalog';
import { ESTIMATE_STALE_MS, leastMs, probe, Ranker, type RankInput } from './ranker';
import { Replica } from './replica';
import type { RoutingTable } from './routing';
import { failure, rankerModel, rankQuery } from './test-fixtures';

const MODEL = rankerModel('1', 10);

/** A Ranker over one replica whose host answers at once; `sent` holds the deadline of each request it got. */
function setup(msPerItem = 0) {
  const sent: number[] = [];
  const stream = {
    infer: (req: { items: { itemCount: number } }, deadline: number) => {
      sent.push(deadline);
      return Promise.resolve({
        scores: Buffer.alloc(req.items.itemCount * 4),
        version: '1',
        queueUs: 0,
        computeUs: 100,
      });
    },
  };
  const replica = new Replica('n1', 'm', '127.0.0.1:1', 1, stream as unknown as InferStreamClient);
  replica.msPerItem = msPerItem;
  replica.estimatedAt = Date.now(); // a fresh estimate: no probe goes through
  const catalog = { get: (name: string) => (name === 'm' ? MODEL : undefined) } as unknown as ModelCatalog;
  // An idle model: nothing outstanding, so the queue-based estimate has nothing to say.
  const routing = {
    replicas: () => [replica],
    subBatchSize: () => undefined,
    estimateMs: () => undefined,
    pick: () => replica,
  } as unknown as RoutingTable;
  const ranker = new Ranker(catalog, routing, {
    maxItems: 1024,
    deadlineSlaMultiple: 2,
    admissionControl: true,
    validateValues: true,
  });
  return { ranker, sent };
}

const query = (over: Partial<RankInput> = {}): RankInput => rankQuery(MODEL, over.itemCount ?? 4, over);

describe('Ranker: shedding on time already waited', () => {
  it("counts the request's own timeout from when the call arrived, and refuses at once one whose time ran out while it came in", async () => {
    const { ranker, sent } = setup();
    const out = await failure(ranker.rank(query({ timeoutMs: 3_000, arrivedAt: Date.now() - 3_500 })));
    assert.match(
      out,
      /^DEADLINE: deadline passed \d+ ms before the gateway could start the query \(35\d\d ms after it arrived\); not sent$/,
    );
    assert.deepEqual(sent, [], 'nothing sent to a host');
  });

  it('counts the default deadline (SLA × multiple) from arrival too', async () => {
    const { ranker, sent } = setup();
    assert.match(await failure(ranker.rank(query({ arrivedAt: Date.now() - 250 }))), /^DEADLINE: deadline passed/);
    assert.deepEqual(sent, []);
  });

  it('sheds at once, even on an idle model, a query that has less time left than one sub-batch takes', async () => {
    const { ranker, sent } = setup(10); // 4 items: at least 40 ms
    const out = await failure(ranker.rank(query({ clientDeadline: Date.now() + 20, arrivedAt: Date.now() - 5 })));
    assert.match(
      out,
      /^OVERLOADED: model m cannot finish 4 items in the \d+ ms left \(\d+ ms went receiving it; a sub-batch takes 40\.0 ms or more\); shed$/,
    );
    assert.deepEqual(sent, []);
  });

  it('sends a query that has the time, with the deadline counted from arrival', async () => {
    const { ranker, sent } = setup(10);
    const arrivedAt = Date.now() - 1_000;
    const r = await ranker.rank(query({ timeoutMs: 3_000, arrivedAt }));
    assert.equal(r.scores.length, 4);
    assert.deepEqual(sent, [arrivedAt + 3_000]);
  });

  it('still names bad values of a query it admits', async () => {
    const { ranker, sent } = setup();
    const dense = new Uint8Array(4 * MODEL.denseDim * 4);
    new DataView(dense.buffer).setFloat32(4, NaN, true);
    assert.match(
      await failure(ranker.rank(query({ dense }))),
      /^INVALID_ARGUMENT: items\.dense: item 0 feature 1 is NaN/,
    );
    assert.deepEqual(sent, []);
  });
});

describe('leastMs', () => {
  it("is the fastest measured replica's compute time, 0 until one is measured", () => {
    const r = (ms: number) => Object.assign(Object.create(Replica.prototype) as Replica, { msPerItem: ms });
    assert.equal(leastMs([r(0), r(0)], 64), 0);
    assert.equal(leastMs([r(0.5), r(0.25), r(0)], 64), 16);
  });
});

describe('probe', () => {
  it('lets one query through per ESTIMATE_STALE_MS once no replica has a fresh estimate', () => {
    const r = (at: number) =>
      Object.assign(Object.create(Replica.prototype) as Replica, { msPerItem: 2.5, estimatedAt: at });
    const replicas = [r(0), r(500)];
    const t = 500 + ESTIMATE_STALE_MS;
    assert.equal(probe(replicas, t - 1), false, 'one replica sampled within the interval');
    assert.equal(probe(replicas, t), true, 'both stale: this query goes through');
    assert.equal(probe(replicas, t + 1), false, 'and the next one waits for what it finds');
    assert.equal(probe(replicas, t + ESTIMATE_STALE_MS), true);
  });
});
