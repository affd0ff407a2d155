import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNewerPlan } from './plans';

describe('isNewerPlan', () => {
  it('follows a higher version, and a plan computed later even under a version already seen', () => {
    assert.equal(isNewerPlan({ version: 3, createdAtMs: 300 }, undefined), true);
    assert.equal(isNewerPlan({ version: 4, createdAtMs: 400 }, { version: 3, createdAtMs: 300 }), true);
    // Redis lost its data and the version counter started again: v1 again, but computed later.
    assert.equal(isNewerPlan({ version: 1, createdAtMs: 500 }, { version: 3, createdAtMs: 300 }), true);
    // Versions as the JSON of a proto message may carry them (uint64 as a string).
    assert.equal(isNewerPlan({ version: '10', createdAtMs: '1000' }, { version: '9', createdAtMs: '900' }), true);
  });

  it('does not follow the same plan read again or an earlier one restored from an older snapshot', () => {
    assert.equal(isNewerPlan({ version: 3, createdAtMs: 300 }, { version: 3, createdAtMs: 300 }), false);
    assert.equal(isNewerPlan({ version: 2, createdAtMs: 200 }, { version: 3, createdAtMs: 300 }), false);
  });
});
