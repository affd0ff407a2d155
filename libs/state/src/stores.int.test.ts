/** PlanStore, PlanView, DemandStore, ModelStore.add and ProfileStore's pair merge against a real redis-server: what they write, read and refuse. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { redisPerFile } from '@hera/testing';
import type { Plan } from '@hera/proto';
import { DemandStore } from './demand';
import { Keyspace } from './keys';
import { ModelStore } from './models';
import { PlanStore, PlanView } from './plans';
import { ProfileStore, type PairProfileRecord } from './profiles';

const db = redisPerFile();

const plan = (model: string, createdAtMs = Date.now()): Plan => ({
  createdAtMs,
  nodeClass: '2c',
  nodes: [{ nodeId: 'n1', config: `${model}:1`, tenants: [{ model, workers: 1 }] }],
});
const explanation = { configs: [], strategies: [] };
const fresh = () => new Keyspace(randomUUID());

describe('PlanStore', () => {
  it('reads nothing before a plan is applied', async () => {
    const store = new PlanStore(db.redis, fresh());
    assert.equal(await store.get(), undefined);
    assert.equal(await store.version(), 0);
    assert.equal(await store.explanation(), undefined);
  });

  it('applies under the next version with its explanation, and announces the version', async () => {
    const keys = fresh();
    const store = new PlanStore(db.redis, keys);
    const sub = db.redis.duplicate();
    try {
      await sub.subscribe(keys.planChannel());
      const heard = new Promise<string>(resolve => sub.once('message', (_ch, msg: string) => resolve(msg)));
      const seen: [Plan | undefined, number][] = [];
      const first = await store.update((current, version) => {
        seen.push([current, version]);
        return { plan: plan('ncf'), explanation };
      });
      assert.equal(first.changed, true);
      assert.equal(first.plan?.version, 1);
      assert.deepEqual(seen, [[undefined, 0]]);
      assert.equal(await heard, '1');
      assert.equal(await store.version(), 1);
      assert.deepEqual(await store.get(), first.plan);
      assert.deepEqual(await store.explanation(), explanation);

      const second = await store.update((current, version) => {
        assert.deepEqual([current, version], [first.plan, 1]);
        return { plan: plan('rmc1'), explanation };
      });
      assert.equal(second.plan?.version, 2);
      assert.equal(await store.version(), 2);
    } finally {
      sub.disconnect();
    }
  });

  it('writes nothing when decide keeps the stored plan or throws', async () => {
    const store = new PlanStore(db.redis, fresh());
    const applied = await store.update(() => ({ plan: plan('ncf'), explanation }));
    assert.deepEqual(await store.update(() => undefined), { plan: applied.plan, changed: false });
    await assert.rejects(
      store.update(() => {
        throw new Error('expected version 7');
      }),
      /expected version 7/,
    );
    assert.equal(await store.version(), 1);
    // Nothing left watched: a plain transaction on this connection still commits.
    assert.ok(await db.redis.multi().set(`${randomUUID()}`, '1').exec());
  });

  it('decides again when another writer applied in between, and gives up with CONFLICT', async () => {
    const keys = fresh();
    const store = new PlanStore(db.redis, keys);
    const otherRedis = db.redis.duplicate();
    const other = new PlanStore(otherRedis, keys);
    try {
      const seen: number[] = [];
      const won = await store.update(async (_current, version) => {
        seen.push(version);
        // The first time, another writer applies between this read and the write.
        if (seen.length === 1) await other.put({ ...plan('din'), version: version + 1 });
        return { plan: plan('rmc1'), explanation };
      });
      assert.deepEqual(seen, [0, 1], "decided again on the other writer's plan");
      assert.equal(won.plan?.version, 2);
      assert.equal((await store.get())?.nodes?.[0]?.tenants?.[0]?.model, 'rmc1');

      let attempts = 0;
      await assert.rejects(
        store.update(async (_current, version) => {
          attempts++;
          await other.put({ ...plan('din'), version: version + 1 });
          return { plan: plan('rmc1'), explanation };
        }),
        (err: Error & { code?: string }) => err.code === 'CONFLICT',
      );
      assert.equal(attempts, 3);
      assert.equal((await store.get())?.nodes?.[0]?.tenants?.[0]?.model, 'din', 'the lost attempts wrote nothing');
    } finally {
      otherRedis.disconnect();
    }
  });

  it('puts a plan as given, the version counter following it (stand-ins of placement)', async () => {
    const store = new PlanStore(db.redis, fresh());
    await store.put({ ...plan('ncf'), version: 7 });
    assert.equal(await store.version(), 7);
    assert.equal((await store.get())?.version, 7);
  });

  it('names the key of a malformed record instead of handing it on', async () => {
    const keys = fresh();
    const store = new PlanStore(db.redis, keys);
    await db.redis.set(keys.plan(), '{"nodes":[{"nodeId":"n1","tenants":{}}]}');
    await assert.rejects(
      store.get(),
      new RegExp(`^HeraError: malformed record ${keys.plan()}: nodes\\[0\\]\\.tenants is \\{\\}, not a list$`),
    );
    await db.redis.set(keys.planVersion(), 'seven');
    await assert.rejects(
      store.version(),
      new RegExp(`malformed record ${keys.planVersion()}: "seven" is not a version`),
    );
    await db.redis.set(keys.planExplanation(), '{"configs":3}');
    await assert.rejects(
      store.explanation(),
      new RegExp(`malformed record ${keys.planExplanation()}: configs is not an array`),
    );
  });
});

describe('PlanView', () => {
  it('follows a later plan and keeps the known one when the key goes missing, holds an earlier or a malformed plan', async () => {
    const keys = fresh();
    const store = new PlanStore(db.redis, keys);
    const view = new PlanView(store);
    assert.equal(await view.sync(), 'same');
    await store.put({ ...plan('ncf', 2000), version: 2 });
    assert.equal(await view.sync(), 'newer');
    assert.equal(await view.sync(), 'same');
    await db.redis.del(keys.plan());
    assert.equal(await view.sync(), 'missing');
    await store.put({ ...plan('rmc1', 1000), version: 1 });
    assert.equal(await view.sync(), 'older');
    await db.redis.set(keys.plan(), 'not json');
    await assert.rejects(view.sync(), /malformed record .*: not JSON/);
    assert.equal(view.current?.version, 2);
    assert.equal(view.current?.nodes?.[0]?.tenants?.[0]?.model, 'ncf');
  });
});

describe('ModelStore.add', () => {
  it('adds a model only when none of its name is registered, announcing only what it added', async () => {
    const keys = fresh();
    const store = new ModelStore(db.redis, keys);
    const sub = db.redis.duplicate();
    const heard: string[] = [];
    await sub.subscribe(keys.modelChannel());
    sub.on('message', (_c: string, m: string) => heard.push(m));
    try {
      const record = { name: 'm', version: '2', denseDim: 1, tables: [], slaMs: 10, subBatchSize: 4, sizeBytes: 1 };
      // The registry's record: two versions served under latest 2.
      await store.put({ ...record, versions: ['1', '2'], versionPolicy: { latest: 2 } });
      assert.equal(await store.add({ ...record, version: '1' }), false, "a node agent's registration");
      assert.deepEqual((await store.get('m'))?.versions, ['1', '2'], 'the registry record stands');
      assert.equal(await store.add({ ...record, name: 'n' }), true);
      assert.equal((await store.get('n'))?.version, '2');
      await new Promise(r => setTimeout(r, 100));
      assert.deepEqual(heard, ['m', 'n']);
    } finally {
      sub.disconnect();
    }
  });
});

describe('DemandStore', () => {
  it('sets, updates, removes at 0 and replaces, sorted by model', async () => {
    const store = new DemandStore(db.redis, fresh());
    assert.deepEqual(await store.get(), []);
    assert.deepEqual(
      await store.set(
        [
          { model: 'rmc1', qps: 250 },
          { model: 'ncf', qps: 150.5 },
        ],
        false,
      ),
      [
        { model: 'ncf', qps: 150.5 },
        { model: 'rmc1', qps: 250 },
      ],
    );
    assert.deepEqual(
      await store.set(
        [
          { model: 'ncf', qps: 0 },
          { model: 'din', qps: 5 },
        ],
        false,
      ),
      [
        { model: 'din', qps: 5 },
        { model: 'rmc1', qps: 250 },
      ],
    );
    assert.deepEqual(await store.set([{ model: 'wnd', qps: 1 }], true), [{ model: 'wnd', qps: 1 }]);
    assert.deepEqual(await store.set([], true), []);
  });

  it('refuses what the record cannot hold, writing nothing', async () => {
    const store = new DemandStore(db.redis, fresh());
    await store.set([{ model: 'ncf', qps: 1 }], false);
    await assert.rejects(
      store.set(
        [
          { model: 'rmc1', qps: 2 },
          { model: 'din', qps: Number.NaN },
        ],
        true,
      ),
      /refusing to store/,
    );
    await assert.rejects(store.set([{ model: '', qps: 2 }], false), /refusing to store/);
    assert.deepEqual(await store.get(), [{ model: 'ncf', qps: 1 }]);
  });

  it('names the key and the model of a value that is not a QPS', async () => {
    const keys = fresh();
    await db.redis.hset(keys.demand(), 'ncf', '10', 'rmc1', 'lots');
    await assert.rejects(
      new DemandStore(db.redis, keys).get(),
      new RegExp(`malformed record ${keys.demand()}: rmc1 holds "lots", not a QPS ≥ 0`),
    );
  });
});

describe('ProfileStore.mergePair', () => {
  const pair = (
    backendA: string | undefined,
    backendB: string | undefined,
    workersA: number,
    qpsA: number,
  ): PairProfileRecord => ({
    nodeClass: '4c',
    modelA: 'rmc1',
    modelB: 'ncf',
    measuredAtMs: 1,
    method: 'test',
    slaMsA: 100,
    slaMsB: 50,
    splits: [{ workersA, workersB: 1, qpsA, qpsB: 10, p95MsA: 1, p95MsB: 1 }],
    ...(backendA ? { backendA } : {}),
    ...(backendB ? { backendB } : {}),
  });
  const splits = (p: PairProfileRecord | undefined) =>
    (p?.splits ?? []).map(s => `${s.workersA}:${s.workersB}=${s.qpsA}`);

  it('keeps splits measured on the same backends (either order) and drops those of other backends', async () => {
    const store = new ProfileStore(db.redis, fresh());
    await store.mergePair(pair('wasm', 'wasm', 1, 5));
    assert.deepEqual(splits(await store.mergePair(pair('wasm', 'wasm', 2, 6))), ['1:1=5', '2:1=6']);
    // The pair measured the other way round on the same backends: merged, in this record's order.
    const swapped: PairProfileRecord = {
      ...pair('wasm', 'wasm', 1, 7),
      modelA: 'ncf',
      modelB: 'rmc1',
      slaMsA: 50,
      slaMsB: 100,
    };
    assert.deepEqual(splits(await store.mergePair(swapped)), ['1:1=7', '1:2=10']);
    // rmc1 now runs on ONNX Runtime: the TF.js figures of the pair are dropped, not mixed in.
    const merged = await store.mergePair(pair('onnxruntime', 'wasm', 3, 9));
    assert.deepEqual(splits(merged), ['3:1=9']);
    assert.deepEqual([merged.backendA, merged.backendB], ['onnxruntime', 'wasm']);
    assert.deepEqual(splits(await store.getPair('4c', 'ncf', 'rmc1')), ['3:1=9']);
  });

  it('does not merge a record of an older profiler (no backends) with one that names them', async () => {
    const store = new ProfileStore(db.redis, fresh());
    await store.putPair(pair(undefined, undefined, 1, 3));
    assert.deepEqual(splits(await store.mergePair(pair('wasm', 'wasm', 2, 4))), ['2:1=4']);
  });
});
