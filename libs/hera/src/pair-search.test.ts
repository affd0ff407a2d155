import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraError } from '@hera/errors';
import { bandwidthCeiling, predictColocated } from './interference';
import { evaluateSplits, searchPairs, splitAt } from './pair-search';
import { handExample, node, profile, profileSet, roofline } from './test-fixtures';

const close = (actual: number, expected: number, msg?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, msg ?? `${actual} ≉ ${expected}`);

describe('predictColocated (proportional bandwidth sharing)', () => {
  const set = handExample();
  const [mem, cpu] = set.models as [(typeof set.models)[0], (typeof set.models)[0]];

  it('sizes bandwidth from bytes per query when known, else from the solo plateau', () => {
    assert.deepEqual(bandwidthCeiling(mem, set.nodeClass), { qps: 40, source: 'bytes-per-query' });
    assert.deepEqual(bandwidthCeiling(cpu, set.nodeClass), { qps: 1000, source: 'bytes-per-query' });
    const { bytesPerQuery: _b, ...noBytes } = cpu;
    assert.deepEqual(bandwidthCeiling(noBytes, set.nodeClass), { qps: 80, source: 'solo-plateau' });
  });

  it('keeps solo rates (minus γ) while the bus has room', () => {
    // mem:3 draws 30/40 = 0.75 of the bus, cpu:5 draws 50/1000 = 0.05: no contention.
    const p = predictColocated(
      [
        { profile: mem, workers: 3 },
        { profile: cpu, workers: 5 },
      ],
      set.nodeClass,
      { colocationPenalty: 0.1 },
    );
    close(p.bandwidthDemand, 0.8);
    close(p.scale, 0.9);
    close(p.qps[0]!, 27);
    close(p.qps[1]!, 45);
  });

  it('slows every tenant by 1 / demand when the bus is oversubscribed', () => {
    // mem:4 draws 1.0, cpu:4 draws 0.04: both slow by 1/1.04.
    const p = predictColocated(
      [
        { profile: mem, workers: 4 },
        { profile: cpu, workers: 4 },
      ],
      set.nodeClass,
      { colocationPenalty: 0 },
    );
    close(p.qps[0]!, 40 / 1.04);
    close(p.qps[1]!, 40 / 1.04);
  });

  it('leaves a tenant alone on its node unchanged', () => {
    const p = predictColocated([{ profile: mem, workers: 4 }], set.nodeClass);
    assert.deepEqual(p.qps, [40]);
  });

  it('rejects a penalty outside [0, 1)', () => {
    assert.throws(
      () => predictColocated([], set.nodeClass, { colocationPenalty: 1 }),
      (e: unknown) => isHeraError(e, 'INVALID_ARGUMENT'),
    );
  });
});

describe('searchPairs', () => {
  it('pairs a memory-bound with a compute-bound model at the split worked out by hand', () => {
    // Splits of mem+cpu on 8 cores with γ = 0: (4,4) → (40 + 40)/1.04 QPS, EMU = (1 + 0.5)/1.04
    // = 1.442; (3,5) → EMU 0.75 + 0.625 = 1.375; (5,3) → 1.375/1.03 = 1.335. Best: (4,4).
    const r = searchPairs(handExample(), { interference: { colocationPenalty: 0 } });
    const pair = r.pairs.find(p => p.a === 'cpu' && p.b === 'mem')!;
    assert.equal(pair.kindA, 'compute-bound');
    assert.equal(pair.kindB, 'memory-bound');
    assert.equal(pair.accepted, true, pair.reason);
    assert.equal(pair.best!.workersA, 4);
    assert.equal(pair.best!.workersB, 4);
    close(pair.best!.emu, 1.5 / 1.04);
    assert.equal(pair.config!.id, 'cpu:4+mem:4');
    assert.equal(pair.config!.predicted, true);
    assert.equal(pair.runnersUp[0]!.workersA + pair.runnersUp[0]!.workersB <= 8, true);
    assert.ok(r.candidates.some(c => c.id === 'cpu:4+mem:4'));
  });

  it('the pair beats both dedicated servers: EMU > 1 with the default γ too', () => {
    const r = searchPairs(handExample());
    const pair = r.pairs.find(p => p.a === 'cpu' && p.b === 'mem')!;
    close(pair.best!.emu, (1.5 / 1.04) * 0.95);
    assert.ok(pair.accepted);
  });

  it('does not pair two memory-bound models, even when same-kind pairs are allowed', () => {
    // mem+mem2: any split draws ≥ 1 bus when it would beat one dedicated server, so EMU ≤ 1.
    for (const heterogeneousOnly of [true, false]) {
      const r = searchPairs(handExample(), { heterogeneousOnly, interference: { colocationPenalty: 0 } });
      const pair = r.pairs.find(p => p.a === 'mem' && p.b === 'mem2')!;
      assert.equal(pair.accepted, false);
      assert.ok(pair.best!.emu <= 1 + 1e-12, `EMU ${pair.best!.emu}`);
      assert.match(pair.reason, heterogeneousOnly ? /both memory-bound/ : /two dedicated servers do as well/);
    }
  });

  it('does not pair two linearly scaling compute-bound models (splitting cores gains nothing)', () => {
    const n = node(4, { bandwidth: 1e6 });
    const set = profileSet(n, [
      profile('a', roofline(4, 10), { bytesPerQuery: 1 }),
      profile('b', roofline(4, 7), { bytesPerQuery: 1 }),
    ]);
    const pair = searchPairs(set).pairs[0]!;
    assert.equal(pair.accepted, false);
    assert.ok(pair.best!.emu < 1);
  });

  it('claims no gain without byte counts: the solo plateau is the pessimistic ceiling', () => {
    const set = handExample();
    const stripped = { ...set, models: set.models.map(({ bytesPerQuery: _b, ...m }) => m) };
    const pair = searchPairs(stripped).pairs.find(p => p.a === 'cpu' && p.b === 'mem')!;
    assert.equal(pair.accepted, false);
    assert.ok(pair.best!.emu <= 1);
  });

  it('uses measured pair profiles instead of the predictor, labelled measured', () => {
    const base = handExample();
    const set = {
      ...base,
      pairs: [
        {
          a: 'mem',
          b: 'cpu',
          splits: [
            { workersA: 3, workersB: 5, qpsA: 28, qpsB: 48 },
            { workersA: 2, workersB: 6, qpsA: 20, qpsB: 20 },
          ],
          provenance: { kind: 'measured', detail: 'test' } as const,
        },
      ],
    };
    const pair = searchPairs(set).pairs.find(p => p.a === 'cpu' && p.b === 'mem')!;
    assert.equal(pair.best!.predicted, false);
    // Stored as (mem, cpu); the search orders by name, so A = cpu.
    assert.equal(pair.best!.workersA, 5);
    assert.equal(pair.best!.workersB, 3);
    close(pair.best!.emu, 48 / 80 + 28 / 40);
    assert.equal(pair.splitsMeasured, 2);
    assert.equal(pair.config!.predicted, false);
    assert.equal(pair.config!.basis, 'measured-pair');
    // Unmeasured splits are predicted, corrected by the measured ones: per tenant the mean of
    // measured / predicted (capped at 1). Predicted (γ = 0.05): mem:3+cpu:5 → 28.5, 47.5;
    // mem:2+cpu:6 → 19, 57. So mem keeps 1 (ratios 0.98, 1.05), cpu gets (48/47.5 + 20/57) / 2.
    const cpuFactor = (48 / 47.5 + 20 / 57) / 2;
    const r = searchPairs(set);
    const c = r.calibration.get('cpu+mem')!;
    assert.equal(c.a, 'mem'); // oriented as the pair profile is stored
    close(c.factorA, 1);
    close(c.factorB, cpuFactor);
    const s44 = splitAt(r, 'cpu', 4, 'mem', 4)!;
    assert.equal(s44.basis, 'predicted');
    close(s44.qpsA, (40 / 1.04) * 0.95 * cpuFactor);
    close(s44.qpsB, (40 / 1.04) * 0.95);
    assert.equal(splitAt(r, 'mem', 3, 'cpu', 5)!.basis, 'measured-pair');
  });

  it('corrects the predictor for pairs nobody measured by what the measured pairs of the class showed', () => {
    // cpu+mem measured at half the prediction at one split; cpu+mem2 (unmeasured, same shapes)
    // is predicted at half too, and no longer beats two dedicated servers.
    const base = handExample();
    const pred = searchPairs(base).pairs.find(p => p.a === 'cpu' && p.b === 'mem2')!;
    assert.ok(pred.accepted);
    const s44 = splitAt(searchPairs(base), 'cpu', 4, 'mem', 4)!;
    const set = {
      ...base,
      pairs: [
        {
          a: 'cpu',
          b: 'mem',
          splits: [{ workersA: 4, workersB: 4, qpsA: s44.qpsA / 2, qpsB: s44.qpsB / 2 }],
          provenance: { kind: 'measured', detail: 'test' } as const,
        },
      ],
    };
    const r = searchPairs(set);
    assert.ok(Math.abs(r.classCalibration!.factor - 0.5) < 1e-9 && r.classCalibration!.tenants === 2);
    const other = r.pairs.find(p => p.a === 'cpu' && p.b === 'mem2')!;
    close(other.best!.emu, pred.best!.emu / 2);
    assert.equal(other.accepted, false);
    assert.match(other.reason, /× 0\.50 as measured pairs of this class fell short/);
    close(splitAt(r, 'cpu', 4, 'mem2', 4)!.qpsA, s44.qpsA / 2);
  });

  it('respects memory: splits that do not fit are never considered', () => {
    // 100 B node; mem needs 40 + 10/worker, cpu 20 + 5/worker. mem:4 + cpu:4 needs 80 + 40 = 120.
    const n = node(8, { bandwidth: 1000, memoryBytes: 100 });
    const set = profileSet(n, [
      profile('mem', roofline(8, 10, 40), { bytesPerQuery: 25, memoryPerHostBytes: 40, memoryPerWorkerBytes: 10 }),
      profile('cpu', roofline(8, 10), { bytesPerQuery: 1, memoryPerHostBytes: 20, memoryPerWorkerBytes: 5 }),
    ]);
    const splits = evaluateSplits(set.models[0]!, set.models[1]!, n);
    assert.ok(splits.length > 0);
    for (const s of splits) assert.ok(s.memoryBytes <= 100 && 40 + 10 * s.workersA + 20 + 5 * s.workersB <= 100);
    assert.ok(!splits.some(s => s.workersA === 4 && s.workersB === 4));
    // Dedicated mem: 40 + 10n ≤ 100 → n ≤ 6, knee 4 fits.
    assert.equal(searchPairs(set).dedicated.find(d => d.tenants[0]!.model === 'mem')!.cores, 4);
  });

  it('reports a model that cannot fit one worker as unplaceable', () => {
    const n = node(4, { memoryBytes: 10 });
    const set = profileSet(n, [
      profile('big', roofline(4, 1), { memoryPerHostBytes: 11 }),
      profile('ok', roofline(4, 1)),
    ]);
    const r = searchPairs(set);
    assert.deepEqual(
      r.unplaceable.map(u => u.model),
      ['big'],
    );
    assert.match(r.unplaceable[0]!.reason, /needs 11 bytes/);
    assert.deepEqual(
      r.dedicated.map(d => d.id),
      ['ok:4'],
    );
  });

  it('rejects a profile whose curve does not match the node class cores', () => {
    const set = profileSet(node(4), [profile('a', roofline(3, 1))]);
    assert.throws(() => searchPairs(set), /models\.a\.qps: has 3 points, node class t4 has 4 cores/);
  });
});
