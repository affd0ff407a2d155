import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configFromSpec, engineOfBackend, toModelRecord } from './model-config';
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
