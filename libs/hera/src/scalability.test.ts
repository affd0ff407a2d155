import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraError } from '@hera/errors';
import { emu } from './emu';
import { profileFromMeasurements } from './measured-profile';
import { buildModelProfile, qpsAt } from './profile';
import { classifyProfile, workerScalability } from './scalability';
import { profile, roofline } from './test-fixtures';

describe('profile math', () => {
  it('derives knee and QPSmax: the first n reaching the maximum', () => {
    const p = profile('m', [10, 18, 24, 24, 23]);
    assert.equal(p.knee, 3);
    assert.equal(p.qpsMax, 24);
    assert.equal(qpsAt(p, 0), 0);
    assert.equal(qpsAt(p, 5), 23);
    assert.throws(
      () => qpsAt(p, 6),
      (e: unknown) => isHeraError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('rejects a curve whose stated knee or QPSmax disagrees, naming the field', () => {
    const base = {
      model: 'm',
      nodeClass: 'c',
      qps: [10, 20, 15],
      slaMs: 1,
      bestSubBatch: 1,
      memoryPerHostBytes: 0,
      memoryPerWorkerBytes: 0,
      provenance: {},
    };
    assert.throws(
      () => buildModelProfile({ ...base, knee: 3 }, 'models[0]'),
      /models\[0\]\.knee: is 3 but the QPS curve peaks first at n = 2/,
    );
    assert.throws(() => buildModelProfile({ ...base, qpsMax: 21 }, 'x'), /x\.qpsMax/);
    assert.throws(
      () => buildModelProfile({ ...base, qps: [0, 0, 0] }, 'x'),
      /x\.qps: QPS\(n\) is 0 at every worker count/,
    );
    assert.throws(() => buildModelProfile({ ...base, qps: [1, Number.NaN] }, 'x'), /x\.qps\[1\]/);
  });

  it('accepts a latency-bounded curve with QPS(1) = 0 and measures scalability from where it starts', () => {
    // One worker cannot meet the SLA; two split each query and can. WS is relative to the
    // per-worker rate at n = 2 (10 QPS per worker).
    const p = profile('m', [0, 20, 30, 30.2]);
    assert.equal(p.knee, 4);
    assert.equal(workerScalability(p, 1), 0);
    assert.equal(workerScalability(p, 2), 1);
    assert.equal(workerScalability(p, 3), 1);
    // Past n = 3 a worker adds 0.2 QPS < ε · 10: memory-bound, saturating at 3.
    assert.deepEqual(classifyProfile(p), { kind: 'memory-bound', saturatesAt: 3 });
    assert.deepEqual(classifyProfile(profile('m', [0, 20, 30, 40])), { kind: 'compute-bound' });
  });

  it('computes worker scalability WS(n) = QPS(n) / (n · QPS(1))', () => {
    const p = profile('m', [10, 18, 24, 24]);
    assert.equal(workerScalability(p, 1), 1);
    assert.equal(workerScalability(p, 2), 0.9);
    assert.equal(workerScalability(p, 4), 0.6);
  });
});

describe('classifyProfile', () => {
  it('calls a model memory-bound when workers past some n < N gain less than ε·QPS(1)', () => {
    const c = classifyProfile(profile('m', roofline(8, 10, 40)));
    assert.deepEqual(c, { kind: 'memory-bound', saturatesAt: 4 });
  });

  it('calls a linearly scaling model compute-bound', () => {
    assert.deepEqual(classifyProfile(profile('c', roofline(8, 10))), { kind: 'compute-bound' });
  });

  it('uses ε: a 4% gain per worker is memory-bound at ε = 5%, compute-bound at ε = 3%', () => {
    const p = profile('m', [100, 150, 154, 158]);
    assert.equal(classifyProfile(p, 0.05).kind, 'memory-bound');
    assert.equal(classifyProfile(p, 0.05).saturatesAt, 3); // from 3 workers on, the best gain is 4 < 5
    assert.equal(classifyProfile(p, 0.03).kind, 'compute-bound');
  });

  it('is not fooled by one flat step in a curve that keeps climbing', () => {
    const p = profile('c', [10, 20, 20.2, 30, 40]);
    assert.equal(classifyProfile(p).kind, 'compute-bound');
  });

  it('calls a curve that drops past its knee memory-bound', () => {
    assert.equal(classifyProfile(profile('m', [10, 19, 25, 22, 20])).kind, 'memory-bound');
  });
});

describe('emu', () => {
  it('sums each tenant’s QPS over its QPSmax', () => {
    const a = profile('a', [10, 20, 40]);
    const b = profile('b', [5, 10, 10]);
    const profiles = new Map([
      ['a', a],
      ['b', b],
    ]);
    assert.equal(emu([{ model: 'a', qps: 40 }], profiles), 1);
    assert.equal(
      emu(
        [
          { model: 'a', qps: 20 },
          { model: 'b', qps: 7.5 },
        ],
        profiles,
      ),
      1.25,
    );
    assert.throws(() => emu([{ model: 'z', qps: 1 }], profiles), /no profile for z/);
  });
});

describe('profileFromMeasurements', () => {
  it('fills skipped worker counts linearly between measurements and flat after the last', () => {
    const p = profileFromMeasurements({
      model: 'm',
      nodeClass: 'c',
      cores: 6,
      points: [
        { workers: 1, qps: 10 },
        { workers: 4, qps: 34 },
        { workers: 2, qps: 18 },
      ],
      slaMs: 5,
      bestSubBatch: 64,
      memoryPerHostBytes: 1,
      memoryPerWorkerBytes: 1,
      method: 'job 17 on n1',
    });
    assert.deepEqual(p.qps, [10, 18, 26, 34, 34, 34]);
    assert.equal(p.knee, 4);
    assert.match(
      p.provenance.qps!.detail,
      /job 17 on n1; measured at n = 1, 2, 4; the other 3 count\(s\) interpolated/,
    );
    assert.throws(
      () =>
        profileFromMeasurements({
          model: 'm',
          nodeClass: 'c',
          cores: 2,
          points: [{ workers: 2, qps: 1 }],
          slaMs: 1,
          bestSubBatch: 1,
          memoryPerHostBytes: 0,
          memoryPerWorkerBytes: 0,
        }),
      /points: m needs a measurement with 1 worker/,
    );
  });
});
