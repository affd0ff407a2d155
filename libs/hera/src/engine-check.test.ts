import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isHeraError } from '@hera/errors';
import { checkProfileEngines, profileEngineMismatches } from './engine-check';
import { pairFromMeasurements, profileFromMeasurements, type MeasuredProfileInput } from './measured-profile';
import { NODE_CLASS_2C, NODE_CLASS_32C_WHATIF } from './node-classes';
import { profileEngine } from './profile';
import { parseProfileSet, toProfileSetDocument } from './profile-set-schema';
import { rooflineProfileSet } from './roofline';
import { zooRooflineModels } from './zoo-roofline';

const record = (backend?: string): MeasuredProfileInput => ({
  model: 'rmc1',
  nodeClass: '2c',
  cores: 2,
  points: [
    { workers: 1, qps: 10, p95Ms: 50 },
    { workers: 2, qps: 18, p95Ms: 60 },
  ],
  slaMs: 100,
  bestSubBatch: 64,
  memoryPerHostBytes: 1,
  memoryPerWorkerBytes: 1,
  method: 'test',
  ...(backend === undefined ? {} : { backend }),
});
const shipped = (name: string) =>
  parseProfileSet(JSON.parse(readFileSync(join(__dirname, '..', 'profiles', `${name}.json`), 'utf8')));

describe('profiles follow the engine', () => {
  it("reads a measured profile's engine from the backend the tenant ran, and a record without one as TF.js", () => {
    const onnx = profileFromMeasurements(record('onnxruntime'));
    assert.equal(onnx.engine, 'onnx');
    assert.deepEqual(onnx.provenance['engine'], { kind: 'measured', detail: 'the measured tenant ran on onnxruntime' });
    assert.equal(profileFromMeasurements(record('wasm')).engine, 'tfjs');
    const old = profileFromMeasurements(record());
    assert.equal(old.engine, undefined);
    assert.equal(profileEngine(old), 'tfjs', 'profiles from before ONNX Runtime describe TF.js');
    const pair = pairFromMeasurements({
      modelA: 'rmc1',
      modelB: 'ncf',
      splits: [],
      method: 'test',
      backendA: 'onnxruntime',
      backendB: 'tensorflow',
    });
    assert.deepEqual([pair.engineA, pair.engineB], ['onnx', 'tfjs']);
    assert.deepEqual(
      [pairFromMeasurements({ modelA: 'a', modelB: 'b', splits: [], method: 'test' }).engineA],
      [undefined],
    );
  });

  it('marks every roofline profile, and the shipped sets, as TF.js, saying why', () => {
    for (const set of [
      rooflineProfileSet(zooRooflineModels(), NODE_CLASS_2C),
      rooflineProfileSet(zooRooflineModels(), NODE_CLASS_32C_WHATIF),
      shipped('2c'),
      shipped('16c'),
    ]) {
      for (const m of set.models) {
        assert.equal(m.engine, 'tfjs', `${set.nodeClass.name} ${m.model}`);
        assert.match(m.provenance['engine']!.detail, /TF\.js/);
      }
    }
    // The measured 2c set predates ONNX Runtime: no engine named, read as TF.js.
    assert.ok(shipped('2c-measured').models.every(m => m.engine === undefined && profileEngine(m) === 'tfjs'));
  });

  it('round-trips engines through the JSON document, and wants a provenance for one', () => {
    const set = rooflineProfileSet(zooRooflineModels(), NODE_CLASS_2C);
    const doc = toProfileSetDocument({
      ...set,
      models: set.models.map(m => ({
        ...m,
        engine: 'onnx' as const,
        provenance: { ...m.provenance, engine: { kind: 'measured' as const, detail: 'onnxruntime' } },
      })),
    });
    assert.ok(parseProfileSet(JSON.parse(JSON.stringify(doc))).models.every(m => m.engine === 'onnx'));
    const bare = JSON.parse(JSON.stringify(doc)) as { models: { provenance: Record<string, unknown> }[] };
    delete bare.models[0]!.provenance['engine'];
    assert.throws(() => parseProfileSet(bare), /models\[0\]\.provenance\.engine: missing/);
    const bad = JSON.parse(JSON.stringify(doc)) as { models: { engine: string }[] };
    bad.models[0]!.engine = 'pytorch';
    assert.throws(() => parseProfileSet(bad), /models\[0\]\.engine/);
  });

  it('refuses, with PRECONDITION naming the model, both engines and what to do, to plan an onnx model from TF.js figures', () => {
    const set = shipped('2c');
    assert.deepEqual(
      profileEngineMismatches(set, [
        { name: 'rmc1' },
        { name: 'ncf', engine: 'tfjs' },
        { name: 'unprofiled', engine: 'onnx' },
      ]),
      [],
    );
    assert.throws(
      () => checkProfileEngines(set, [{ name: 'rmc1', engine: 'onnx' }, { name: 'ncf' }]),
      (err: unknown) => {
        assert.ok(isHeraError(err, 'PRECONDITION'), String(err));
        assert.match(
          err.message,
          /^profiles of another engine: model rmc1 is built for onnx but its profile on node class 2c describes tfjs \(the roofline describes TF\.js[^)]*\): re-profile it on onnx \(hera profile rmc1\)/,
        );
        assert.doesNotMatch(err.message, /ncf/);
        return true;
      },
    );
  });
});
