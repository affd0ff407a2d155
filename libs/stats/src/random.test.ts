import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, Rng } from './random';

// Load, the profiles measured under it, the random baseline and tests depend on the exact
// sequence of a seed: these pins (taken from the two copies this module replaced) fail if the
// generator or its seeding ever changes.
describe('Rng sequences are pinned', () => {
  it('seed 1, 42 and 0 (0 is replaced by a fixed non-zero state)', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return [r.next(), r.next(), r.next(), r.int(1000), r.normal(), r.exponential(2), r.poisson(3), r.poisson(80)];
    };
    assert.deepEqual(
      draw(1),
      [
        0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 981, -0.5103768768108126, 0.47445714586966503, 5,
        80,
      ],
    );
    assert.deepEqual(
      draw(42),
      [
        0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 669, -0.6112802846514629, 0.15957123022109884, 5,
        82,
      ],
    );
    assert.deepEqual(
      draw(0),
      [
        0.3588899802416563, 0.10590326134115458, 0.675290479324758, 917, -0.1457991595662962, 0.012653957451978637, 4,
        70,
      ],
    );
  });
});

describe('mulberry32 sequences are pinned', () => {
  it('seed 1, 42 and 0 (0 is used as is)', () => {
    const draw = (seed: number) => {
      const f = mulberry32(seed);
      return [f(), f(), f()];
    };
    assert.deepEqual(draw(1), [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    assert.deepEqual(draw(42), [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    assert.deepEqual(draw(0), [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
  });
});

describe('Rng over a given source', () => {
  it('draws from that source', () => {
    const values = [0.25, 0.5, 0.999];
    const r = new Rng(() => values.shift()!);
    assert.deepEqual([r.next(), r.int(10), r.int(10)], [0.25, 5, 9]);
  });
});
