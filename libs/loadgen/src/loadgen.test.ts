import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@hera/stats';
import { halfToFloat } from '@hera/model-schema';
import { randomItems, toItemBatch } from './items';
import { PayloadPool } from './targets';
import { runLoad } from './load-runner';
import { QueryStream, querySize } from './query-stream';

describe('query sizes (DESIGN §4.1)', () => {
  it('are lognormal with median ≈ 164, clipped to [1, 1024], and reproducible from the seed', () => {
    const rng = new Rng(1);
    const sizes = Array.from({ length: 20_000 }, () => querySize(rng)).sort((a, b) => a - b);
    const median = sizes[sizes.length / 2]!;
    assert.ok(median >= 160 && median <= 168, `median ${median}`);
    assert.ok(sizes[0]! >= 1 && sizes.at(-1)! <= 1024);
    const a = new Rng(42);
    const b = new Rng(42);
    assert.deepEqual(
      Array.from({ length: 50 }, () => querySize(a)),
      Array.from({ length: 50 }, () => querySize(b)),
    );
  });
});

describe('arrivals', () => {
  it('have exponential gaps with the offered mean rate', () => {
    const s = new QueryStream({ rate: 200, seed: 3 });
    let last = 0;
    const gaps: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const q = s.next();
      gaps.push(q.at - last);
      last = q.at;
    }
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(Math.abs(mean - 5) < 0.15, `mean gap ${mean} ms`);
    const cv = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length) / mean;
    assert.ok(Math.abs(cv - 1) < 0.05, `coefficient of variation ${cv} (exponential: 1)`);
  });

  it('DeepRecSys variant: whole-millisecond Poisson gaps', () => {
    const s = new QueryStream({ rate: 100, seed: 3, arrivals: 'poisson-ms' });
    let last = 0;
    for (let i = 0; i < 100; i++) {
      const q = s.next();
      assert.ok(Number.isInteger(q.at - last));
      last = q.at;
    }
    assert.ok(Math.abs(last / 100 - 10) < 1.5);
  });
});

describe('randomItems', () => {
  it('draws every id inside its table', () => {
    const schema = {
      denseDim: 3,
      tables: [
        { rows: 5, lookups: 2 },
        { rows: 1, lookups: 1 },
      ],
    };
    const it = randomItems(schema, 100, new Rng(9));
    assert.equal(it.dense.length, 300);
    assert.equal(it.ids.length, 300);
    for (let i = 0; i < 100; i++) {
      assert.ok(it.ids[i * 3]! < 5 && it.ids[i * 3 + 1]! < 5);
      assert.equal(it.ids[i * 3 + 2], 0);
    }
  });
});

describe('runLoad', () => {
  it('measures latency from the scheduled arrival and keeps sending while queries are slow (open loop)', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const s = await runLoad(
      async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise(r => setTimeout(r, 60));
        inFlight--;
      },
      { rate: 200, seed: 1, durationMs: 1_000, timeoutMs: 1_000, slaMs: 100 },
    );
    assert.ok(s.sent > 150 && s.sent < 250, `sent ${s.sent}`);
    assert.equal(s.ok, s.sent);
    assert.ok(maxInFlight >= 8, `a closed loop would keep 1 in flight; saw ${maxInFlight}`);
    assert.ok(s.p50Ms >= 59 && s.p50Ms < 90, `p50 ${s.p50Ms}`);
    assert.equal(s.meetsSla, true);
  });

  it('fails the SLA when the latest queries miss it, though the window as a whole does not', async () => {
    // Only the last 15 queries of the window are slow, as when a queue starts to build: about 3%
    // of all queries (the overall p95 passes) but about 10% of the last third (its p95 misses).
    // The seeded stream fixes how many queries the window has.
    const opts = { rate: 400, seed: 4, durationMs: 1_200, timeoutMs: 500, slaMs: 40 };
    const stream = new QueryStream(opts);
    let total = 0;
    while (stream.next().at < opts.durationMs) total++;
    let calls = 0;
    const s = await runLoad(async () => {
      const slow = ++calls > total - 15;
      await new Promise(r => setTimeout(r, slow ? 60 : 2));
    }, opts);
    assert.equal(s.sent, total);
    assert.ok(s.p95Ms < 40 && s.lastThirdP95Ms >= 55, JSON.stringify(s));
    assert.equal(s.meetsSla, false);
  });

  it('reports how late the client itself sent: small when it keeps up, large when its own work stalls it', async () => {
    const opts = { rate: 100, seed: 6, durationMs: 600, timeoutMs: 500 };
    const keepsUp = await runLoad(() => new Promise(r => setTimeout(r, 2)), opts);
    assert.ok(keepsUp.sendLagP95Ms < 15, JSON.stringify(keepsUp));
    // 20 ms of client CPU per query at 100 qps: the client falls ever further behind.
    const stalls = await runLoad(async () => {
      const until = performance.now() + 20;
      while (performance.now() < until);
    }, opts);
    assert.ok(stalls.sendLagMaxMs > 300, JSON.stringify(stalls));
  });

  it('counts errors by status name and fails the SLA when they exceed the budget', async () => {
    let i = 0;
    const s = await runLoad(
      async () => {
        if (i++ % 5 === 0) throw Object.assign(new Error('x'), { code: 8 });
      },
      { rate: 300, seed: 2, durationMs: 500, timeoutMs: 100, slaMs: 50 },
    );
    assert.ok(s.errors['RESOURCE_EXHAUSTED']! > 0);
    assert.equal(s.ok + s.errors['RESOURCE_EXHAUSTED']!, s.sent);
    assert.equal(s.meetsSla, false);
  });
});

describe('payloads in the model dense datatype', () => {
  const tables = [{ rows: 10, lookups: 1 }];
  it('FP16: 2 bytes a value, the nearest half of each FP32 value', () => {
    const items = randomItems({ denseDim: 3, tables }, 4, new Rng(1));
    const b = toItemBatch(items, { denseDim: 3, tables, denseDatatype: 'FP16' });
    assert.equal(b.dense.byteLength, 4 * 3 * 2);
    for (let i = 0; i < 12; i++)
      assert.ok(Math.abs(halfToFloat(b.dense.readUInt16LE(i * 2)) - items.dense[i]!) < 2 ** -11);
  });

  it("INT8 from a ModelInfo's scale and zero point; the pool's take cuts 1 byte a value", () => {
    const info = { denseDim: 2, tables, denseDatatype: 'INT8', denseScale: [2 ** -7], denseZeroPoint: [0] };
    const pool = new PayloadPool(info, 8, 1, 1);
    const all = pool.take(0, 8, 0);
    assert.equal(all.dense.byteLength, 16);
    assert.deepEqual(pool.take(2, 5, 0).dense, all.dense.subarray(4, 10));
    const fp32 = new PayloadPool({ denseDim: 2, tables, denseDatatype: '' }, 8, 1, 1);
    assert.equal(fp32.take(0, 8, 0).dense.byteLength, 64, 'an empty datatype (an old ModelInfo) is FP32');
  });
});
