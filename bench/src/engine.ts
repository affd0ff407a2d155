// The inference engine's benchmark (issue 3): per zoo model, at the largest table size that fits
// comfortably, samples/s and per-call latency at sub-batches 1, 16, 64, 256 on every available
// TF.js backend; the embedding bag's GB/s next to a native C gather-sum of the same rows and a
// plain copy, and the dense part's GFLOP/s next to raw matMul on the same shapes, all measured in
// this run. Ends with one JSON line.
//
//   npm run bench -- engine [--models rmc1,ncf] [--backends wasm] [--table-gb 1] [--point-s 0.5]
//
// Repositories are built under the OS temp dir, one model at a time, and deleted as it goes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  bagLayout,
  buildRepository,
  embeddingBag,
  isZooModel,
  loadModel,
  loadTables,
  matMulFlops,
  matMulShapes,
  mlpStacks,
  modelCost,
  randomBatch,
  selectBackend,
  tfjs,
  versionDir,
  readModelJson,
  ZOO_MODELS,
  ZOO_SPECS,
  type Batch,
  type BackendName,
  type InferenceModel,
  type MatMulShape,
  type SharedTables,
  type ZooModelName,
} from '@hera/models';
import { quantileSorted } from '@hera/stats';
import { args } from './harness';

const SUB_BATCHES = [1, 16, 64, 256];

function options(): { models: ZooModelName[]; backends?: BackendName[]; tableGb: number; pointS: number } {
  const o = args(
    { models: ZOO_MODELS.join(','), backends: '', 'table-gb': '1', 'point-s': '0.5' },
    { backends: 'comma-separated, e.g. wasm,cpu; "" = every available one', 'table-gb': 'GB of tables per model, at most', 'point-s': 'seconds per point' },
  );
  const models = o.models!.split(',').filter(Boolean);
  for (const m of models) if (!isZooModel(m)) throw new Error(`unknown model ${m}`);
  return {
    models: models as ZooModelName[],
    backends: o.backends ? (o.backends.split(',') as BackendName[]) : undefined,
    tableGb: Number(o['table-gb']),
    pointS: Number(o['point-s']),
  };
}

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Runs fn repeatedly for about `seconds` (at least `min` times) after `warm` untimed calls; per-call ms. */
function timeCalls(fn: (i: number) => void, seconds: number, min: number, warm: number): number[] {
  for (let i = 0; i < warm; i++) fn(i);
  const times: number[] = [];
  const end = now() + seconds * 1000;
  for (let i = 0; times.length < min || (now() < end && times.length < 20_000); i++) {
    const t = now();
    fn(i);
    times.push(now() - t);
  }
  return times.sort((a, b) => a - b);
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

// ---------------------------------------------------------------------------------------------
// Native references: a C gather-sum over the same table bytes and ids, and memcpy.

const C_SOURCE = String.raw`
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
typedef struct { long rows; int dim, lookups, pooled; float *data; } table_t;
/* The obvious loop: per table, per item, sum (or copy) each looked-up row. */
#define BAG(D) static void bag##D(const table_t *t, const int32_t *ids, int per, int off, int count, float *out, int width, int ooff) { \
  for (int b = 0; b < count; b++) { const int32_t *id = ids + (long)b * per + off; \
    if (t->pooled) { float acc[D] = {0}; for (int l = 0; l < t->lookups; l++) { const float *r = t->data + (long)id[l] * D; for (int d = 0; d < D; d++) acc[d] += r[d]; } \
      memcpy(out + (long)b * width + ooff, acc, sizeof acc); } \
    else for (int l = 0; l < t->lookups; l++) memcpy(out + (long)b * width + ooff + l * D, t->data + (long)id[l] * D, D * 4); } }
BAG(32)
BAG(64)
int main(int argc, char **argv) {
  FILE *spec = fopen(argv[1], "r"); int T, count, batches, reps; char path[4096];
  if (fscanf(spec, "%d %d %d %d %4095s", &T, &count, &batches, &reps, path) != 5) return 2;
  table_t *tabs = calloc(T, sizeof *tabs); int per = 0, width = 0;
  for (int t = 0; t < T; t++) {
    int shards; if (fscanf(spec, "%ld %d %d %d %d", &tabs[t].rows, &tabs[t].dim, &tabs[t].lookups, &tabs[t].pooled, &shards) != 5) return 2;
    if (tabs[t].dim != 32 && tabs[t].dim != 64) return 3;
    /* 64-byte aligned, as the engine's tables are: rows do not straddle an extra cache line. */
    tabs[t].data = aligned_alloc(64, (tabs[t].rows * tabs[t].dim * 4 + 63) / 64 * 64); char *p = (char *)tabs[t].data;
    for (int s = 0; s < shards; s++) { char f[4096]; if (fscanf(spec, "%4095s", f) != 1) return 2; FILE *fp = fopen(f, "rb"); size_t n; while ((n = fread(p, 1, 1 << 24, fp)) > 0) p += n; fclose(fp); }
    per += tabs[t].lookups; width += tabs[t].pooled ? tabs[t].dim : tabs[t].lookups * tabs[t].dim;
  }
  long nids = (long)count * per * batches; int32_t *ids = malloc(nids * 4);
  FILE *fp = fopen(path, "rb"); if (fread(ids, 4, nids, fp) != (size_t)nids) return 4; fclose(fp);
  float *out = malloc((long)count * width * 4); double bytes = 0, sink = 0;
  for (int t = 0; t < T; t++) bytes += (double)count * tabs[t].lookups * tabs[t].dim * 4 * batches;
  /* memcpy of up to 256 MB of the first table into memory touched beforehand. */
  long cb = tabs[0].rows * tabs[0].dim * 4; if (cb > (256L << 20)) cb = 256L << 20;
  char *dst = malloc(cb); memset(dst, 1, cb); double cms = 1e30;
  for (int r = 0; r < 3; r++) { double t0 = now(); memcpy(dst, tabs[0].data, cb); double dt = now() - t0; if (dt < cms) cms = dt; sink += dst[r]; }
  printf("{\"ready\":true,\"copy_gbs\":%.4f}\n", cb / cms / 1e6); fflush(stdout);
  /* Then one timed pass over all batches per line read from stdin, so the caller can interleave
     these with its own measurements (this machine is shared: noise comes in bursts). */
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    double ms = 1e30;
    for (int r = 0; r < reps; r++) {
      double t0 = now();
      for (int k = 0; k < batches; k++) { const int32_t *bi = ids + (long)k * count * per; int off = 0, ooff = 0;
        for (int t = 0; t < T; t++) { if (tabs[t].dim == 32) bag32(&tabs[t], bi, per, off, count, out, width, ooff); else bag64(&tabs[t], bi, per, off, count, out, width, ooff);
          off += tabs[t].lookups; ooff += tabs[t].pooled ? tabs[t].dim : tabs[t].lookups * tabs[t].dim; }
        sink += out[k % (count * width)]; }
      double dt = now() - t0; if (dt < ms) ms = dt;
    }
    printf("{\"gather_gbs\":%.4f,\"sink\":%g}\n", bytes / ms / 1e6, sink > 0 ? 1.0 : 0.0); fflush(stdout);
  }
  return 0;
}
`;

interface NativeRef {
  gatherGbs: number;
  copyGbs: number;
}

function compileNative(dir: string): string | undefined {
  const src = join(dir, 'gather.c');
  const bin = join(dir, 'gather');
  writeFileSync(src, C_SOURCE);
  const r = spawnSync('cc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.log(`no C compiler (cc -O2 failed: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}); native references skipped`);
    return undefined;
  }
  return bin;
}

/** The C harness with the same tables and ids loaded, answering one timed pass per request. */
interface NativeHarness {
  copyGbs: number;
  gather(): Promise<number>;
  close(): void;
}

async function startNative(bin: string, dir: string, repo: string, model: ZooModelName, batches: Batch[], reps: number): Promise<NativeHarness | undefined> {
  const json = await readModelJson(repo, model, '1');
  const config = ZOO_SPECS[model];
  const vdir = versionDir(repo, model, '1');
  const idsPath = join(dir, 'ids.bin');
  const all = new Int32Array(batches.reduce((s, b) => s + b.ids.length, 0));
  let off = 0;
  for (const b of batches) {
    all.set(b.ids, off);
    off += b.ids.length;
  }
  writeFileSync(idsPath, all);
  const lines = [`${json.embeddingTables.length} ${batches[0]!.count} ${batches.length} ${reps} ${idsPath}`];
  json.embeddingTables.forEach((t, i) => {
    const spec = config.tables[i]!;
    lines.push(`${t.rows} ${t.dim} ${spec.lookups} ${spec.pooling === 'sum' ? 1 : 0} ${t.paths.length} ${t.paths.map(p => join(vdir, p)).join(' ')}`);
  });
  const specPath = join(dir, 'spec.txt');
  writeFileSync(specPath, `${lines.join('\n')}\n`);
  const child = spawn(bin, [specPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number>> => {
    const r = await replies.next();
    if (r.done) throw new Error('native harness exited');
    return JSON.parse(r.value) as Record<string, number>;
  };
  try {
    const ready = await next();
    return {
      copyGbs: ready.copy_gbs!,
      gather: async () => {
        child.stdin.write('run\n');
        return (await next()).gather_gbs!;
      },
      close: () => {
        child.stdin.end();
        child.kill();
      },
    };
  } catch (err) {
    console.log(`  native gather failed: ${(err as Error).message}`);
    child.kill();
    return undefined;
  }
}

/** JS copy bandwidth: Float32Array#set of up to 256 MB of a table into memory touched beforehand. */
function jsCopyGbs(tables: SharedTables): number {
  const src = tables.tables[0]!.data;
  const n = Math.min(src.length, (256 << 20) / 4);
  const dst = new Float32Array(n).fill(1);
  const times = timeCalls(() => dst.set(src.subarray(0, n)), 0, 3, 0);
  return (n * 4) / times[0]! / 1e6;
}

// ---------------------------------------------------------------------------------------------
// Dense part vs raw matMul on the same shapes.

/** Raw `matMul` over the forward pass's products, per call: ms. Inputs are made once. */
function rawMatMulMs(shapes: readonly MatMulShape[], seconds: number, min: number, warm: number): number {
  const tf = tfjs();
  const pairs = shapes.map(s =>
    s.batch > 1
      ? { a: tf.randomUniform([s.batch, s.m, s.k]), b: tf.randomUniform([s.batch, s.k, s.n]), count: s.count }
      : { a: tf.randomUniform([s.m, s.k]), b: tf.randomUniform([s.k, s.n]), count: s.count },
  );
  const run = () => {
    for (const p of pairs) {
      for (let c = 0; c < p.count; c++) tf.matMul(p.a as never, p.b as never).dispose();
    }
  };
  const times = timeCalls(run, seconds, min, warm);
  for (const p of pairs) {
    p.a.dispose();
    p.b.dispose();
  }
  return quantileSorted(times, 0.5);
}

// ---------------------------------------------------------------------------------------------

interface PointResult {
  samplesPerS: number;
  meanSamplesPerS: number;
  p50Ms: number;
  p99Ms: number;
  calls: number;
}

interface ModelResult {
  model: ZooModelName;
  scale: number;
  tableBytes: number;
  loadGbs: number;
  backends: Record<
    string,
    { points: Record<number, PointResult>; mlpGflops: number; rawGflops: number; mlpVsMatmul: number; denseGflops: number; denseVsMatmul: number; embedShare: number }
  >;
  bagGbs: number;
  /** The JavaScript kernel alone (the fallback where the SIMD kernel cannot run). */
  jsBagGbs: number;
  simd: boolean;
  native?: NativeRef;
  jsCopyGbs: number;
}

async function benchModel(
  model: ZooModelName,
  backends: BackendName[],
  o: ReturnType<typeof options>,
  work: string,
  nativeBin: string | undefined,
): Promise<ModelResult> {
  const spec = ZOO_SPECS[model];
  const full = modelCost(spec, 1).tableBytes;
  const scale = Math.min(1, (o.tableGb * 1e9) / full);
  const repo = join(work, 'repo');
  let t = now();
  await buildRepository({ repo, scale, only: [model], seed: 1 });
  const buildMs = now() - t;
  t = now();
  const tables = await loadTables(repo, model);
  const loadMs = now() - t;
  console.log(
    `\n== ${model} (${spec.title}): scale ${f(scale, 4)}, tables ${f(tables.bytes / 1e9, 3)} GB ` +
      `(built in ${f(buildMs / 1000, 1)} s, loaded into shared memory at ${f(tables.bytes / loadMs / 1e6, 2)} GB/s)`,
  );
  const result: ModelResult = {
    model,
    scale,
    tableBytes: tables.bytes,
    loadGbs: tables.bytes / loadMs / 1e6,
    backends: {},
    bagGbs: 0,
    jsBagGbs: 0,
    simd: false,
    jsCopyGbs: jsCopyGbs(tables),
  };
  const cost = modelCost(spec, scale);

  for (const backend of backends) {
    await selectBackend(backend);
    const m: InferenceModel = await loadModel(repo, model, { tables });
    const slow = backend === 'cpu';
    const points: Record<number, PointResult> = {};
    console.log(`  ${backend}:`);
    console.log('    sub-batch   samples/s  (mean-based)    p50 ms    p99 ms   calls');
    let slowest = 0;
    for (const n of SUB_BATCHES) {
      if (slowest > 500) {
        console.log(`    ${String(n).padStart(9)}   skipped: the previous size took ${f(slowest / 1000, 1)} s per call`);
        continue;
      }
      const batches = Array.from({ length: 8 }, (_, i) => randomBatch(m.config, n, 1000 * n + i));
      const times = timeCalls(i => m.score(batches[i % batches.length]!), o.pointS, slow ? 2 : 5, slow ? 1 : 3);
      const p: PointResult = {
        // Throughput at the median call time: other work on a shared machine lands as outliers,
        // which the mean would charge to the engine. The mean-based figure is printed next to it.
        samplesPerS: n / (quantileSorted(times, 0.5) / 1000),
        meanSamplesPerS: (n * times.length) / (sum(times) / 1000),
        p50Ms: quantileSorted(times, 0.5),
        p99Ms: quantileSorted(times, 0.99),
        calls: times.length,
      };
      slowest = p.p50Ms;
      points[n] = p;
      console.log(
        `    ${String(n).padStart(9)} ${f(p.samplesPerS, 0).padStart(11)} ${f(p.meanSamplesPerS, 0).padStart(13)} ${f(p.p50Ms, 3).padStart(9)} ${f(p.p99Ms, 3).padStart(9)} ${String(p.calls).padStart(7)}`,
      );
    }
    // Stages at sub-batch 64: embedding bag (JS) and dense part (TF.js) on the same inputs.
    const n = 64;
    const batches = Array.from({ length: 8 }, (_, i) => randomBatch(m.config, n, 7000 + i));
    const pooled = batches.map(b => m.embed(b).slice());
    const embedMs = quantileSorted(timeCalls(i => m.embed(batches[i % 8]!), o.pointS / 2, 5, 2), 0.5);
    // On the plain CPU backend a call can take seconds: one timed call is enough there.
    const heavy = slow && (points[64]?.p50Ms ?? Infinity) > 300;
    const [minCalls, warm] = heavy ? [1, 0] : slow ? [2, 1] : [5, 3];
    const denseMs = quantileSorted(timeCalls(i => m.forwardDense(n, batches[i % 8]!.dense, pooled[i % 8]!), o.pointS, minCalls, warm), 0.5);
    // The whole dense part (MLPs plus attention/RNN glue, input tensors and read-back) against
    // raw matMul on all its products ...
    const shapes = matMulShapes(spec, n);
    const rawMs = rawMatMulMs(shapes, o.pointS, minCalls, warm);
    // ... and the MLP part alone (the fully connected stacks, bias and activation fused) against
    // raw matMul on the same shapes.
    const tf = tfjs();
    const stacks = mlpStacks(m.config);
    const inputs = stacks.map(st => tf.randomUniform([n * st.rowsPerItem, st.widths[0]!]) as ReturnType<typeof tf.zeros> as never);
    const mlpMs = quantileSorted(timeCalls(() => tf.dispose(m.runMlpStacks(inputs)), o.pointS, minCalls, warm), 0.5);
    tf.dispose(inputs);
    const mlpShapes: MatMulShape[] = stacks.flatMap(st =>
      st.widths.slice(1).map((w, i) => ({ name: `${st.prefix}${i}`, m: n * st.rowsPerItem, k: st.widths[i]!, n: w, batch: 1, count: 1 })),
    );
    const rawMlpMs = rawMatMulMs(mlpShapes, o.pointS, minCalls, warm);
    const mlpFlops = matMulFlops(mlpShapes);
    const r = {
      points,
      mlpGflops: mlpFlops / mlpMs / 1e6,
      rawGflops: mlpFlops / rawMlpMs / 1e6,
      mlpVsMatmul: rawMlpMs / mlpMs,
      denseGflops: matMulFlops(shapes) / denseMs / 1e6,
      denseVsMatmul: rawMs / denseMs,
      embedShare: embedMs / (embedMs + denseMs),
    };
    result.backends[backend] = r;
    console.log(
      `    at 64: embedding bag ${f(embedMs, 3)} ms + dense part ${f(denseMs, 3)} ms (${f(r.denseGflops)} GFLOP/s; raw matMul on all its products: ${f(r.denseVsMatmul)} of the time)\n` +
        `    MLP part: ${f(r.mlpGflops)} GFLOP/s vs raw matMul ${f(r.rawGflops)} GFLOP/s on the same shapes → ${f(r.mlpVsMatmul)}`,
    );
    m.dispose();
  }

  // Embedding bag vs native, same rows: sub-batch 256, fresh random ids, several passes.
  const layoutModel = await loadModel(repo, model, { tables });
  const count = 256;
  const nb = Math.max(2, Math.min(64, Math.ceil(2e8 / (count * cost.embeddingBytesPerItem))));
  const bagBatches = Array.from({ length: nb }, (_, i) => randomBatch(layoutModel.config, count, 90_000 + i));
  const out = new Float32Array(count * layoutModel.layout.width);
  const reps = 2;
  const bytes = nb * count * cost.embeddingBytesPerItem;
  const jsLayout = bagLayout(layoutModel.layout.tables, { simd: false });
  result.simd = layoutModel.layout.simd.some(k => k !== undefined);
  const native = nativeBin ? await startNative(nativeBin, work, repo, model, bagBatches, reps) : undefined;
  // Three rounds, alternating engine / plain JavaScript / C, best of each: noise from other work
  // on this machine comes in bursts and should not land on one side only.
  const pass = (layout: typeof jsLayout) => bytes / timeCalls(() => bagBatches.forEach(b => embeddingBag(layout, count, b.ids, out)), 0, reps, 1)[0]! / 1e6;
  let nativeGbs = 0;
  for (let round = 0; round < 3; round++) {
    result.bagGbs = Math.max(result.bagGbs, pass(layoutModel.layout));
    result.jsBagGbs = Math.max(result.jsBagGbs, pass(jsLayout));
    if (native) nativeGbs = Math.max(nativeGbs, await native.gather());
  }
  if (native) {
    result.native = { gatherGbs: nativeGbs, copyGbs: native.copyGbs };
    native.close();
  }
  layoutModel.dispose();
  console.log(
    `  embedding bag: ${f(result.bagGbs, 3)} GB/s ${result.simd ? 'WebAssembly SIMD' : 'JavaScript'} kernel, ${f(result.jsBagGbs, 3)} GB/s JavaScript kernel ` +
      `(${nb} batches of ${count}, ${f(cost.embeddingBytesPerItem / 1024, 1)} KiB/item)` +
      (result.native ? `; native C gather-sum ${f(result.native.gatherGbs, 3)} GB/s → ${f(result.bagGbs / result.native.gatherGbs)}` : '') +
      `; copy: JS ${f(result.jsCopyGbs)} GB/s` +
      (result.native ? `, C memcpy ${f(result.native.copyGbs)} GB/s` : ''),
  );
  rmSync(repo, { recursive: true, force: true });
  return result;
}

async function main(): Promise<void> {
  const o = options();
  const work = mkdtempSync(join(tmpdir(), 'hera-bench-engine-'));
  const started = now();
  try {
    const backends: BackendName[] = [];
    for (const b of o.backends ?? (['tensorflow', 'wasm', 'cpu'] as BackendName[])) {
      try {
        await selectBackend(b);
        backends.push(b);
      } catch (err) {
        console.log(`backend ${b}: unavailable (${(err as Error).message})`);
      }
    }
    console.log(`backends: ${backends.join(', ')}; tables up to ${o.tableGb} GB per model; ${o.pointS} s per point`);
    const nativeBin = compileNative(work);
    const results: ModelResult[] = [];
    for (const m of o.models) {
      results.push(await benchModel(m, backends, o, work, nativeBin));
      gc();
    }
    report(results, backends, now() - started);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Last-level cache size, to tell which tables are larger than it. */
function llcBytes(): number {
  const r = spawnSync('getconf', ['LEVEL3_CACHE_SIZE'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 32 << 20;
}

function report(results: ModelResult[], backends: BackendName[], ms: number): void {
  const main = backends[0]!;
  const llc = llcBytes();
  console.log(`\n== summary (${main}; ${f(ms / 1000, 0)} s)`);
  console.log('model   tables GB  samples/s@1  @16      @64      @256     p99@64 ms  MLP/matMul  dense/matMul  bag GB/s  native GB/s  bag/native');
  for (const r of results) {
    const b = r.backends[main]!;
    console.log(
      [
        r.model.padEnd(6),
        f(r.tableBytes / 1e9, 3).padStart(9),
        ...SUB_BATCHES.map(n => f(b.points[n]!.samplesPerS, 0).padStart(n === 1 ? 11 : 8)),
        f(b.points[64]!.p99Ms, 2).padStart(10),
        f(b.mlpVsMatmul).padStart(11),
        f(b.denseVsMatmul).padStart(13),
        f(r.bagGbs, 3).padStart(9),
        (r.native ? f(r.native.gatherGbs, 3) : '-').padStart(12),
        (r.native ? f(r.bagGbs / r.native.gatherGbs) : '-').padStart(11),
      ].join(' '),
    );
  }
  // Targets: the bag on tables larger than the last-level cache; the dense part at sub-batch 64.
  const big = results.filter(r => r.native && r.tableBytes > llc);
  const bagRatio = big.length ? Math.min(...big.map(r => r.bagGbs / r.native!.gatherGbs)) : null;
  const mlpRatio = Math.min(...results.map(r => r.backends[main]!.mlpVsMatmul));
  console.log(
    `embedding_bag_vs_native = ${bagRatio === null ? 'n/a' : f(bagRatio)} (min over models with tables > LLC ${f(llc / 2 ** 20, 0)} MiB: ${big.map(r => r.model).join(', ') || 'none'}); ` +
      `mlp_vs_matmul = ${f(mlpRatio)} (min over models at sub-batch 64 on ${main})`,
  );
  const models: Record<string, { samples_per_s_b64: number }> = {};
  for (const r of results) models[r.model] = { samples_per_s_b64: Math.round(r.backends[main]!.points[64]!.samplesPerS) };
  // (per-model detail beyond samples/s is in the human-readable table above)
  console.log(
    JSON.stringify({
      bench: 'engine',
      backend: main,
      embedding_bag_vs_native: bagRatio === null ? null : Number(bagRatio.toFixed(3)),
      mlp_vs_matmul: Number(mlpRatio.toFixed(3)),
      models,
    }),
  );
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
