import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isHeraError } from '@hera/errors';
import { OnnxModel } from './onnx-model';
import { onnxRuntime, onnxRuntimeStatus } from './runtime';

describe('onnxRuntimeStatus', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hera-ort-fallback-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the runtime version where the binary loads', () => {
    const s = onnxRuntimeStatus();
    assert.equal(s.available, true);
    assert.match(s.available ? s.version : '', /^\d+\.\d+\.\d+$/);
  });

  it('reports why when the module is missing, and the engine refuses with UNAVAILABLE', async () => {
    const missing = join(dir, 'no-such-onnxruntime');
    const s = onnxRuntimeStatus({ module: missing });
    assert.equal(s.available, false);
    assert.match(s.available ? '' : s.reason, /cannot load .*no-such-onnxruntime on linux-x64.*Cannot find module/);
    assert.throws(
      () => onnxRuntime({ module: missing }),
      (err: unknown) => isHeraError(err, 'UNAVAILABLE'),
    );
    await assert.rejects(OnnxModel.load(dir, 'rmc1', { runtimeModule: missing }), (err: unknown) =>
      isHeraError(err, 'UNAVAILABLE'),
    );
  });

  it('reports why when the native binding cannot load (onnxruntime-node with a broken .node file)', () => {
    // onnxruntime-node's own JavaScript, unchanged, over a binding file that is not a shared
    // object: what a platform without a loadable prebuilt binary looks like to it.
    const real = dirname(require.resolve('onnxruntime-node/package.json'));
    const copy = join(dir, 'node_modules', 'onnxruntime-node');
    cpSync(join(real, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(real, 'package.json'), join(copy, 'package.json'));
    const bin = join(copy, 'bin', 'napi-v6', process.platform, process.arch);
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'onnxruntime_binding.node'), 'not a shared object\n');
    const common = require.resolve('onnxruntime-common'); // …/onnxruntime-common/dist/cjs/index.js (no package.json export)
    symlinkSync(
      common.slice(0, common.lastIndexOf('/onnxruntime-common/') + '/onnxruntime-common'.length),
      join(dir, 'node_modules', 'onnxruntime-common'),
    );
    const s = onnxRuntimeStatus({ module: copy });
    assert.equal(s.available, false);
    assert.match(s.available ? '' : s.reason, /onnxruntime_binding\.node.*(invalid ELF header|file too short)/);
  });

  it('loads no native code on import', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        "require('@hera/engine-onnx'); console.log(Object.keys(require.cache).filter(k => k.includes('onnxruntime')).length)",
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out.trim(), '0');
  });
});
