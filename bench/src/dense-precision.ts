/**
 * Dense feature precision (issue 22): what FP16 and INT8 dense inputs save against FP32 for one
 * large ranking request, side by side in one run. One Redis, and per datatype its own node agent
 * (its own repository: the same zoo model, same seed, built with `--dense-dtype` FP32, FP16 or
 * INT8) and its own gateway under its own Redis prefix, all up at once. Rounds interleave the
 * three, so drift on this shared machine hits each alike. Per datatype:
 *
 * - bytes on the wire: the Rank request as serialised (the same ItemBatch goes on from the
 *   gateway to the host unconverted), and its dense part;
 * - gateway CPU per query: user + system time of the gateway process (/proc/<pid>/stat) over
 *   `--queries` Rank calls, `--concurrency` in flight, divided by the calls; the tenant host's
 *   beside it (it now widens FP16 / INT8 to FP32);
 * - the widening itself, in-process on one core: ns per value for FP16 (the 65,536-entry table the
 *   hosts use, and the bit-arithmetic alternative), INT8 per tensor and per feature, beside a plain
 *   FP32 copy of the same values (what a host did before).
 *
 *   npm run bench -- dense-precision [--model wnd] [--items 1000] [--queries 40] [--rounds 3] [--concurrency 2] [--scale 0.001]
 *
 * Ends with one JSON line.
 */
import { join } from 'node:path';
import { createClient, unaryCall } from '@hera/grpc';
import { randomItems, toItemBatch } from '@hera/loadgen';
import {
  DenseWidener,
  encodeFp16,
  encodeInt8,
  isZooModel,
  ZOO_SPECS,
  type DenseEncoding,
  type ModelConfig,
} from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { loadProtos, type RankingServiceClient, type WorkerServiceClient } from '@hera/proto';
import { Rng } from '@hera/stats';
import { waitFor, type TestService } from '@hera/testing';
import { childPids } from '@hera/procs';
import { args, cpuSeconds, fmt, Stack } from './harness';

const DATATYPES = ['FP32', 'FP16', 'INT8'] as const;
type Dt = (typeof DATATYPES)[number];
const ENCODINGS: Record<Dt, DenseEncoding> = {
  FP32: {},
  FP16: { denseDatatype: 'FP16' },
  INT8: { denseDatatype: 'INT8', denseQuant: { scale: [2 ** -7], zeroPoint: [0] } },
};

function options() {
  const o = args(
    { model: 'wnd', items: '1000', queries: '40', rounds: '3', concurrency: '2', scale: '0.001' },
    {
      model: 'a zoo model with dense features (wnd: 512 a item; rmc3: 2560)',
      items: 'items per Rank request',
      queries: 'Rank calls per datatype per round',
      rounds: 'each round measures FP32, FP16, INT8 in turn',
      concurrency: 'calls in flight',
      scale: 'table rows scale (hera models build --scale)',
    },
  );
  const model = o.model!;
  if (!isZooModel(model) || ZOO_SPECS[model].denseDim === 0)
    throw new Error(`--model: ${model} is not a zoo model with dense features`);
  return {
    model,
    items: Math.max(1, Math.min(1024, Math.round(Number(o.items)))),
    queries: Math.max(1, Math.round(Number(o.queries))),
    rounds: Math.max(1, Math.round(Number(o.rounds))),
    concurrency: Math.max(1, Math.round(Number(o.concurrency))),
    scale: Number(o.scale),
  };
}

/** Bytes of a protobuf varint. */
const varint = (n: number) => (n < 2 ** 7 ? 1 : n < 2 ** 14 ? 2 : n < 2 ** 21 ? 3 : n < 2 ** 28 ? 4 : 5);
/** Bytes of a length-delimited field (tag, length, body). */
const field = (len: number) => 1 + varint(len) + len;

/** The serialised size of RankRequest { model, items { item_count, dense, sparse }, timeout_ms }. */
function rankRequestBytes(model: string, k: number, dense: number, sparse: number, timeoutMs: number): number {
  const items = 1 + varint(k) + field(dense) + field(sparse);
  return field(Buffer.byteLength(model)) + field(items) + 1 + varint(timeoutMs);
}

interface Side {
  dt: Dt;
  gateway: TestService;
  worker: TestService;
  rank: RankingServiceClient;
  config: ModelConfig;
  request: { itemCount: number; dense: Buffer; sparse: Buffer };
  gatewayCpu: number[];
  hostCpu: number[];
  ms: number[];
}

async function measureSide(s: Side, queries: number, concurrency: number): Promise<void> {
  const hosts = childPids(s.worker.child.proc.pid!);
  const g0 = cpuSeconds(s.gateway.child.proc.pid!);
  const h0 = hosts.reduce((a, p) => a + cpuSeconds(p), 0);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queries) {
        next++;
        await unaryCall(s.rank, 'Rank', { model: s.config.name, items: s.request, timeoutMs: 60_000 });
      }
    }),
  );
  const ms = performance.now() - t0;
  s.gatewayCpu.push((cpuSeconds(s.gateway.child.proc.pid!) - g0) / queries);
  s.hostCpu.push((hosts.reduce((a, p) => a + cpuSeconds(p), 0) - h0) / queries);
  s.ms.push(ms / queries);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};

/** The FP16 → FP32 widening by bit arithmetic (the alternative to the table), in place, backwards. */
function widenHalfBits(buf: ArrayBuffer, n: number): void {
  const from = new Uint16Array(buf, 0, n);
  const to = new Uint32Array(buf, 0, n);
  for (let i = n - 1; i >= 0; i--) {
    const h = from[i]!;
    const sign = (h & 0x8000) << 16;
    const e = (h >> 10) & 0x1f;
    let m = h & 0x3ff;
    if (e === 0x1f) to[i] = sign | 0x7f800000 | (m << 13);
    else if (e !== 0) to[i] = sign | ((e + 112) << 23) | (m << 13);
    else if (m === 0) to[i] = sign;
    else {
      let e2 = 113;
      while ((m & 0x400) === 0) {
        m <<= 1;
        e2--;
      }
      to[i] = sign | (e2 << 23) | ((m & 0x3ff) << 13);
    }
  }
}

/** ns per value of each way to get `values` into an FP32 slot, best of 5 passes of ≥ 100 ms. */
function widening(values: Float32Array, dim: number): Record<string, number> {
  const n = values.length;
  const slot = new ArrayBuffer(n * 4);
  const fp32 = new Uint8Array(values.buffer.slice(0));
  const half = encodeFp16(values);
  const q = encodeInt8(values, dim, ENCODINGS.INT8.denseQuant!);
  const perFeature: DenseEncoding = {
    denseDatatype: 'INT8',
    denseQuant: { scale: Array.from({ length: dim }, () => 2 ** -7), zeroPoint: Array.from({ length: dim }, () => 0) },
  };
  const count = n / dim;
  const ways: Record<string, () => void> = {
    'FP32 copy': () => new Uint8Array(slot).set(fp32),
    'FP16 table': (() => {
      const w = new DenseWidener(ENCODINGS.FP16, dim);
      return () => {
        new Uint8Array(slot).set(half);
        w.widen(slot, 0, count);
      };
    })(),
    'FP16 bits': () => {
      new Uint8Array(slot).set(half);
      widenHalfBits(slot, n);
    },
    'INT8 per tensor': (() => {
      const w = new DenseWidener(ENCODINGS.INT8, dim);
      return () => {
        new Uint8Array(slot).set(q);
        w.widen(slot, 0, count);
      };
    })(),
    'INT8 per feature': (() => {
      const w = new DenseWidener(perFeature, dim);
      return () => {
        new Uint8Array(slot).set(q);
        w.widen(slot, 0, count);
      };
    })(),
  };
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(ways)) {
    for (let i = 0; i < 50; i++) f(); // warm-up: optimised before timing
    let best = Infinity;
    for (let pass = 0; pass < 5; pass++) {
      const t0 = performance.now();
      let calls = 0;
      while (performance.now() - t0 < 100) {
        f();
        calls++;
      }
      best = Math.min(best, ((performance.now() - t0) * 1e6) / (calls * n));
    }
    out[name] = best;
  }
  return out;
}

async function main(): Promise<void> {
  const o = options();
  const spec = ZOO_SPECS[o.model as keyof typeof ZOO_SPECS];
  const stack = await new Stack().start();
  const sides: Side[] = [];
  try {
    const rng = new Rng(7);
    for (const dt of DATATYPES) {
      const repo = join(stack.dir, dt);
      const [config] = await buildRepository({ repo, scale: o.scale, only: [o.model], dense: ENCODINGS[dt] });
      const env = { HERA_REDIS_PREFIX: `dp${dt}`, HERA_MODEL_REPO: repo, HERA_BACKEND: 'wasm' };
      const worker = await stack.service('worker', { ...env, NODE_ID: `dp-${dt}` });
      const w: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
        defaultDeadlineMs: 120_000,
      });
      try {
        await unaryCall(w, 'ApplyAllocation', { allocation: { model: o.model, workers: 1 } });
      } finally {
        w.close();
      }
      const gateway = await stack.service('gateway', { ...env, ROUTING_REFRESH_MS: '200' });
      const rank: RankingServiceClient = createClient(
        loadProtos().proto.hera.gateway.v1.RankingService,
        gateway.address,
        {
          maxAttempts: 1,
          defaultDeadlineMs: 120_000,
        },
      );
      const items = randomItems(config!, o.items, rng);
      sides.push({
        dt,
        gateway,
        worker,
        rank,
        config: config!,
        request: toItemBatch(items, config!),
        gatewayCpu: [],
        hostCpu: [],
        ms: [],
      });
      await waitFor(
        async () =>
          await unaryCall(rank, 'Rank', { model: o.model, items: toItemBatch(items, config!), timeoutMs: 60_000 }).then(
            () => true,
            () => false,
          ),
        120_000,
        `${dt}: the gateway serves ${o.model}`,
      );
    }
    console.log(
      `${o.model}: ${o.items} items × ${spec.denseDim} dense features, ${sides[0]!.config.idsPerItem} ids a item; ` +
        `${o.rounds} rounds × ${o.queries} Rank calls per datatype, ${o.concurrency} in flight (shared, noisy machine)`,
    );
    for (const s of sides) await measureSide(s, Math.min(5, o.queries), o.concurrency); // warm-up, not kept
    for (const s of sides) {
      s.gatewayCpu.length = 0;
      s.hostCpu.length = 0;
      s.ms.length = 0;
    }
    for (let r = 0; r < o.rounds; r++) for (const s of sides) await measureSide(s, o.queries, o.concurrency);

    const values = randomItems({ denseDim: spec.denseDim, tables: [] }, o.items, new Rng(3)).dense;
    const widen = widening(values, spec.denseDim);

    const rows = sides.map(s => {
      const wire = rankRequestBytes(o.model, o.items, s.request.dense.byteLength, s.request.sparse.byteLength, 60_000);
      return {
        datatype: s.dt,
        request_bytes: wire,
        dense_bytes: s.request.dense.byteLength,
        gateway_cpu_ms_per_query: median(s.gatewayCpu) * 1000,
        host_cpu_ms_per_query: median(s.hostCpu) * 1000,
        ms_per_query: median(s.ms),
      };
    });
    const base = rows[0]!;
    console.log(
      '\ndatatype  request bytes  dense bytes  vs FP32  gateway CPU ms/query  vs FP32  host CPU ms/query  ms/query',
    );
    for (const r of rows) {
      console.log(
        `${r.datatype.padEnd(8)}  ${String(r.request_bytes).padStart(13)}  ${String(r.dense_bytes).padStart(11)}  ` +
          `${fmt(r.request_bytes / base.request_bytes, 2).padStart(7)}  ${fmt(r.gateway_cpu_ms_per_query, 2).padStart(20)}  ` +
          `${fmt(r.gateway_cpu_ms_per_query / base.gateway_cpu_ms_per_query, 2).padStart(7)}  ` +
          `${fmt(r.host_cpu_ms_per_query, 2).padStart(16)}  ${fmt(r.ms_per_query, 1).padStart(8)}`,
      );
    }
    console.log(
      `\nwidening ${values.length} values into an FP32 slot, one core (ns/value; CPU ticks are 10 ms, so per-query CPU is a median over rounds of ${o.queries} calls):`,
    );
    for (const [k, v] of Object.entries(widen)) console.log(`  ${k.padEnd(18)} ${fmt(v, 3)}`);
    console.log(
      JSON.stringify({
        bench: 'dense-precision',
        model: o.model,
        items: o.items,
        dense_dim: spec.denseDim,
        rounds: o.rounds,
        queries: o.queries,
        concurrency: o.concurrency,
        datatypes: rows,
        widen_ns_per_value: widen,
      }),
    );
  } finally {
    for (const s of sides) s.rank.close();
    await stack.stop();
  }
}

main().catch(err => {
  console.error(err);
  process.exitCode = 1;
});
