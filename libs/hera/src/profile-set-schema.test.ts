import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isHeraError } from '@hera/errors';
import { NODE_CLASS_16C, NODE_CLASS_2C } from './node-classes';
import { searchPairs } from './pair-search';
import { checkPredictor } from './predictor-check';
import { parseProfileSet, toProfileSetDocument } from './profile-set-schema';
import { rooflineProfileSet } from './roofline';
import { handExample } from './test-fixtures';
import { zooRooflineModels } from './zoo-roofline';

const doc = () => JSON.parse(JSON.stringify(toProfileSetDocument(handExample()))) as Record<string, any>;

function rejects(mutate: (d: Record<string, any>) => void, field: string, reason?: RegExp): void {
  const d = doc();
  mutate(d);
  assert.throws(
    () => parseProfileSet(d),
    (e: unknown) => {
      assert.ok(isHeraError(e, 'INVALID_ARGUMENT'), String(e));
      assert.ok(e.message.startsWith(`${field}: `), `expected field ${field} in: ${e.message}`);
      if (reason) assert.match(e.message, reason);
      return true;
    },
  );
}

describe('parseProfileSet', () => {
  it('round-trips a profile set through its JSON document', () => {
    const set = handExample();
    const parsed = parseProfileSet(doc());
    assert.deepEqual(
      parsed.models.map(m => [m.model, m.knee, m.qpsMax, m.bytesPerQuery]),
      set.models.map(m => [m.model, m.knee, m.qpsMax, m.bytesPerQuery]),
    );
    assert.equal(parsed.nodeClass.cores, 8);
  });

  it('names the field of every kind of error', () => {
    rejects(d => (d.schema = 'v0'), 'schema');
    rejects(d => (d.models[1].qps[2] = -1), 'models[1].qps[2]', /Too small/);
    rejects(
      d => (d.models[0].qps = d.models[0].qps.slice(1)),
      'models[0].qps',
      /has 7 values, node class t8 has 8 cores/,
    );
    rejects(d => delete d.models[2].provenance.qps, 'models[2].provenance.qps', /must say where it came from/);
    rejects(d => (d.models[0].knee = 2), 'models[0].knee', /peaks first at n = 4/);
    rejects(d => (d.models[0].bestSubBatch = 0.5), 'models[0].bestSubBatch');
    rejects(d => (d.models[0].typo = 1), 'models[0]', /Unrecognized key/);
    rejects(d => (d.models[1].model = 'mem'), 'models[1].model', /listed twice/);
    rejects(d => (d.models[1].model = 'a:b'), 'models[1].model', /must not contain/);
    rejects(d => (d.nodeClass.cores = 0), 'nodeClass.cores');
    rejects(
      d => delete d.nodeClass.provenance.memoryBandwidthBytesPerSec,
      'nodeClass.provenance.memoryBandwidthBytesPerSec',
    );
    rejects(
      d =>
        (d.pairs = [
          {
            a: 'mem',
            b: 'zzz',
            splits: [{ workersA: 1, workersB: 1, qpsA: 1, qpsB: 1 }],
            provenance: { kind: 'measured', detail: 'x' },
          },
        ]),
      'pairs[0].b',
      /no solo profile/,
    );
    rejects(
      d =>
        (d.pairs = [
          {
            a: 'mem',
            b: 'cpu',
            splits: [{ workersA: 5, workersB: 4, qpsA: 1, qpsB: 1 }],
            provenance: { kind: 'measured', detail: 'x' },
          },
        ]),
      'pairs[0].splits[0]',
      /exceed the node's 8 cores/,
    );
    rejects(d => (d.models[0].provenance.qps.kind = 'guessed'), 'models[0].provenance.qps.kind');
  });

  it('lists every problem when there are several', () => {
    const d = doc();
    d.models[0].slaMs = -1;
    d.models[1].bestSubBatch = 0;
    assert.throws(() => parseProfileSet(d), /all problems: models\[0\]\.slaMs: .*; models\[1\]\.bestSubBatch/);
  });
});

describe('shipped profile sets', () => {
  // Reads the two shipped files (the one bit of file I/O in these tests): they must parse and
  // equal what the generator produces now, so the JSON cannot drift from the model.
  for (const hw of [NODE_CLASS_16C, NODE_CLASS_2C]) {
    it(`${hw.name}.json is exactly what the roofline generator produces`, () => {
      const shipped = JSON.parse(readFileSync(join(__dirname, '..', 'profiles', `${hw.name}.json`), 'utf8')) as unknown;
      const parsed = parseProfileSet(shipped);
      const fresh = JSON.parse(
        JSON.stringify(
          toProfileSetDocument(rooflineProfileSet(zooRooflineModels(), hw, { generatedBy: parsed.generatedBy ?? '' })),
        ),
      ) as unknown;
      assert.deepEqual(
        shipped,
        fresh,
        `libs/hera/profiles/${hw.name}.json is stale: run npm run bench -- gen-profiles`,
      );
      assert.equal(parsed.models.length, 8);
      for (const m of parsed.models)
        for (const k of ['qps', 'slaMs', 'bestSubBatch', 'memoryPerHostBytes', 'memoryPerWorkerBytes', 'bytesPerQuery'])
          assert.ok(m.provenance[k], `${m.model}.${k}`);
    });
  }
});

describe('the measured 2-core set', () => {
  it('2c-measured.json parses: measured curves and pairs, derived bytes per query, labelled as such in a plan', () => {
    const set = parseProfileSet(
      JSON.parse(readFileSync(join(__dirname, '..', 'profiles', '2c-measured.json'), 'utf8')) as unknown,
    );
    assert.equal(set.nodeClass.cores, 2);
    assert.equal(set.models.length, 8);
    for (const m of set.models) {
      assert.equal(m.provenance['qps']?.kind, 'measured', m.model);
      assert.equal(m.provenance['bytesPerQuery']?.kind, 'derived', m.model);
      assert.ok(m.bytesPerQuery! > 0, m.model);
    }
    assert.ok(set.pairs.length >= 2, `${set.pairs.length} measured pairs`);
    for (const p of set.pairs) assert.equal(p.provenance.kind, 'measured');
    const check = checkPredictor(set);
    assert.equal(
      check.splits,
      set.pairs.reduce((s, p) => s + p.splits.length, 0),
    );
    const search = searchPairs(set);
    for (const p of search.pairs) {
      const measured = set.pairs.some(x => (x.a === p.a && x.b === p.b) || (x.a === p.b && x.b === p.a));
      if (p.best) assert.equal(p.best.basis, measured ? 'measured-pair' : 'predicted', `${p.a}+${p.b}`);
    }
  });
});
