import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowedVersions,
  configFromSpec,
  engineOfBackend,
  sortVersions,
  toModelRecord,
  unservablePolicy,
  servedVersions,
  joinVersions,
  splitVersions,
  recordVersions,
  MAX_SERVED_VERSIONS,
  inputsDiffer,
  type ModelInputs,
  keepRegistryFields,
  type ModelRecord,
} from './model-config';
import { ZOO_SPECS } from './zoo';

describe('model config', () => {
  it('maps a host backend to its engine: onnxruntime is ONNX Runtime, every other name (and none) TF.js', () => {
    assert.equal(engineOfBackend('onnxruntime'), 'onnx');
    for (const b of ['wasm', 'tensorflow', 'cpu', '', undefined]) assert.equal(engineOfBackend(b), 'tfjs', String(b));
  });

  it('carries the configured engine into the registry record, and nothing when the config names none', () => {
    const config = configFromSpec(ZOO_SPECS.ncf, { scale: 0.01, seed: 1, version: '1' });
    assert.equal('engine' in toModelRecord(config), false);
    assert.equal(toModelRecord({ ...config, engine: 'onnx' }).engine, 'onnx');
    assert.equal(toModelRecord({ ...config, engine: 'tfjs' }).engine, 'tfjs');
  });
});

describe('version policy (Triton version_policy; several versions served at once)', () => {
  it('orders versions numerically, newest last', () => {
    assert.deepEqual(sortVersions(['10', '2', '1', 'b', 'a']), ['1', '2', '10', 'a', 'b']);
  });
  it('allows the newest by default and under latest 1, the named one under specific', () => {
    const present = ['1', '10', '2'];
    assert.deepEqual(allowedVersions(undefined, present), ['10']);
    assert.deepEqual(allowedVersions({ latest: 1 }, present), ['10']);
    assert.deepEqual(allowedVersions({ specific: ['2'] }, present), ['2']);
    assert.deepEqual(allowedVersions({ specific: ['7'] }, present), []);
    assert.deepEqual(allowedVersions({ all: true }, present), ['1', '2', '10']);
  });
  it('serves several versions up to MAX_SERVED_VERSIONS; refuses latest < 1, empty or unknown specific', () => {
    assert.equal(MAX_SERVED_VERSIONS, 4);
    for (const p of [
      { all: true as const },
      { latest: 1 },
      { latest: 4 },
      { specific: ['3'] },
      { specific: ['1', '2'] },
    ])
      assert.equal(unservablePolicy(p), undefined, JSON.stringify(p));
    assert.match(unservablePolicy({ latest: 0 }) ?? '', /latest 0: must be at least 1/);
    assert.match(unservablePolicy({ latest: 1.5 }) ?? '', /must be at least 1/);
    assert.match(unservablePolicy({ latest: 5 }) ?? '', /latest 5: at most 4 versions/);
    assert.match(unservablePolicy({ specific: [] }) ?? '', /specific: names no version/);
    assert.match(unservablePolicy({ specific: ['1', '2', '3', '4', '5'] }) ?? '', /specific: 5 versions; at most 4/);
    assert.match(unservablePolicy({ specific: ['1,2'] }) ?? '', /"1,2" is not a valid version/);
  });
  it('gives the served set of a policy over the versions present, newest last, or why none', () => {
    const present = ['1', '10', '2', '3', '4'];
    assert.deepEqual(servedVersions(undefined, present), { versions: ['10'] });
    assert.deepEqual(servedVersions({ latest: 2 }, present), { versions: ['4', '10'] });
    assert.deepEqual(servedVersions({ latest: 3 }, ['1']), { versions: ['1'] });
    assert.deepEqual(servedVersions({ specific: ['10', '1'] }, present), { versions: ['1', '10'] });
    assert.deepEqual(servedVersions({ all: true }, ['2', '1']), { versions: ['1', '2'] });
    const why = (r: ReturnType<typeof servedVersions>) => ('why' in r ? r.why : '');
    assert.match(
      why(servedVersions({ all: true }, present)),
      /all would serve 5 versions \(1, 2, 3, 4, 10\); at most 4/,
    );
    assert.match(why(servedVersions({ specific: ['2', '7'] }, present)), /specific: versions? 7 not in the repository/);
    assert.match(why(servedVersions({ latest: 0 }, present)), /must be at least 1/);
    assert.match(why(servedVersions(undefined, [])), /allows none of the versions/);
  });
  it('names a version set in one tenant version field, newest last', () => {
    assert.equal(joinVersions(['1', '2']), '1,2');
    assert.deepEqual(splitVersions('1,2'), ['1', '2']);
    assert.deepEqual(splitVersions('3'), ['3']);
    assert.deepEqual(splitVersions(''), []);
    assert.deepEqual(recordVersions({ version: '2' }), ['2']);
    assert.deepEqual(recordVersions({ version: '2', versions: ['1', '2'] }), ['1', '2']);
  });
});

describe('inputs two versions must share (inputsDiffer)', () => {
  const base: ModelInputs = { denseDim: 4, tables: [{ name: 'a', rows: 10, lookups: 2 }] };
  const tensors = (shape: number[], range?: [number, number]): ModelInputs => ({
    denseDim: 0,
    tables: [],
    tensors: {
      inputs: [{ name: 'ids', datatype: 'INT32', shape, ...(range ? { range } : {}) }],
      outputs: [{ name: 'p', datatype: 'FP32', shape: [-1, 1] }],
    },
  });
  it('finds nothing between equal inputs; FP32 and an absent datatype are the same', () => {
    assert.equal(inputsDiffer(base, { ...base, denseDatatype: 'FP32' }), '');
    assert.equal(inputsDiffer(tensors([-1, 3], [0, 9]), tensors([-1, 3], [0, 9])), '');
  });
  it('names the first difference, from → next: width, datatype, tables, named tensors', () => {
    assert.equal(inputsDiffer(base, { ...base, denseDim: 5 }), 'dense width 4 → 5');
    assert.equal(inputsDiffer(base, { ...base, denseDatatype: 'INT8' }), 'dense datatype FP32 → INT8');
    assert.equal(
      inputsDiffer(base, { ...base, tables: [{ name: 'a', rows: 11, lookups: 2 }] }),
      'embedding tables (rows×lookups) [a:10×2] → [a:11×2]',
    );
    assert.equal(
      inputsDiffer(tensors([-1, 3], [0, 9]), tensors([-1, 3], [0, 10])),
      'named tensor inputs (ids INT32 [-1, 3] in [0, 9)) → (ids INT32 [-1, 3] in [0, 10))',
    );
    assert.match(
      inputsDiffer({ denseDim: 0, tables: [] }, tensors([-1, 3])),
      /^named tensor inputs \(none: the ranking layout\) → \(ids INT32/,
    );
  });
});

describe('a record rebuilt from its config (keepRegistryFields)', () => {
  const built: ModelRecord = {
    name: 'm',
    version: '2',
    denseDim: 1,
    tables: [],
    slaMs: 10,
    subBatchSize: 8,
    sizeBytes: 5,
  };
  it('keeps the policy, an unload, the measured class and the served set of the same version', () => {
    const stored: ModelRecord = {
      ...built,
      sizeBytes: 9,
      kind: 'memory-bound',
      versionPolicy: { latest: 2 },
      versions: ['1', '2'],
      unloaded: true,
    };
    assert.deepEqual(keepRegistryFields(built, stored), stored);
    assert.deepEqual(keepRegistryFields(built, undefined), built);
  });
  it('keeps the policy and unload only when the config is a newer version (unprofiled, its set unknown)', () => {
    const stored: ModelRecord = {
      ...built,
      version: '1',
      kind: 'memory-bound',
      versionPolicy: { latest: 2 },
      unloaded: true,
    };
    assert.deepEqual(keepRegistryFields(built, stored), { ...built, versionPolicy: { latest: 2 }, unloaded: true });
  });
});
