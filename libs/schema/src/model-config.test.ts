import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowedVersions,
  configFromSpec,
  engineOfBackend,
  sortVersions,
  toModelRecord,
  unservablePolicy,
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

describe('version policy (Triton version_policy, one version served at a time)', () => {
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
  it('refuses a policy that needs several versions served, saying why', () => {
    assert.equal(unservablePolicy({ latest: 1 }), undefined);
    assert.equal(unservablePolicy({ specific: ['3'] }), undefined);
    for (const p of [{ all: true as const }, { latest: 2 }, { specific: ['1', '2'] }])
      assert.match(unservablePolicy(p) ?? '', /the cluster serves one version of a model at a time/, JSON.stringify(p));
    assert.match(unservablePolicy({ latest: 0 }) ?? '', /must be at least 1/);
  });
});
