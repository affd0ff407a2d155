import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraError } from '@hera/errors';
import { chooseEngine, type RuntimeStatus } from './engine-choice';

const loads = (): RuntimeStatus => ({ available: true, version: '1.31.1' });
const fails = (): RuntimeStatus => ({ available: false, reason: 'no binary for this platform' });
const unasked = (): RuntimeStatus => assert.fail('ONNX Runtime was probed for a TF.js tenant');

describe('chooseEngine', () => {
  it('follows the model config when no backend is asked for', () => {
    assert.deepEqual(chooseEngine(undefined, undefined, unasked), { engine: 'tfjs' });
    assert.deepEqual(chooseEngine(undefined, 'tfjs', unasked), { engine: 'tfjs' });
    assert.deepEqual(chooseEngine(undefined, 'onnx', loads), { engine: 'onnx' });
  });

  it('an asked-for backend overrides the config', () => {
    assert.deepEqual(chooseEngine('wasm', 'onnx', unasked), { engine: 'tfjs', tfjsBackend: 'wasm' });
    assert.deepEqual(chooseEngine('onnx', 'tfjs', loads), { engine: 'onnx' });
  });

  it('an onnx model serves on TF.js where ONNX Runtime cannot load, and says why', () => {
    const c = chooseEngine(undefined, 'onnx', fails);
    assert.equal(c.engine, 'tfjs');
    assert.match(c.fallback ?? '', /ONNX Runtime cannot load here \(no binary for this platform\): serving on TF\.js/);
  });

  it('an explicit onnx that cannot load is refused, not silently served on TF.js', () => {
    assert.throws(
      () => chooseEngine('onnx', undefined, fails),
      (err: unknown) => isHeraError(err, 'PRECONDITION') && /no binary for this platform/.test(err.message),
    );
  });
});
