import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseInitArgs } from './cluster';

describe('parseInitArgs', () => {
  it('reads the flags of hera cluster init, with its defaults', () => {
    const f = parseInitArgs(['--models', 'ncf,rmc1', '--demand-units', '0.25', '--nodes', '2', '--gateway', 'none']);
    assert.equal(f.models, 'ncf,rmc1');
    assert.equal(f.demandUnits, 0.25);
    assert.equal(f.nodes, 2);
    assert.equal(f.gateway, 'none');
    assert.equal(f.scale, 0.01);
    assert.equal(f.plan, true);
    assert.equal(parseInitArgs(['--no-plan']).plan, false);
  });

  it('refuses what the command refuses: unknown flags, stray arguments, bad values', () => {
    assert.throws(() => parseInitArgs(['--demand', 'ncf=1']), /not a flag of hera cluster init: --demand/);
    assert.throws(() => parseInitArgs(['ncf']), /not a flag of hera cluster init: ncf/);
    assert.throws(() => parseInitArgs(['--nodes', 'two']), /non-negative integer/);
    assert.throws(() => parseInitArgs(['--scale', '0']), /--scale must be in \(0, 1\]/);
    assert.throws(() => parseInitArgs(['--demand-units', '0']), /--demand-units must be a positive number/);
    assert.throws(() => parseInitArgs(['--models', 'none']), /nothing to initialise/);
  });
});
