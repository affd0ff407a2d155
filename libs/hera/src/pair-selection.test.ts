import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraError } from '@hera/errors';
import { selectPairsToProfile } from './pair-selection';
import { checkPredictor } from './predictor-check';
import { derivedBytesPerQuery, meanQueryItems } from './roofline';
import { handExample, node, profile, profileSet, roofline } from './test-fixtures';

describe('selectPairsToProfile', () => {
  // Two memory-bound (mem, mem2) and two compute-bound (cpu, cpu2) models on 8 cores.
  const base = handExample();
  const set = { ...base, models: [...base.models, profile('cpu2', roofline(8, 5), { bytesPerQuery: 1 })] };

  it('takes every memory-bound × compute-bound pair and two same-class controls, one of each class', () => {
    const r = selectPairsToProfile(set);
    const keys = r.pairs.map(p => `${p.a}+${p.b}:${p.role}`);
    assert.deepEqual(
      keys.slice(0, 4).sort(),
      ['cpu+mem:heterogeneous', 'cpu+mem2:heterogeneous', 'cpu2+mem:heterogeneous', 'cpu2+mem2:heterogeneous'].sort(),
    );
    assert.deepEqual(keys.slice(4).sort(), ['cpu+cpu2:control', 'mem+mem2:control']);
    // Heterogeneous pairs come first, best predicted EMU first.
    const emus = r.pairs.slice(0, 4).map(p => p.splits[0]!.predictedEmu);
    assert.deepEqual(
      emus,
      [...emus].sort((x, y) => y - x),
    );
    assert.equal(r.skipped.length, 0);
  });

  it('measures each pair at its top splits by predicted EMU', () => {
    const r = selectPairsToProfile(set, { splitsPerPair: 3, interference: { colocationPenalty: 0 } });
    const p = r.pairs.find(x => x.a === 'cpu' && x.b === 'mem')!;
    assert.equal(p.splits.length, 3);
    // Worked by hand in pair-search.test.ts: (4, 4) is best with EMU 1.5 / 1.04.
    assert.deepEqual([p.splits[0]!.workersA, p.splits[0]!.workersB], [4, 4]);
    assert.ok(Math.abs(p.splits[0]!.predictedEmu - 1.5 / 1.04) < 1e-9);
    assert.ok(
      p.splits[1]!.predictedEmu <= p.splits[0]!.predictedEmu && p.splits[2]!.predictedEmu <= p.splits[1]!.predictedEmu,
    );
  });

  it('takes more controls when asked, and only the listed models', () => {
    assert.equal(selectPairsToProfile(set, { controls: 0 }).pairs.length, 4);
    const r = selectPairsToProfile(set, { models: ['cpu', 'cpu2', 'mem'], controls: 5 });
    assert.deepEqual(
      r.pairs
        .map(p => `${p.a}+${p.b}`)
        .slice(0, 2)
        .sort(),
      ['cpu+mem', 'cpu2+mem'],
    );
    assert.deepEqual(r.pairs.map(p => `${p.a}+${p.b}`).slice(2), ['cpu+cpu2']);
    assert.throws(
      () => selectPairsToProfile(set, { models: ['nope'] }),
      (e: unknown) => isHeraError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('on a node where every model is compute-bound, every pair is a control', () => {
    const two = profileSet(node(2, { bandwidth: 1e12 }), [
      profile('a', [10, 15], { bytesPerQuery: 1 }),
      profile('b', [10, 16], { bytesPerQuery: 1 }),
      profile('c', [10, 19], { bytesPerQuery: 1 }),
    ]);
    const r = selectPairsToProfile(two, { controls: 4 });
    assert.ok(r.pairs.every(p => p.role === 'control' && p.splits.length === 1 && p.splits[0]!.workersA === 1));
    assert.equal(r.pairs.length, 3);
    // a and b scale worst on two cores: one core each for them predicts the highest EMU.
    assert.deepEqual([r.pairs[0]!.a, r.pairs[0]!.b], ['a', 'b']);
  });
});

describe('checkPredictor', () => {
  it('compares every measured split with the uncalibrated prediction', () => {
    const base = handExample();
    const set = {
      ...base,
      pairs: [
        {
          a: 'mem',
          b: 'cpu',
          splits: [{ workersA: 3, workersB: 5, qpsA: 28.5 / 0.95, qpsB: 47.5 / 2 }],
          provenance: { kind: 'measured', detail: 't' } as const,
        },
      ],
    };
    const c = checkPredictor(set);
    assert.equal(c.splits, 1);
    const row = c.rows[0]!;
    // Predicted (γ = 0.05, bus at 0.8): mem 28.5, cpu 47.5.
    assert.ok(Math.abs(row.predictedQpsA - 28.5) < 1e-9 && Math.abs(row.predictedQpsB - 47.5) < 1e-9);
    assert.ok(Math.abs(row.errorA! - 0.05) < 1e-9); // |28.5 − 30| / 30
    assert.ok(Math.abs(row.errorB! - 1) < 1e-9); // |47.5 − 23.75| / 23.75
    assert.deepEqual(c.qpsError, { mean: (row.errorA! + row.errorB!) / 2, max: row.errorB! });
    assert.ok(c.emuError!.max > 0);
  });

  it('reports nothing when no pair was measured', () => {
    const c = checkPredictor(handExample());
    assert.equal(c.splits, 0);
    assert.equal(c.qpsError, undefined);
  });
});

describe('derivedBytesPerQuery', () => {
  it('is E[k] × (lookups × dim × 4 + denseDim × 4)', () => {
    const r = derivedBytesPerQuery({
      denseDim: 13,
      tables: [
        { lookups: 80, dim: 32 },
        { lookups: 1, dim: 16 },
      ],
    });
    assert.equal(r.bytesPerQuery, Math.round(meanQueryItems() * (80 * 32 * 4 + 16 * 4 + 13 * 4)));
    assert.match(r.detail, /81 embedding lookups/);
  });
});
