import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isHeraError } from '@hera/errors';
import { buildRepository } from './build-repository';
import { listRepository, readModelConfig, readModelJson, resolveModelRepo } from './repository';
import { loadTables } from './shared-tables';
import { toModelRecord, ZOO_MODELS } from '@hera/model-schema';

const SCALE = 1e-4;

/** Path → sha256 of every file under dir. */
function digest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

describe('model repository', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'hera-repo-test-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('builds every zoo model; the same seed gives byte-identical files, another seed other weights', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    const c = join(root, 'c');
    const progress: { model: string; done: number; total: number }[] = [];
    const configs = await buildRepository({ repo: a, scale: SCALE, seed: 7, onProgress: e => progress.push(e) });
    assert.deepEqual(
      configs.map(x => x.name),
      [...ZOO_MODELS],
    );
    // Built in another order (one model at a time): still identical.
    for (const m of [...ZOO_MODELS].reverse()) await buildRepository({ repo: b, scale: SCALE, seed: 7, only: [m] });
    await buildRepository({ repo: c, scale: SCALE, seed: 8, only: ['ncf'] });
    const da = digest(a);
    const db = digest(b);
    assert.ok(da.size > ZOO_MODELS.length * 3, `${da.size} files`);
    assert.deepEqual(db, da);
    // Seed 8: same layout, different bytes for weights and tables.
    const dc = digest(c);
    for (const [path, hash] of dc) {
      assert.ok(da.has(path), path);
      if (path.endsWith('.bin')) assert.notEqual(hash, da.get(path), `${path} should differ with another seed`);
    }
    for (const m of ZOO_MODELS) {
      const last = progress.filter(p => p.model === m).at(-1)!;
      assert.equal(last.done, last.total, `${m} progress reaches its total`);
    }
  });

  it('writes a config.json with the input schema, SLA, sub-batch and reading, and lists the models', async () => {
    const repo = join(root, 'a');
    const list = await listRepository(repo);
    assert.deepEqual(
      list.map(e => e.name),
      [...ZOO_MODELS].sort(),
    );
    const rmc1 = await readModelConfig(repo, 'rmc1');
    assert.equal(rmc1.version, '1');
    assert.equal(rmc1.denseDim, 128);
    assert.equal(rmc1.tables.length, 8);
    assert.deepEqual(rmc1.tables[0], { name: 't00', rows: 400, lookups: 80, dim: 32, pooling: 'sum' });
    assert.equal(rmc1.idsPerItem, 640);
    assert.deepEqual(rmc1.inputs, [
      { name: 'dense', datatype: 'FP32', shape: [-1, 128] },
      { name: 'sparse', datatype: 'INT32', shape: [-1, 640] },
    ]);
    assert.equal(rmc1.slaMs, 100);
    assert.equal(rmc1.subBatchSize, 64);
    assert.match(rmc1.reading, /288 → 256 → 64 → 1/);
    const entry = list.find(e => e.name === 'rmc1')!;
    assert.equal(entry.sizeBytes, rmc1.sizeBytes);
    assert.deepEqual([entry.kind, entry.kindSource, entry.versions], ['memory-bound', 'expected', ['1']]);
    const onDisk = readdirSync(join(repo, 'rmc1', '1')).reduce(
      (s, f) => s + statSync(join(repo, 'rmc1', '1', f)).size,
      0,
    );
    assert.equal(rmc1.sizeBytes, onDisk);
    const json = await readModelJson(repo, 'rmc1', '1');
    assert.equal(json.embeddingTables.length, 8);
    assert.ok(json.weightsManifest[0]!.weights.some(w => w.name === 'top0/kernel' && w.shape.join() === '288,256'));
    const record = toModelRecord(rmc1);
    assert.deepEqual(Object.keys(record).sort(), [
      'denseDim',
      'name',
      'sizeBytes',
      'slaMs',
      'subBatchSize',
      'tables',
      'version',
    ]);
    assert.deepEqual(record.tables[0], { name: 't00', rows: 400, lookups: 80, dim: 32 });
    assert.equal(toModelRecord(rmc1, 'memory-bound').kind, 'memory-bound');
  });

  it('loads tables into SharedArrayBuffers with the bytes that were written', async () => {
    const repo = join(root, 'a');
    const tables = await loadTables(repo, 'din');
    assert.deepEqual(
      tables.tables.map(t => [t.name, t.rows, t.dim]),
      [
        ['profile', 100, 32],
        ['behaviour', 10, 32],
        ['ad', 1000, 32],
        ['context', 1000, 32],
      ],
    );
    for (const t of tables.tables) {
      assert.ok(t.data.buffer instanceof SharedArrayBuffer);
      assert.equal(t.data.length, t.rows * t.dim);
      assert.ok(t.aligned);
    }
    const raw = readFileSync(join(repo, 'din', '1', 'emb-ad-shard1of1.bin'));
    const ad = tables.tables[2]!.data;
    assert.deepEqual(
      new Uint8Array(ad.buffer, ad.byteOffset, ad.byteLength),
      new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    );
    assert.equal(tables.bytes, (100 + 10 + 1000 + 1000) * 32 * 4);
  });

  it('reports unknown models and versions as NOT_FOUND and bad options as INVALID_ARGUMENT', async () => {
    const repo = join(root, 'a');
    await assert.rejects(readModelConfig(repo, 'nope'), (e: unknown) => isHeraError(e, 'NOT_FOUND'));
    await assert.rejects(readModelConfig(repo, 'rmc1', '9'), (e: unknown) => isHeraError(e, 'NOT_FOUND'));
    await assert.rejects(readModelConfig(repo, '../etc'), (e: unknown) => isHeraError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(buildRepository({ repo, scale: 0 }), /scale: must be in \(0, 1\]/);
    await assert.rejects(buildRepository({ repo, scale: 2 }), /scale/);
    await assert.rejects(buildRepository({ repo, scale: 0.1, only: ['rmc9'] }), /only: unknown model "rmc9"/);
    await assert.rejects(buildRepository({ repo, scale: 0.1, seed: -1 }), /seed/);
    assert.deepEqual(await listRepository(join(root, 'missing')), []);
  });

  it('resolves the repository from the flag, then HERA_MODEL_REPO, then .hera/models', () => {
    assert.equal(resolveModelRepo('/x/y', { HERA_MODEL_REPO: '/z' }), '/x/y');
    assert.equal(resolveModelRepo(undefined, { HERA_MODEL_REPO: '/z' }), '/z');
    assert.equal(resolveModelRepo(undefined, {}), join(process.cwd(), '.hera', 'models'));
  });
});
