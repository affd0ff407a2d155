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

describe('Ranker: a model serving several versions', () => {
  const TWIN = { ...rankerModel('2', 10), versions: ['1', '2'], served: ['1', '2'] };
  /** Two replicas: `a` serves `aVersions`, `b` serves `bVersions`; each records the version it was asked for. */
  function twin(aVersions: string, bVersions: string) {
    const asked: string[] = [];
    const replica = (name: string, version: string) => {
      const stream = {
        infer: (req: { version: string; items: { itemCount: number } }) => {
          asked.push(`${name}:${req.version}`);
          return Promise.resolve({
            scores: Buffer.alloc(req.items.itemCount * 4),
            version: req.version,
            queueUs: 0,
            computeUs: 100,
          });
        },
      };
      const r = new Replica(name, 'm', `127.0.0.1:${name}`, 1, stream as unknown as InferStreamClient);
      r.version = version;
      return r;
    };
    const a = replica('a', aVersions);
    const b = replica('b', bVersions);
    const catalog = { get: (name: string) => (name === 'm' ? TWIN : undefined) } as unknown as ModelCatalog;
    const routing = {
      replicas: () => [a, b],
      subBatchSize: () => undefined,
      estimateMs: () => undefined,
      // Prefers a, as a least-loaded pick might, unless `accept` refuses it.
      pick: (_m: string, exclude?: Replica, accept?: (r: Replica) => boolean) =>
        [a, b].find(r => r !== exclude && (!accept || accept(r))),
    } as unknown as RoutingTable;
    const ranker = new Ranker(catalog, routing, {
      maxItems: 1024,
      deadlineSlaMultiple: 2,
      admissionControl: false,
      validateValues: true,
    });
    return { ranker, asked };
  }
  const q = (version: string) => rankQuery(TWIN, 4, { version });

  it('asks a host for the version named, the newest it serves when none is', async () => {
    const { ranker, asked } = twin('1,2', '1,2');
    assert.equal((await ranker.rank(q('1'))).version, '1');
    assert.equal((await ranker.rank(q(''))).version, '2');
    assert.deepEqual(asked, ['a:1', 'a:2']);
  });

  it('sends a named version only to hosts serving it while a new version set rolls out', async () => {
    const { ranker, asked } = twin('1', '1,2');
    assert.equal((await ranker.rank(q('2'))).version, '2');
    assert.deepEqual(asked, ['b:2']);
    const none = twin('1', '1');
    assert.match(
      await failure(none.ranker.rank(q('2'))),
      /^UNAVAILABLE: no replica of model m serves version 2 yet \(its hosts serve 1\)/,
    );
    assert.deepEqual(none.asked, []);
  });

  it('NOT_FOUND for a version the catalog does not serve, naming those it does', async () => {
    const { ranker } = twin('1,2', '1,2');
    assert.equal(await failure(ranker.rank(q('3'))), 'NOT_FOUND: model m has no version "3" (serving 1, 2)');
  });
});

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

describe('Ranker: a model with FP16 or INT8 dense features', () => {
  /** Two replicas taking turns; `sent` holds each request's dense bytes as the host got them. */
  function twoReplicas(model: ReturnType<typeof rankerModel>) {
    const sent: { count: number; dense: Buffer }[] = [];
    const stream = {
      infer: (req: { items: { itemCount: number; dense: Uint8Array } }) => {
        sent.push({ count: req.items.itemCount, dense: Buffer.from(req.items.dense) });
        return Promise.resolve({
          scores: Buffer.alloc(req.items.itemCount * 4),
          version: '1',
          queueUs: 0,
          computeUs: 1,
        });
      },
    };
    const replicas = ['n1', 'n2'].map(
      n => new Replica(n, 'm', '127.0.0.1:1', 1, stream as unknown as InferStreamClient),
    );
    let turn = 0;
    const catalog = { get: () => model } as unknown as ModelCatalog;
    const routing = {
      replicas: () => replicas,
      subBatchSize: () => 2,
      estimateMs: () => undefined,
      pick: () => replicas[turn++ % 2],
    } as unknown as RoutingTable;
    const ranker = new Ranker(catalog, routing, {
      maxItems: 1024,
      deadlineSlaMultiple: 2,
      admissionControl: false,
      validateValues: true,
    });
    return { ranker, sent };
  }

  it('splits the bytes as sent (2 a value for FP16), unconverted, and checks their length', async () => {
    const model = { ...rankerModel('1', 10), denseDatatype: 'FP16' as const };
    const { ranker, sent } = twoReplicas(model);
    const half = Buffer.from(Uint16Array.from({ length: 8 }, (_, i) => 0x3c00 + i).buffer); // 4 items × 2
    const r = await ranker.rank(rankQuery(model, 4, { dense: new Uint8Array(half) }));
    assert.equal(r.scores.length, 4);
    assert.deepEqual(
      sent.map(s => s.count),
      [2, 2],
    );
    assert.deepEqual(Buffer.concat(sent.map(s => s.dense)), half, 'each part the FP16 bytes of its items');
    assert.equal(
      await failure(ranker.rank(rankQuery(model, 4))), // 4 × 2 float32 zeros: twice the bytes
      'INVALID_ARGUMENT: items.dense: expected 16 bytes (4 items × 2 float16), got 32',
    );
    const nan = Buffer.from(half);
    nan.writeUInt16LE(0x7e00, 10);
    assert.equal(
      await failure(ranker.rank(rankQuery(model, 4, { dense: new Uint8Array(nan) }))),
      'INVALID_ARGUMENT: items.dense: item 2 feature 1 is NaN (FP16 0x7e00; must be finite)',
    );
  });

  it('INT8: one byte a value', async () => {
    const model = {
      ...rankerModel('1', 10),
      denseDatatype: 'INT8' as const,
      denseQuant: { scale: [0.5], zeroPoint: [0] },
    };
    const { ranker, sent } = twoReplicas(model);
    const q = Buffer.from([0x80, 0xff, 0, 1, 2, 3, 0x7f, 0x10]);
    await ranker.rank(rankQuery(model, 4, { dense: new Uint8Array(q) }));
    assert.deepEqual(Buffer.concat(sent.map(s => s.dense)), q);
  });
});
