// bench/pytorch_engine.py on every zoo family at a tiny table scale, where a python3 imports torch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ZOO_MODELS, ZOO_SPECS } from '@hera/model-schema';
import { parsePeerPoint, peerSpec } from './engine-peer';

const SCRIPT = join(__dirname, '..', 'pytorch_engine.py');
const ENV = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
const python = ['python3', '/usr/bin/python3'].find(
  py => spawnSync(py, ['-c', 'import torch'], { env: ENV }).status === 0,
);

describe('pytorch_engine.py', () => {
  it(
    'runs every zoo model at every batch asked for, one point line each',
    { skip: python ? false : 'no python3 here imports torch (apt-get install python3-torch)', timeout: 120_000 },
    () => {
      const spec = {
        models: ZOO_MODELS.map(m => peerSpec(ZOO_SPECS[m], 1e-4)),
        batches: [3, 16],
        point_s: 0.01,
        seed: 1,
      };
      const r = spawnSync(python!, [SCRIPT], { input: JSON.stringify(spec), encoding: 'utf8', env: ENV });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, ZOO_MODELS.length * 2);
      lines.forEach((line, i) => {
        const p = parsePeerPoint(line, { model: ZOO_MODELS[i >> 1]!, batch: [3, 16][i % 2]! });
        assert.ok(p.calls >= 5 && p.p50Ms <= p.p99Ms, line);
        assert.equal(p.threads, 1);
      });
    },
  );
});
