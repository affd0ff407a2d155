import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ZOO_MODELS, ZOO_SPECS, scaledRows } from './zoo';
import { matMulShapes, modelCost } from './zoo-cost';
import { weightLayout } from './weight-layout';

describe('zoo', () => {
  it('has the eight DeepRecSys models in DESIGN order', () => {
    assert.deepEqual([...ZOO_MODELS], ['rmc1', 'rmc2', 'rmc3', 'ncf', 'wnd', 'mtwnd', 'din', 'dien']);
    assert.deepEqual(Object.keys(ZOO_SPECS).sort(), [...ZOO_MODELS].sort());
  });

  for (const name of ZOO_MODELS) {
    const spec = ZOO_SPECS[name];
    it(`${name}: table bytes match DESIGN's fp32 size and the reading is written down`, () => {
      const gb = modelCost(spec).tableBytes / 1e9;
      // DESIGN lists sizes to one or two significant digits; the MLPs add well under 1%.
      assert.ok(
        Math.abs(gb - spec.designSizeGB) / spec.designSizeGB < 0.05,
        `${name}: ${gb} GB vs ${spec.designSizeGB}`,
      );
      assert.ok(spec.reading.length > 80);
      assert.equal(new Set(spec.tables.map(t => t.name)).size, spec.tables.length, 'table names are unique');
    });

    it(`${name}: layer widths chain and inputs match the embeddings they read`, () => {
      const shapes = matMulShapes(spec, 1);
      const a = spec.arch;
      const dims = (names: readonly string[]) =>
        names.reduce((s, n) => {
          const t = spec.tables.find(x => x.name === n);
          assert.ok(t, `${name}: unknown table ${n}`);
          return s + (t.pooling === 'sum' ? t.dim : t.dim * t.lookups);
        }, 0);
      const allPooled = spec.tables.reduce((s, t) => s + t.dim, 0);
      switch (a.family) {
        case 'dlrm':
          assert.equal(a.bottom[0], spec.denseDim);
          assert.equal(a.top[0], a.bottom.at(-1)! + allPooled);
          assert.equal(a.top.at(-1), 1);
          break;
        case 'ncf':
          assert.equal(a.mlp[0], dims(a.mlpTables));
          assert.equal(a.top[0], spec.tables.find(t => t.name === a.mfTables[0])!.dim + a.mlp.at(-1)!);
          break;
        case 'wnd':
          assert.equal(a.wide[0], spec.denseDim);
          assert.equal(a.deep[0], spec.denseDim + allPooled);
          break;
        case 'mtwnd':
          assert.equal(a.shared[0], spec.denseDim + allPooled);
          assert.equal(a.tower[0], a.shared.at(-1));
          assert.deepEqual([a.wide[0], a.wide.at(-1)], [spec.denseDim, a.tasks]);
          break;
        case 'din': {
          const d = spec.tables.find(t => t.name === a.behaviourTable)!.dim;
          assert.equal(a.attention[0], 3 * d);
          assert.equal(a.top[0], dims(a.pooledTables) + d);
          break;
        }
        case 'dien':
          assert.equal(a.sequenceTables.length, 40);
          assert.equal(a.top[0], dims(a.profileTables) + a.hidden);
          break;
      }
      // Every product is non-empty and every weight product has a kernel and a bias.
      for (const s of shapes) assert.ok(s.k > 0 && s.n > 0 && s.m > 0, `${name}: ${JSON.stringify(s)}`);
      const layout = weightLayout(spec);
      assert.equal(layout.length % 2, 0);
      assert.equal(new Set(layout.map(w => w.name)).size, layout.length, 'weight names are unique');
    });
  }

  it('scales rows only, keeping at least one row', () => {
    assert.equal(scaledRows(4_000_000, 0.001), 4000);
    assert.equal(scaledRows(28_000, 1e-6), 1);
    const full = modelCost(ZOO_SPECS.rmc1, 1);
    const small = modelCost(ZOO_SPECS.rmc1, 0.01);
    assert.equal(small.tableBytes, full.tableBytes / 100);
    assert.equal(small.matMulFlopsPerItem, full.matMulFlopsPerItem);
    assert.equal(small.embeddingBytesPerItem, 8 * 80 * 32 * 4);
  });

  it('rates the embedding-dominated models as memory-bound by arithmetic intensity', () => {
    const byIntensity = [...ZOO_MODELS].sort(
      (x, y) => modelCost(ZOO_SPECS[x]).flopsPerEmbeddingByte - modelCost(ZOO_SPECS[y]).flopsPerEmbeddingByte,
    );
    assert.deepEqual(byIntensity.slice(0, 2).sort(), ['rmc1', 'rmc2']);
    for (const m of ZOO_MODELS)
      assert.equal(ZOO_SPECS[m].expectedKind === 'memory-bound', m === 'rmc1' || m === 'rmc2');
  });
});
