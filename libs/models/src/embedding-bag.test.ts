import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHeraError } from '@hera/errors';
import { Rng } from '@hera/stats';
import {
  bagLayout,
  embeddingBag,
  embeddingBagReference,
  releaseBagLayout,
  TOUCH_GROUP,
  type BagTable,
} from './embedding-bag';
import {
  allocateWasmMemory,
  DEFAULT_VARIANT,
  MAX_PREFETCH,
  PLAIN_VARIANT,
  SCRATCH_CHUNK,
  SCRATCH_SLOTS,
  scratchLayout,
  wasmBagSupported,
  type BagKernelVariant,
} from './wasm-bag';
import { idsPerItem, inputStream, ZOO_SPECS, type TablePooling } from '@hera/model-schema';

function table(rng: Rng, name: string, rows: number, dim: number, lookups: number, pooling: TablePooling): BagTable {
  const data = new Float32Array(new SharedArrayBuffer(rows * dim * 4));
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  // Either touch-pass variant must give the same sums (alignment only changes which words it loads).
  return { name, data, rows, dim, lookups, pooling, aligned: rng.next() < 0.5 };
}

/** A table the way loadTables makes one: in its own shared WebAssembly.Memory with scratch slots. */
function simdTable(
  rng: Rng,
  name: string,
  rows: number,
  dim: number,
  lookups: number,
  pooling: TablePooling,
): BagTable {
  const g = scratchLayout(rows * dim * 4, lookups, pooling === 'sum' ? dim : lookups * dim);
  const memory = allocateWasmMemory(g.total)!;
  const data = new Float32Array(memory.buffer, 0, rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  const scratch = {
    memory,
    offset: g.offset,
    slots: SCRATCH_SLOTS,
    slotBytes: g.slotBytes,
    control: g.control,
    chunk: SCRATCH_CHUNK,
    idsBytes: g.idsBytes,
  };
  return { name, data, rows, dim, lookups, pooling, aligned: true, scratch };
}

function randomIds(rng: Rng, tables: readonly BagTable[], count: number): Int32Array {
  const per = idsPerItem(tables);
  const ids = new Int32Array(count * per);
  for (let b = 0; b < count; b++) {
    let k = b * per;
    for (const t of tables) for (let l = 0; l < t.lookups; l++) ids[k++] = rng.int(t.rows);
  }
  return ids;
}

describe('embeddingBag', () => {
  it('matches the naive reference on random tables, ids and batch sizes', () => {
    const rng = new Rng(inputStream(42));
    for (let trial = 0; trial < 25; trial++) {
      const tables = Array.from({ length: 1 + rng.int(5) }, (_, i) =>
        table(
          rng,
          `t${i}`,
          1 + rng.int(300),
          [1, 3, 16, 32, 64][rng.int(5)]!,
          1 + rng.int(20),
          rng.next() < 0.25 ? 'none' : 'sum',
        ),
      );
      const layout = bagLayout(tables);
      const count = [1, 2, 7, 64][rng.int(4)]!;
      const ids = randomIds(rng, tables, count);
      const want = embeddingBagReference(layout, count, ids);
      for (const group of [0, 1, TOUCH_GROUP, 1000]) {
        const out = new Float32Array(count * layout.width).fill(Number.NaN);
        embeddingBag(layout, count, ids, out, group);
        assert.deepEqual(out, want, `trial ${trial}, group ${group}`);
      }
    }
  });

  it('runs the SIMD kernel where a table has scratch, matching the reference exactly', () => {
    assert.ok(wasmBagSupported(), 'Node 20+ has shared WebAssembly memories and SIMD');
    const rng = new Rng(inputStream(43));
    for (let trial = 0; trial < 20; trial++) {
      const tables = Array.from({ length: 1 + rng.int(4) }, (_, i) =>
        (rng.next() < 0.75 ? simdTable : table)(
          rng,
          `t${i}`,
          1 + rng.int(500),
          [16, 32, 64, 3][rng.int(4)]!,
          1 + rng.int(30),
          rng.next() < 0.3 ? 'none' : 'sum',
        ),
      );
      const layout = bagLayout(tables);
      try {
        // Dims with a SIMD kernel and scratch use it; the rest fall back to JavaScript.
        layout.tables.forEach((t, i) =>
          assert.equal(
            layout.simd[i] !== undefined,
            t.scratch !== undefined && t.dim % 16 === 0,
            `trial ${trial} table ${i}`,
          ),
        );
        const count = [1, 5, SCRATCH_CHUNK, SCRATCH_CHUNK + 3, 200][rng.int(5)]!;
        const ids = randomIds(rng, tables, count);
        const out = new Float32Array(count * layout.width).fill(Number.NaN);
        embeddingBag(layout, count, ids, out);
        assert.deepEqual(out, embeddingBagReference(layout, count, ids), `trial ${trial}`);
      } finally {
        releaseBagLayout(layout);
      }
    }
  });

  // Every kernel variant, on every distinct table shape of the zoo (dim, lookups, pooling), with
  // batch sizes that end a chunk early and span chunks: the early loads read ids past the chunk's
  // end (into the slot's output area: floats, most of them out of range as ids) and must neither
  // trap nor change a sum.
  const variants: BagKernelVariant[] = [
    DEFAULT_VARIANT,
    PLAIN_VARIANT,
    { prefetch: 1, lines: 'all' },
    { prefetch: 8, lines: 'first' },
    { prefetch: MAX_PREFETCH, lines: 'all' },
    { prefetch: 0, lines: 'all', group: 1 },
    { prefetch: 0, lines: 'first', group: 7 },
    { prefetch: 0, lines: 'all', group: 96, copy: 'loop' },
    { prefetch: 4, lines: 'all', group: 13 },
  ];
  const zooShapes = [
    ...new Map(
      Object.values(ZOO_SPECS)
        .flatMap(s => s.tables)
        .map(t => [`${t.dim}:${t.lookups}:${t.pooling}`, t]),
    ).values(),
  ];

  it('every kernel variant equals the reference on each zoo table shape', () => {
    assert.ok(
      zooShapes.length >= 6 && zooShapes.some(t => t.pooling === 'none') && zooShapes.some(t => t.dim === 64),
      'the zoo has these shapes',
    );
    const rng = new Rng(inputStream(44));
    for (const shape of zooShapes) {
      // Rows of the last slot's table sit right before its scratch: use the last slot too.
      const tables = [simdTable(rng, 'z', 50 + rng.int(2000), shape.dim, shape.lookups, shape.pooling)];
      for (const variant of variants) {
        const layouts = Array.from({ length: SCRATCH_SLOTS }, () => bagLayout(tables, { variant }));
        try {
          for (const l of [layouts[0]!, layouts.at(-1)!]) {
            assert.ok(l.simd[0], 'SIMD kernel');
            for (const count of [1, 3, SCRATCH_CHUNK + 5]) {
              // Stale output in the slot (NaN bits, huge ids) must not matter either.
              new Float32Array(tables[0]!.scratch!.memory.buffer).fill(
                Number.NaN,
                tables[0]!.rows * shape.dim,
                tables[0]!.scratch!.control / 4,
              );
              const ids = randomIds(rng, tables, count);
              const out = new Float32Array(count * l.width).fill(Number.NaN);
              embeddingBag(l, count, ids, out);
              assert.deepEqual(
                out,
                embeddingBagReference(l, count, ids),
                `${JSON.stringify(shape)} ${JSON.stringify(variant)} count ${count}`,
              );
            }
          }
        } finally {
          layouts.forEach(releaseBagLayout);
        }
      }
    }
  });

  it('every kernel variant rejects an out-of-range id, also right after a chunk starts or before it ends', () => {
    const rng = new Rng(inputStream(45));
    for (const variant of variants) {
      const tables = [simdTable(rng, 'users', 40, 32, 80, 'sum'), simdTable(rng, 'beh', 30, 32, 3, 'none')];
      const layout = bagLayout(tables, { variant });
      const per = 83;
      const count = SCRATCH_CHUNK + 2;
      for (const [pos, bad, name] of [
        [0, 40, 'users'],
        [79, -5, 'users'],
        [SCRATCH_CHUNK * per + 1, 1 << 30, 'users'],
        [(SCRATCH_CHUNK - 1) * per + 82, 30, 'beh'],
        [count * per - 1, -1, 'beh'],
      ] as const) {
        const ids = randomIds(rng, tables, count);
        ids[pos] = bad;
        assert.throws(
          () => embeddingBag(layout, count, ids, new Float32Array(count * layout.width)),
          new RegExp(
            `^HeraError: items\\.sparse: id ${bad} is out of range for table ${name} .* at item ${Math.floor(pos / per)}$`,
          ),
          `${JSON.stringify(variant)} at ${pos}`,
        );
      }
      releaseBagLayout(layout);
    }
    assert.throws(
      () =>
        bagLayout([simdTable(rng, 't', 10, 32, 2, 'sum')], { variant: { prefetch: MAX_PREFETCH + 1, lines: 'all' } }),
      /prefetch distance/,
    );
  });

  it('gives each thread its own scratch slot, falls back to JavaScript when all are taken, and frees slots', () => {
    const rng = new Rng(inputStream(5));
    const t = simdTable(rng, 'big', 300, 32, 7, 'sum');
    const layouts = Array.from({ length: SCRATCH_SLOTS + 1 }, () => bagLayout([t]));
    assert.equal(layouts.filter(l => l.simd[0]).length, SCRATCH_SLOTS);
    assert.equal(layouts.at(-1)!.simd[0], undefined);
    const ids = randomIds(rng, [t], 9);
    const want = embeddingBagReference(layouts[0]!, 9, ids);
    for (const l of [layouts[0]!, layouts.at(-1)!]) {
      const out = new Float32Array(9 * 32);
      embeddingBag(l, 9, ids, out);
      assert.deepEqual(out, want);
    }
    layouts.forEach(releaseBagLayout);
    releaseBagLayout(layouts[0]!); // idempotent: must not free another holder's slot
    const again = Array.from({ length: SCRATCH_SLOTS }, () => bagLayout([t]));
    assert.ok(again.every(l => l.simd[0]));
    again.forEach(releaseBagLayout);
  });

  it('sums a hand-computed case', () => {
    const data = new Float32Array([1, 2, 10, 20, 100, 200]); // 3 rows × dim 2
    const seq = new Float32Array([5, 6, 7]); // 3 rows × dim 1
    const layout = bagLayout([
      { name: 'a', data, rows: 3, dim: 2, lookups: 3, pooling: 'sum' },
      { name: 's', data: seq, rows: 3, dim: 1, lookups: 2, pooling: 'none' },
    ]);
    assert.equal(layout.width, 4);
    const out = new Float32Array(8);
    embeddingBag(layout, 2, new Int32Array([0, 2, 2, 1, 0, /* item 1 */ 1, 1, 1, 2, 2]), out);
    assert.deepEqual([...out], [201, 402, 6, 5, 30, 60, 7, 7]);
  });

  it('rejects an id out of range naming the table, the id and the item, for every position', () => {
    const rng = new Rng(inputStream(7));
    for (const kind of [table, simdTable]) {
      const tables = [kind(rng, 'users', 10, 32, 3, 'sum'), kind(rng, 'clicks', 5, 16, 2, 'none')];
      const layout = bagLayout(tables);
      const count = SCRATCH_CHUNK + 4;
      for (const [pos, bad, name] of [
        [0, 10, 'users'],
        [3, -1, 'clicks'],
        [count * 5 - 1, 5, 'clicks'],
        [2 * 5 + 1, 2147483647, 'users'],
        [(SCRATCH_CHUNK + 1) * 5 + 2, 11, 'users'],
      ] as const) {
        const ids = randomIds(rng, tables, count);
        ids[pos] = bad;
        const item = Math.floor(pos / 5);
        for (const run of [
          () => embeddingBag(layout, count, ids, new Float32Array(count * layout.width)),
          () => embeddingBagReference(layout, count, ids),
        ]) {
          assert.throws(run, (err: unknown) => {
            assert.ok(isHeraError(err, 'INVALID_ARGUMENT'));
            assert.match(
              err.message,
              new RegExp(`^items\\.sparse: id ${bad} is out of range for table ${name} .* at item ${item}$`),
            );
            return true;
          });
        }
      }
      releaseBagLayout(layout);
    }
  });

  it('rejects too few ids', () => {
    const layout = bagLayout([table(new Rng(inputStream(1)), 't', 4, 4, 2, 'sum')]);
    assert.throws(
      () => embeddingBag(layout, 3, new Int32Array(5), new Float32Array(12)),
      /items\.sparse: expected 6 ids, got 5/,
    );
  });
});
