import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demandFromMix, simulateCluster } from '@hera/hera';
import { parseDemandList, readProfileSet, renderSimulation, resolveProfileSetPath } from './simulate';

describe('hera simulate', () => {
  it('parses a demand list and names the bad part', () => {
    assert.deepEqual(parseDemandList('rmc1=120, ncf=3000'), { rmc1: 120, ncf: 3000 });
    assert.throws(() => parseDemandList('rmc1=-1'), /--demand: "rmc1=-1" is not model=value/);
    assert.throws(() => parseDemandList(' , '), /lists no model/);
  });

  it('finds the shipped profile sets by name and reports a missing file', () => {
    assert.match(resolveProfileSetPath('16c'), /libs\/hera\/profiles\/16c\.json$/);
    assert.equal(readProfileSet('2c').nodeClass.cores, 2);
    assert.throws(() => readProfileSet('/nonexistent/x.json'), /--profiles: \/nonexistent\/x\.json does not exist/);
  });

  it('renders the table with every strategy', () => {
    const set = readProfileSet('16c');
    const r = simulateCluster(set, demandFromMix(set, { mix: 'uniform', dedicatedServers: 40 }), { clusterSize: 40 });
    const text = renderSimulation(r);
    for (const s of ['hera', 'dedicated', 'random', 'first-fit']) assert.match(text, new RegExp(`^${s} `, 'm'));
    assert.match(text, /Hera configurations:/);
  });
});
