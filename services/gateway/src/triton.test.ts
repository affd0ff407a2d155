import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeraError } from '@hera/errors';
import { Registry, parseExposition } from '@hera/metrics';
import { toCatalogEntry } from './catalog';
import { GatewayMetrics } from './gateway-metrics';
import { ModelStats } from './model-stats';
import { tinyModel } from './test-fixtures';
import { modelStatistics, repositoryIndex, timeoutFailure, timeoutParamMs, tritonConfig } from './triton';

const tiny = toCatalogEntry(tinyModel());
const catalogOf = (...ms: ReturnType<typeof toCatalogEntry>[]) => ({
  get: (n: string) => ms.find(m => m.name === n),
  list: () => ms,
});

describe('tritonConfig', () => {
  it('maps a zoo model to a Triton config: dims without the item dimension, max_batch_size = MAX_ITEMS', () => {
    assert.deepEqual(tritonConfig(tiny, 1024), {
      name: 'tiny',
      platform: 'hera_recsys',
      backend: 'tfjs',
      versionPolicy: { latest: { numVersions: 1 } },
      maxBatchSize: 1024,
      input: [
        { name: 'dense', dataType: 'TYPE_FP32', dims: [2], optional: false },
        { name: 'sparse', dataType: 'TYPE_INT32', dims: [2, 2] },
      ],
      output: [{ name: 'score', dataType: 'TYPE_FP32', dims: [1] }],
    });
  });

  it('names an imported model tensorflowjs, flat ids for uneven lookups, an optional empty dense input', () => {
    const m = toCatalogEntry(
      tinyModel({
        denseDim: 0,
        sharedTables: false,
        engine: 'onnx',
        tables: [
          { name: 'a', rows: 5, lookups: 1, dim: 4 },
          { name: 'b', rows: 5, lookups: 3, dim: 4 },
        ],
      }),
    );
    const c = tritonConfig(m, 64);
    assert.equal(c.platform, 'tensorflowjs');
    assert.equal(c.backend, 'onnxruntime');
    assert.equal(c.maxBatchSize, 64);
    assert.deepEqual(c.input, [
      { name: 'dense', dataType: 'TYPE_FP32', dims: [0], optional: true },
      { name: 'sparse', dataType: 'TYPE_INT32', dims: [4] },
    ]);
  });
});

describe('repositoryIndex', () => {
  const other = toCatalogEntry(tinyModel({ name: 'alpha', version: '7' }));
  const replicas = (m: string) => (m === 'tiny' ? 2 : 0);

  it('lists every registered model, READY when routed, else UNAVAILABLE with the reason', () => {
    const r = repositoryIndex([tiny, other], replicas, { repositoryName: '', ready: false });
    assert.deepEqual(
      r.models!.map(m => [m.name, m.version, m.state]),
      [
        ['alpha', '7', 'UNAVAILABLE'],
        ['tiny', '1', 'READY'],
      ],
    );
    assert.match(r.models![0]!.reason!, /no replica of alpha is up/);
    assert.equal(r.models![1]!.reason, '');
  });

  it('lists each served version of a model, READY where a replica serves it', () => {
    const twin = toCatalogEntry(tinyModel({ name: 'twin', version: '2', versions: ['1', '2'] }));
    // The hosts still serve version 1 only: version 2 is rolling out.
    const r = repositoryIndex([twin], (m, v) => (m === 'twin' && (v === '' || v === '1') ? 1 : 0), {
      repositoryName: '',
      ready: false,
    });
    assert.deepEqual(
      r.models!.map(m => [m.name, m.version, m.state]),
      [
        ['twin', '1', 'READY'],
        ['twin', '2', 'UNAVAILABLE'],
      ],
    );
    assert.match(r.models![1]!.reason!, /no replica of twin serves version 2 yet/);
    const ready = repositoryIndex([twin], () => 1, { repositoryName: '', ready: true });
    assert.deepEqual(
      ready.models!.map(m => m.version),
      ['1', '2'],
    );
  });

  it('keeps only the ready models when asked, and refuses a named repository', () => {
    const r = repositoryIndex([tiny, other], replicas, { repositoryName: '', ready: true });
    assert.deepEqual(
      r.models!.map(m => m.name),
      ['tiny'],
    );
    assert.throws(
      () => repositoryIndex([tiny], replicas, { repositoryName: 'models', ready: false }),
      (e: HeraError) => e.code === 'INVALID_ARGUMENT' && e.message.startsWith('repository_name:'),
    );
  });
});

describe('ModelStats', () => {
  it('accumulates success and failure counts, durations in ns, items, sub-batches and the last time', () => {
    const s = new ModelStats();
    s.record('tiny', '1', {
      ok: true,
      durationNs: 2e6,
      items: 10,
      subBatches: 2,
      queueUs: 30,
      inferenceUs: 500,
      at: 5,
    });
    s.record('tiny', '1', { ok: true, durationNs: 1e6, items: 4, subBatches: 1, queueUs: 10, inferenceUs: 200, at: 9 });
    s.record('tiny', '1', { ok: false, durationNs: 3e5, at: 7 });
    s.record('tiny', '0', { ok: true, durationNs: 1, items: 1, subBatches: 1, at: 1 });
    assert.deepEqual(s.get('tiny', '1'), {
      name: 'tiny',
      version: '1',
      lastInference: 9,
      inferenceCount: 14,
      executionCount: 3,
      success: { count: 2, ns: 3e6 },
      fail: { count: 1, ns: 3e5 },
      queue: { count: 2, ns: 40_000 },
      computeInfer: { count: 2, ns: 700_000 },
    });
    assert.deepEqual(s.versions('tiny'), ['0', '1']);
    assert.equal(s.get('none', '1').success.count, 0);
  });

  it('is fed by the same observation as the Prometheus series (no second count)', async () => {
    const registry = new Registry();
    const m = new GatewayMetrics(registry);
    m.start('ModelInfer', tiny).ok(8, 1, { queueUs: 5, inferenceUs: 100 });
    m.start('ModelStreamInfer', tiny).ok(3, 1, { queueUs: 1, inferenceUs: 50 });
    m.start('ModelInfer', tiny).failed(new HeraError('INVALID_ARGUMENT', 'bad'));
    m.start('ModelInfer', undefined).failed(new HeraError('NOT_FOUND', 'no such model'));
    const v = m.stats.get('tiny', '1');
    assert.equal(v.success.count, 2);
    assert.equal(v.fail.count, 1);
    assert.equal(v.inferenceCount, 11);
    assert.equal(v.computeInfer.ns, 150_000);
    const samples = parseExposition(await registry.metrics());
    const total = (code: string) =>
      samples
        .filter(x => x.name === 'hera_gateway_requests_total' && x.labels.model === 'tiny' && x.labels.code === code)
        .reduce((a, x) => a + x.value, 0);
    assert.equal(total('OK'), v.success.count);
    assert.equal(total('INVALID_ARGUMENT'), v.fail.count);
    assert.deepEqual(m.stats.versions(''), [], 'an unknown model is not counted in the statistics');
  });
});

describe('modelStatistics', () => {
  const stats = new ModelStats();
  stats.record('tiny', '0', { ok: true, durationNs: 10, items: 1, subBatches: 1, at: 3 });

  it('answers every registered model (served version, and older ones it counted), in Triton terms', () => {
    const all = modelStatistics(stats, catalogOf(tiny), { name: '', version: '' });
    assert.deepEqual(
      all.map(s => [s.name, s.version, s.inferenceStats!.success!.count]),
      [
        ['tiny', '0', 1],
        ['tiny', '1', 0],
      ],
    );
    assert.deepEqual(all[0]!.inferenceStats!.computeInput, { count: 0, ns: 0 });
    assert.equal(modelStatistics(stats, catalogOf(tiny), { name: 'tiny', version: '1' }).length, 1);
  });

  it('answers each served version of a model, NOT_FOUND naming them for another', () => {
    const twin = toCatalogEntry(tinyModel({ name: 'twin', version: '10', versions: ['2', '10'] }));
    const s = new ModelStats();
    s.record('twin', '2', { ok: true, durationNs: 10, items: 3, subBatches: 1, at: 3 });
    assert.deepEqual(
      modelStatistics(s, catalogOf(twin), { name: 'twin', version: '' }).map(x => [x.version, x.inferenceCount]),
      [
        ['2', 3],
        ['10', 0],
      ],
    );
    assert.throws(
      () => modelStatistics(s, catalogOf(twin), { name: 'twin', version: '3' }),
      (e: HeraError) => e.code === 'NOT_FOUND' && /no version "3" \(serving 2, 10\)/.test(e.message),
    );
  });

  it('NOT_FOUND for an unknown model or version', () => {
    for (const req of [
      { name: 'nope', version: '' },
      { name: 'tiny', version: '9' },
    ])
      assert.throws(
        () => modelStatistics(stats, catalogOf(tiny), req),
        (e: HeraError) => e.code === 'NOT_FOUND',
      );
  });
});

describe('timeout parameter', () => {
  it('reads int64_param or uint64_param microseconds as ms; refuses other kinds and negatives', () => {
    assert.equal(timeoutParamMs({}), 0);
    assert.equal(timeoutParamMs({ timeout: { parameterChoice: 'int64Param', int64Param: 2500 } }), 2.5);
    assert.equal(timeoutParamMs({ timeout: { parameterChoice: 'uint64Param', uint64Param: 1 } }), 0.001);
    for (const p of [
      { parameterChoice: 'stringParam' as const, stringParam: '5' },
      { parameterChoice: 'int64Param' as const, int64Param: -1 },
    ])
      assert.throws(
        () => timeoutParamMs({ timeout: p }),
        (e: HeraError) => e.code === 'INVALID_ARGUMENT' && e.message.startsWith('parameters["timeout"]'),
      );
  });

  it('turns a shed or a missed deadline into DEADLINE_EXCEEDED when the timeout was the binding deadline', () => {
    const shed = new HeraError('OVERLOADED', 'cannot finish');
    const got = timeoutFailure(shed, 0.001, true) as HeraError;
    assert.equal(got.code, 'DEADLINE');
    assert.match(got.message, /parameters\["timeout"\]: the request's timeout of 1 µs/);
    assert.equal(timeoutFailure(shed, 0.001, false), shed, 'the call deadline bound first: as it was');
    assert.equal(timeoutFailure(shed, 0, true), shed, 'no timeout parameter');
    const bad = new HeraError('INVALID_ARGUMENT', 'x');
    assert.equal(timeoutFailure(bad, 5, true), bad);
  });
});
