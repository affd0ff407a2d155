import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from './prng';

// The random baseline's co-locations (and the tests pinning them) follow from these sequences.
describe('seededRandom sequences are pinned', () => {
  it('seed 1, 42 and 0 (0 is used as is)', () => {
    const draw = (seed: number) => {
      const f = seededRandom(seed);
      return [f(), f(), f()];
    };
    assert.deepEqual(draw(1), [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    assert.deepEqual(draw(42), [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    assert.deepEqual(draw(0), [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
  });
});
