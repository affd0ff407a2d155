import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modelCost, ZOO_MODELS, ZOO_SPECS } from '@hera/model-schema';
import { median, medianPoint, parsePeerPoint, parsePeerReady, peerSpec, spread } from './engine-peer';

// A line as bench/pytorch_engine.py prints it.
const LINE =
  '{"model": "rmc1", "batch": 64, "samples_per_s": 189779.77, "mean_samples_per_s": 184711.65, "p50_ms": 0.337, "p99_ms": 0.437, "calls": 577, "torch": "1.13.0a0", "threads": 1}';

describe('engine bench: the PyTorch peer', () => {
  it('gets every zoo model with its rows scaled as the repository builds them: same table bytes', () => {
    for (const name of ZOO_MODELS) {
      for (const scale of [1, 0.0123, 1e-7]) {
        const s = peerSpec(ZOO_SPECS[name], scale);
        assert.equal(s.name, name);
        assert.equal(s.tables.length, ZOO_SPECS[name].tables.length);
        assert.equal(
          s.tables.reduce((b, t) => b + t.rows * t.dim * 4, 0),
          modelCost(ZOO_SPECS[name], scale).tableBytes,
          `${name} at scale ${scale}`,
        );
        assert.deepEqual(s.arch, ZOO_SPECS[name].arch);
      }
    }
    assert.equal(peerSpec(ZOO_SPECS.din, 0.5).tables.find(t => t.name === 'behaviour')!.pooling, 'none');
  });

  it('parses its point lines and checks they answer the point asked for', () => {
    const p = parsePeerPoint(LINE, { model: 'rmc1', batch: 64 });
    assert.deepEqual(p, {
      model: 'rmc1',
      batch: 64,
      samplesPerS: 189779.77,
      meanSamplesPerS: 184711.65,
      p50Ms: 0.337,
      p99Ms: 0.437,
      calls: 577,
      torch: '1.13.0a0',
      threads: 1,
    });
    assert.throws(
      () => parsePeerPoint(LINE, { model: 'rmc1', batch: 256 }),
      /answered rmc1 at batch 64 when asked for rmc1 at batch 256/,
    );
    assert.throws(() => parsePeerPoint(LINE, { model: 'wnd', batch: 64 }), /asked for wnd/);
  });

  it('rejects lines that are not a measured point', () => {
    assert.throws(() => parsePeerPoint('Traceback (most recent call last):'), /not JSON/);
    assert.throws(() => parsePeerPoint('[1, 2]'), /not an object/);
    assert.throws(() => parsePeerPoint('{"error": "unknown op \'x\'"}'), /pytorch_engine.py: unknown op/);
    assert.throws(
      () => parsePeerPoint(LINE.replace('"samples_per_s": 189779.77', '"samples_per_s": 0')),
      /samples_per_s is 0/,
    );
    assert.throws(() => parsePeerPoint(LINE.replace('"p99_ms": 0.437', '"p99_ms": NaN')), /not JSON/);
    assert.throws(() => parsePeerPoint(LINE.replace('"torch": "1.13.0a0", ', '')), /torch is undefined/);
  });

  it('parses its ready line', () => {
    assert.deepEqual(
      parsePeerReady(
        '{"ready": true, "model": "ncf", "table_bytes": 1024, "build_s": 0.5, "torch": "1.13.0a0", "threads": 1, "blas": "libopenblasp-r0.3.21.so"}',
      ),
      {
        tableBytes: 1024,
        buildS: 0.5,
        torch: '1.13.0a0',
        threads: 1,
        blas: 'libopenblasp-r0.3.21.so',
      },
    );
    assert.throws(() => parsePeerReady(LINE), /before it was ready/);
  });
});

describe('engine bench: headline figures over models', () => {
  it('are the median and the worst model, named', () => {
    assert.deepEqual(spread({ rmc1: 0.4, rmc2: 0.3, wnd: 0.9 }), {
      median: 0.4,
      worst: 0.3,
      worstModel: 'rmc2',
      models: 3,
    });
    // An even count: the mean of the two middle figures.
    assert.deepEqual(spread({ rmc1: 0.4, rmc2: 0.3, wnd: 0.9, ncf: 1.2 }), {
      median: 0.65,
      worst: 0.3,
      worstModel: 'rmc2',
      models: 4,
    });
  });

  it('leave out models without a figure, and are null when none has one', () => {
    assert.deepEqual(spread({ rmc1: 0.5, rmc2: undefined, wnd: Number.NaN, din: 0.7 }), {
      median: 0.6,
      worst: 0.5,
      worstModel: 'rmc1',
      models: 2,
    });
    assert.equal(spread({ rmc1: undefined }), null);
    assert.equal(spread({}), null);
  });

  it('over rounds: a measured point (the median one, lower middle when even), and the median ratio', () => {
    const p = (samplesPerS: number, calls: number) => ({ samplesPerS, calls });
    assert.deepEqual(medianPoint([p(30, 1), p(10, 2), p(20, 3)]), p(20, 3));
    assert.deepEqual(medianPoint([p(30, 1), p(10, 2), p(20, 3), p(40, 4)]), p(20, 3));
    assert.deepEqual(medianPoint([p(5, 1)]), p(5, 1));
    assert.throws(() => medianPoint([]), /no points/);
    assert.equal(median([0.5, 0.2, 0.9]), 0.5);
    assert.equal(median([0.5, 0.2, 0.9, 0.3]), 0.4);
    assert.ok(Number.isNaN(median([])));
  });
});
