import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { modelProto } from '@hera/engine-onnx';
import { InvalidArgumentError } from 'commander';
import { buildModels, denseEncodingOf, importPlacement, parseVersionPolicy } from './models';

describe('hera models build', () => {
  let repo: string;
  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'hera-cli-models-'));
  });
  after(() => rmSync(repo, { recursive: true, force: true }));
  const readConfig = (name: string) =>
    JSON.parse(readFileSync(join(repo, name, 'config.json'), 'utf8')) as { engine?: string; sizeBytes: number };

  it('--format onnx writes the ONNX graphs beside each built version; the default writes none', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await buildModels({ scale: 1e-4, only: ['ncf'], repo, seed: 1, json: true }, sink);
    assert.equal(existsSync(join(repo, 'ncf', '1', 'model.onnx')), false);
    assert.equal(readConfig('ncf').engine, undefined);
    await buildModels({ scale: 1e-4, only: ['ncf', 'din'], repo, seed: 1, json: true, format: 'onnx' }, sink);
    for (const name of ['ncf', 'din']) {
      for (const file of ['model.onnx', 'model-dense.onnx']) {
        const m = modelProto().decode(readFileSync(join(repo, name, '1', file))) as unknown as {
          graph: { name: string };
        };
        assert.match(m.graph.name, new RegExp(`^${name}-`));
      }
      // The config names the engine and counts the graphs' bytes.
      const config = readConfig(name);
      assert.equal(config.engine, 'onnx');
      const dir = join(repo, name, '1');
      assert.equal(
        config.sizeBytes,
        readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0),
      );
    }
  });

  it('--dense-dtype writes the datatype (and INT8 scale and zero point) into the config; FP32 writes none', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const read = (name: string) =>
      JSON.parse(readFileSync(join(repo, name, 'config.json'), 'utf8')) as {
        denseDatatype?: string;
        denseQuant?: unknown;
        inputs: { datatype: string }[];
      };
    await buildModels({ scale: 1e-4, only: ['rmc1'], repo, seed: 1, json: true, denseDtype: 'FP16' }, sink);
    assert.equal(read('rmc1').denseDatatype, 'FP16');
    assert.equal(read('rmc1').inputs[0]!.datatype, 'FP16');
    await buildModels(
      { scale: 1e-4, only: ['rmc1'], repo, seed: 1, json: true, denseDtype: 'INT8', denseZeroPoint: -4 },
      sink,
    );
    assert.deepEqual(read('rmc1').denseQuant, { scale: [2 ** -7], zeroPoint: [-4] });
    await buildModels({ scale: 1e-4, only: ['rmc1'], repo, seed: 1, json: true }, sink);
    assert.equal(read('rmc1').denseDatatype, undefined);
    assert.throws(
      () => denseEncodingOf({ scale: 1, seed: 1, json: true, denseDtype: 'FP16', denseScale: 0.1 }),
      /--dense-scale and --dense-zero-point go with --dense-dtype INT8/,
    );
    await assert.rejects(
      buildModels(
        { scale: 1e-4, only: ['rmc1'], repo, seed: 1, json: true, denseDtype: 'INT8', denseZeroPoint: 300 },
        sink,
      ),
      /dense \(rmc1\)\.zeroPoint\[0\]: must be an integer in \[-128, 127\], got 300/,
    );
  });
});

describe('hera models --version-policy', () => {
  it("parses Triton's policies the cluster can serve", () => {
    assert.deepEqual(parseVersionPolicy('latest'), { latest: 1 });
    assert.deepEqual(parseVersionPolicy('latest:1'), { latest: 1 });
    assert.deepEqual(parseVersionPolicy('specific:3'), { specific: ['3'] });
    // Several versions served at once, up to MAX_SERVED_VERSIONS.
    assert.deepEqual(parseVersionPolicy('all'), { all: true });
    assert.deepEqual(parseVersionPolicy('latest:2'), { latest: 2 });
    assert.deepEqual(parseVersionPolicy('specific:1,2'), { specific: ['1', '2'] });
  });
  it('refuses more versions than are served at once, and malformed policies, saying why', () => {
    for (const p of ['latest:5', 'specific:1,2,3,4,5'])
      assert.throws(
        () => parseVersionPolicy(p),
        (e: Error) =>
          e instanceof InvalidArgumentError && /at most 4 versions of a model are served at once/.test(e.message),
        p,
      );
    for (const p of ['newest', 'latest:0', 'specific:', 'all:1'])
      assert.throws(() => parseVersionPolicy(p), InvalidArgumentError, p);
  });
});

describe('hera models import: cluster or disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hera-cli-import-target-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  it('uploads to --placement; writes the disk with --repo or --redis-url, or when no cluster is found', () => {
    const saved = process.env['HERA_PLACEMENT'];
    delete process.env['HERA_PLACEMENT'];
    try {
      assert.equal(importPlacement({ placement: 'h:1', dataDir }), 'h:1');
      assert.equal(importPlacement({ dataDir }), undefined, 'no cluster.json, no $HERA_PLACEMENT');
      process.env['HERA_PLACEMENT'] = 'p:2';
      assert.equal(importPlacement({ dataDir }), 'p:2');
      assert.equal(importPlacement({ dataDir, repo: 'r' }), undefined);
      assert.equal(importPlacement({ dataDir, redisUrl: 'redis://x' }), undefined);
    } finally {
      if (saved === undefined) delete process.env['HERA_PLACEMENT'];
      else process.env['HERA_PLACEMENT'] = saved;
    }
  });
});
