// The inference engine's benchmark (issues 3 and 19): per zoo model, at the largest table size
// that fits comfortably (--table-gb), samples/s and per-call latency at the sub-batches of
// --batches on every available backend (TF.js backends, and ONNX Runtime on the same model built
// as ONNX graphs, libs/engine-onnx), one core each, beside the peer a user would run instead:
// PyTorch CPU on one thread (bench/pytorch_engine.py, same shapes, same table sizes), measured in
// the same run point by point (each backend at a batch, then PyTorch at that batch), with each
// backend's ratio to it per model. Then, per TF.js backend, the stages at sub-batch 64 (embedding
// bag, dense part, the MLP part against raw matMul on the same shapes) and the embedding bag's
// GB/s beside PyTorch's EmbeddingBag on the same batches and a naive C loop (a floor, not a peer).
// Points are taken in --rounds rounds (every backend at every batch once per round); a figure is
// its median round. Headline figures are the median and worst over models, never one model's.
// One JSON line last.
//
//   npm run bench -- engine [--models rmc1,ncf] [--backends wasm] [--batches 64,256] [--rounds 3]
//                           [--table-gb 1] [--point-s 0.5] [--python python3] [--no-pytorch] [--no-onnx]
//
// PyTorch: the bench uses the first of --python, python3, /usr/bin/python3 that imports torch.
// On Debian: apt-get install python3-torch libopenblas0-pthread (1.13.1 on bookworm; without
// OpenBLAS its nn.Linear runs on the netlib reference BLAS at ~3 GFLOP/s); or pip install torch.
// Without it the PyTorch column is skipped with the reason.
//
// Repositories are built under the OS temp dir, one model at a time, and deleted as it goes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  isZooModel,
  matMulFlops,
  matMulShapes,
  modelCost,
  randomBatch,
  ZOO_MODELS,
  ZOO_SPECS,
  type ValidBatch,
  type MatMulShape,
  type ModelConfig,
  type ZooModelName,
  type ZooModelSpec,
} from '@hera/model-schema';
import {
  bagLayout,
  buildRepository,
  embeddingBag,
  loadModel,
  loadTables,
  mlpStacks,
  selectBackend,
  tfjs,
  versionDir,
  readModelJson,
  type BackendName,
  type SharedTables,
} from '@hera/models';
import { buildOnnx, OnnxModel, onnxRuntimeStatus } from '@hera/engine-onnx';
import { quantileSorted } from '@hera/stats';
import { args } from './harness';
import { median, medianPoint, parsePeerPoint, peerSpec, spread, type PeerReady, type Spread } from './engine-peer';
import { findTorch, startPytorchPeer } from './pytorch-peer';

function options() {
  const o = args(
    {
      models: ZOO_MODELS.join(','),
      backends: 'tensorflow,wasm',
      batches: '64,256',
      rounds: '3',
      'table-gb': '1',
      'point-s': '0.5',
      python: '',
    },
    {
      backends:
        'TF.js backends, comma-separated: tensorflow (tfjs-node), wasm, cpu; those that cannot start are skipped',
      batches: 'sub-batch sizes measured on every backend',
      rounds: 'each round measures every backend at every batch once; figures are the median round',
      'table-gb': 'GB of tables per model, at most',
      'point-s': 'seconds per point',
      python: '"" = the first of python3, /usr/bin/python3 that imports torch',
      'no-pytorch': 'skip the PyTorch peer',
      'no-onnx': 'skip ONNX Runtime',
    },
    ['no-pytorch', 'no-onnx'],
  );
  const models = o.models!.split(',').filter(Boolean);
  for (const m of models) if (!isZooModel(m)) throw new Error(`unknown model ${m}`);
  const batches = o.batches!.split(',').filter(Boolean).map(Number);
  for (const n of batches)
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--batches: ${JSON.stringify(o.batches)} is not a list of positive integers`);
  return {
    models: models as ZooModelName[],
    backends: o.backends!.split(',').filter(Boolean) as BackendName[],
    batches,
    rounds: Math.max(1, Math.round(Number(o.rounds))),
    tableGb: Number(o['table-gb']),
    pointS: Number(o['point-s']),
    python: o.python!,
    pytorch: o['no-pytorch'] !== 'true',
    onnx: o['no-onnx'] !== 'true',
  };
}
type Options = ReturnType<typeof options>;

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const f = (x: number | undefined, d = 2) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '-');

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

/** timeCalls for a run that may answer a promise (awaited per call; a synchronous one is not). */
async function timeCallsAsync(
  fn: (i: number) => unknown,
  seconds: number,
  min: number,
  warm: number,
): Promise<number[]> {
  for (let i = 0; i < warm; i++) {
    const r = fn(i);
    if (r instanceof Promise) await r;
  }
  const times: number[] = [];
  const end = now() + seconds * 1000;
  for (let i = 0; times.length < min || (now() < end && times.length < 20_000); i++) {
    const t = now();
    const r = fn(i);
    if (r instanceof Promise) await r;
    times.push(now() - t);
  }
  return times.sort((a, b) => a - b);
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

// ---------------------------------------------------------------------------------------------
// Floors, not peers: a naive C gather-sum loop (cc -O2, no prefetching, no unrolling beyond the
// compiler's) over the same table bytes and ids, and memcpy. The WebAssembly kernel beats the loop;
// the peer for the bag is PyTorch's EmbeddingBag, measured beside it where torch imports.

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

function compileNative(dir: string): string | undefined {
  const src = join(dir, 'gather.c');
  const bin = join(dir, 'gather');
  writeFileSync(src, C_SOURCE);
  const r = spawnSync('cc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.log(
      `no C compiler (cc -O2 failed: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}); the naive C loop and memcpy are skipped`,
    );
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

async function startNative(
  bin: string,
  dir: string,
  repo: string,
  model: ZooModelName,
  batches: ValidBatch[],
  reps: number,
): Promise<NativeHarness | undefined> {
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
    lines.push(
      `${t.rows} ${t.dim} ${spec.lookups} ${spec.pooling === 'sum' ? 1 : 0} ${t.paths.length} ${t.paths.map(p => join(vdir, p)).join(' ')}`,
    );
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
    console.log(`  naive C loop failed: ${(err as Error).message}`);
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
// The backends: a small table. Each says whether it can run here (or why not) and opens a model
// whose points the bench then measures, interleaved with the other backends' at the same batch.

interface PointResult {
  /** Throughput at the median call time: other work on a shared machine lands as outliers, which the mean would charge to the engine. */
  samplesPerS: number;
  meanSamplesPerS: number;
  p50Ms: number;
  p99Ms: number;
  calls: number;
}

function pointOf(n: number, times: number[]): PointResult {
  const p50Ms = quantileSorted(times, 0.5);
  return {
    samplesPerS: n / (p50Ms / 1000),
    meanSamplesPerS: (n * times.length) / (sum(times) / 1000),
    p50Ms,
    p99Ms: quantileSorted(times, 0.99),
    calls: times.length,
  };
}

/** What a backend gets to open one model: the built repository (version 1) and its tables as loaded for TF.js. */
interface ModelContext {
  repo: string;
  model: ZooModelName;
  spec: ZooModelSpec;
  scale: number;
  tables: SharedTables;
  work: string;
}

/** One model open on one backend. */
interface OpenModel {
  /** Back-to-back calls at `batch` items for about `seconds`. */
  measure(batch: number, seconds: number): Promise<PointResult>;
  close(): Promise<void>;
}

interface Engine {
  name: string;
  /** undefined when it can run here, else why not. */
  available(): Promise<string | undefined>;
  open(ctx: ModelContext): Promise<OpenModel>;
}

/** A model loaded in this process: `run` scores one batch (synchronously or not); the bench times it. */
interface InProcessModel {
  config: Pick<ModelConfig, 'denseDim' | 'tables'>;
  run(batch: ValidBatch): unknown;
  close(): void | Promise<void>;
}

/** An in-process backend from `load(model) → run(batch)`: inputs are 8 random batches per size, used in turn. */
function inProcess(
  name: string,
  available: () => Promise<string | undefined>,
  load: (ctx: ModelContext) => Promise<InProcessModel & { enter?(): Promise<unknown> }>,
  slow = false,
): Engine {
  return {
    name,
    available,
    open: async ctx => {
      const m = await load(ctx);
      return {
        measure: async (n, seconds) => {
          await m.enter?.();
          const batches = Array.from({ length: 8 }, (_, i) => randomBatch(m.config, n, 1000 * n + i));
          return pointOf(
            n,
            await timeCallsAsync(i => m.run(batches[i % batches.length]!), seconds, slow ? 2 : 5, slow ? 1 : 3),
          );
        },
        close: async () => m.close(),
      };
    },
  };
}

/** Seconds each backend scores back to back, untimed, before a model's first point. */
const WARM_S = 1;

const TFJS_NAMES: Record<BackendName, string> = { tensorflow: 'tfjs-node', wasm: 'tfjs-wasm', cpu: 'tfjs-cpu' };

/** A TF.js backend: the engine the tenant hosts run (loadModel over the shared tables). */
function tfjsEngine(backend: BackendName): Engine {
  return inProcess(
    TFJS_NAMES[backend],
    async () => {
      try {
        await selectBackend(backend);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
    async ctx => {
      await selectBackend(backend);
      const m = await loadModel(ctx.repo, ctx.model, { tables: ctx.tables });
      // TF.js has one backend at a time per thread: the one this model was loaded on runs it.
      return { config: m.config, run: b => m.score(b), close: () => m.dispose(), enter: () => selectBackend(backend) };
    },
    backend === 'cpu',
  );
}

/** The ONNX graphs' engine, as a tenant host runs it: the version just built, as ONNX (same weight bytes), over the same shared tables. */
const ONNX = 'onnxruntime';
function onnxEngine(): Engine {
  return inProcess(
    ONNX,
    async () => {
      const s = onnxRuntimeStatus();
      return s.available ? undefined : s.reason;
    },
    async ctx => {
      await buildOnnx(versionDir(ctx.repo, ctx.model, '1'));
      const m = await OnnxModel.load(ctx.repo, ctx.model, { version: '1', tables: ctx.tables });
      console.log(
        `  ${ONNX}: embedding bag ${m.bag === 'graph' ? 'in the graph' : "in the project's kernel, dense part in the graph"} (DEFAULT_BAG)`,
      );
      return { config: m.config, run: b => m.score(b), close: () => m.dispose() };
    },
  );
}

// ---------------------------------------------------------------------------------------------
// The peer: PyTorch in a child process (bench/pytorch_engine.py --serve), one model at a time.

const PEER = 'pytorch';
interface PeerModel extends OpenModel {
  ready: PeerReady;
  /** The embedding bags alone: best of `reps` passes over `count` batches of `batch`, GB/s of rows read. */
  bag(batch: number, count: number, reps: number): Promise<number>;
}

function pytorchEngine(python: string): Engine & { found?: { python: string; version: string } } {
  const e: Engine & { found?: { python: string; version: string } } = {
    name: PEER,
    available: async () => {
      const r = findTorch(python);
      if ('reason' in r) return r.reason;
      e.found = r;
      return undefined;
    },
    open: async (ctx): Promise<PeerModel> => {
      const specPath = join(ctx.work, `pytorch-${ctx.model}.json`);
      writeFileSync(specPath, JSON.stringify(peerSpec(ctx.spec, ctx.scale)));
      const p = await startPytorchPeer(e.found!.python, specPath);
      try {
        // Same shapes: the script's tables hold exactly the bytes TF.js loaded.
        if (p.ready.tableBytes !== ctx.tables.bytes)
          throw new Error(
            `PyTorch built ${p.ready.tableBytes} bytes of tables for ${ctx.model}, TF.js loaded ${ctx.tables.bytes}`,
          );
      } catch (err) {
        await p.close();
        throw err;
      }
      return {
        ready: p.ready,
        measure: async (n, seconds) => {
          const q = parsePeerPoint(await p.ask({ op: 'point', batch: n, seconds }), { model: ctx.model, batch: n });
          return {
            samplesPerS: q.samplesPerS,
            meanSamplesPerS: q.meanSamplesPerS,
            p50Ms: q.p50Ms,
            p99Ms: q.p99Ms,
            calls: q.calls,
          };
        },
        bag: (batch, count, reps) => p.bag(batch, count, reps),
        close: () => p.close(),
      };
    },
  };
  return e;
}

// ---------------------------------------------------------------------------------------------

interface StageResult {
  mlpGflops: number;
  rawGflops: number;
  mlpVsMatmul: number;
  denseGflops: number;
  denseVsMatmul: number;
  embedShare: number;
}

interface ModelResult {
  model: ZooModelName;
  scale: number;
  tableBytes: number;
  loadGbs: number;
  /** Per backend (the peer included), per batch. */
  points: Record<string, Record<number, PointResult>>;
  /** Per backend and batch: its samples/s over PyTorch's measured right after it. */
  vsPytorch: Record<string, Record<number, number>>;
  /** Per batch: ONNX Runtime's samples/s over TF.js-wasm's measured in the same round. */
  onnxVsTfjs: Record<number, number>;
  /** Per TF.js backend, at sub-batch 64. */
  stages: Record<string, StageResult>;
  bagGbs: number;
  /** The JavaScript kernel alone (the fallback where the SIMD kernel cannot run). */
  jsBagGbs: number;
  simd: boolean;
  pytorchBagGbs?: number;
  naiveC?: { gatherGbs: number; copyGbs: number };
  jsCopyGbs: number;
  peer?: PeerReady;
}

/** TF.js stages at sub-batch 64 on the backend selected now: embedding bag, dense part, the MLP part vs raw matMul. */
async function stagesAt64(
  ctx: ModelContext,
  backend: BackendName,
  pointS: number,
  p64Ms: number | undefined,
): Promise<StageResult> {
  const m = await loadModel(ctx.repo, ctx.model, { tables: ctx.tables });
  const slow = backend === 'cpu';
  const n = 64;
  const batches = Array.from({ length: 8 }, (_, i) => randomBatch(m.config, n, 7000 + i));
  const pooled = batches.map(b => m.embed(b).slice());
  const embedMs = quantileSorted(
    timeCalls(i => m.embed(batches[i % 8]!), pointS / 2, 5, 2),
    0.5,
  );
  // On the plain CPU backend a call can take seconds: one timed call is enough there.
  const heavy = slow && (p64Ms ?? Infinity) > 300;
  const [minCalls, warm] = heavy ? [1, 0] : slow ? [2, 1] : [5, 3];
  const denseMs = quantileSorted(
    timeCalls(i => m.forwardDense(n, batches[i % 8]!.dense, pooled[i % 8]!), pointS, minCalls, warm),
    0.5,
  );
  // The whole dense part (MLPs plus attention/RNN glue, input tensors and read-back) against
  // raw matMul on all its products ...
  const shapes = matMulShapes(ctx.spec, n);
  const rawMs = rawMatMulMs(shapes, pointS, minCalls, warm);
  // ... and the MLP part alone (the fully connected stacks, bias and activation fused) against
  // raw matMul on the same shapes.
  const tf = tfjs();
  const stacks = mlpStacks(m.config);
  const inputs = stacks.map(
    st => tf.randomUniform([n * st.rowsPerItem, st.widths[0]!]) as ReturnType<typeof tf.zeros> as never,
  );
  const mlpMs = quantileSorted(
    timeCalls(() => tf.dispose(m.runMlpStacks(inputs)), pointS, minCalls, warm),
    0.5,
  );
  tf.dispose(inputs);
  const mlpShapes: MatMulShape[] = stacks.flatMap(st =>
    st.widths
      .slice(1)
      .map((w, i) => ({ name: `${st.prefix}${i}`, m: n * st.rowsPerItem, k: st.widths[i]!, n: w, batch: 1, count: 1 })),
  );
  const rawMlpMs = rawMatMulMs(mlpShapes, pointS, minCalls, warm);
  const mlpFlops = matMulFlops(mlpShapes);
  m.dispose();
  const r: StageResult = {
    mlpGflops: mlpFlops / mlpMs / 1e6,
    rawGflops: mlpFlops / rawMlpMs / 1e6,
    mlpVsMatmul: rawMlpMs / mlpMs,
    denseGflops: matMulFlops(shapes) / denseMs / 1e6,
    denseVsMatmul: rawMs / denseMs,
    embedShare: embedMs / (embedMs + denseMs),
  };
  console.log(
    `  ${TFJS_NAMES[backend]} at 64: embedding bag ${f(embedMs, 3)} ms + dense part ${f(denseMs, 3)} ms (${f(r.denseGflops)} GFLOP/s; raw matMul on all its products: ${f(r.denseVsMatmul)} of the time)\n` +
      `    MLP part: ${f(r.mlpGflops)} GFLOP/s vs raw matMul ${f(r.rawGflops)} GFLOP/s on the same shapes → ${f(r.mlpVsMatmul)}`,
  );
  return r;
}

async function benchModel(
  model: ZooModelName,
  engines: Engine[],
  tfjsBackends: BackendName[],
  o: Options,
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
  const ctx: ModelContext = { repo, model, spec, scale, tables, work };
  const result: ModelResult = {
    model,
    scale,
    tableBytes: tables.bytes,
    loadGbs: tables.bytes / loadMs / 1e6,
    points: {},
    vsPytorch: {},
    onnxVsTfjs: {},
    stages: {},
    bagGbs: 0,
    jsBagGbs: 0,
    simd: false,
    jsCopyGbs: jsCopyGbs(tables),
  };
  const cost = modelCost(spec, scale);

  // Every backend opens the model; then per batch each backend's point, PyTorch's right after
  // the others' (drift on this shared machine hits both sides of a ratio alike).
  const open: { engine: Engine; model: OpenModel }[] = [];
  let peer: PeerModel | undefined;
  try {
    for (const engine of engines) {
      try {
        const m = await engine.open(ctx);
        open.push({ engine, model: m });
        if (engine.name === PEER) {
          peer = m as PeerModel;
          result.peer = peer.ready;
          console.log(
            `  ${PEER}: torch ${peer.ready.torch}, ${peer.ready.threads} thread, BLAS ${peer.ready.blas}; tables built in ${f(peer.ready.buildS, 1)} s`,
          );
        }
      } catch (err) {
        console.log(`  ${engine.name}: cannot open ${model}: ${(err as Error).message}`);
      }
    }
    // Warm-up, not timed: each backend scores back to back at the largest batch for a second
    // (V8's WebAssembly tier-up left a fresh TF.js model up to 3× slower for its first calls;
    // the tenant hosts warm each thread for 2 s). PyTorch gets the same.
    const largest = Math.max(...o.batches);
    for (const { model: m } of open) await m.measure(largest, WARM_S);
    console.log(`  round backend       sub-batch   samples/s  (mean-based)    p50 ms    p99 ms   calls  vs ${PEER}`);
    // Rounds: each round measures every backend at every batch once; a backend's figure is its
    // median round, a ratio the median of the rounds' ratios (each from points taken back to back).
    const rounds: Record<string, Record<number, PointResult[]>> = {};
    // A size is skipped on a backend for all rounds when, in the first round, the size before it
    // took over 0.5 s per call there (the plain CPU backend), so the rounds stay aligned.
    const skip = new Set<string>();
    for (let round = 1; round <= o.rounds; round++) {
      const previous: Record<string, number> = {};
      for (const n of o.batches) {
        for (const { engine, model: m } of open) {
          if (round === 1 && (previous[engine.name] ?? 0) > 500) skip.add(`${engine.name}@${n}`);
          if (skip.has(`${engine.name}@${n}`)) continue;
          const p = await m.measure(n, o.pointS);
          previous[engine.name] = p.p50Ms;
          ((rounds[engine.name] ??= {})[n] ??= []).push(p);
        }
        const ref = rounds[PEER]?.[n]?.[round - 1];
        for (const { engine } of open) {
          const p = rounds[engine.name]?.[n]?.[round - 1];
          const ratio = p && ref && engine.name !== PEER ? p.samplesPerS / ref.samplesPerS : undefined;
          console.log(
            `  ${`${round}/${o.rounds}`.padStart(5)} ${engine.name.padEnd(12)} ${String(n).padStart(9)} ` +
              (p
                ? `${f(p.samplesPerS, 0).padStart(11)} ${f(p.meanSamplesPerS, 0).padStart(13)} ${f(p.p50Ms, 3).padStart(9)} ${f(p.p99Ms, 3).padStart(9)} ${String(p.calls).padStart(7)}  ${ratio === undefined ? '' : f(ratio)}`
                : '  skipped: the previous size took over 0.5 s per call'),
          );
        }
      }
    }
    for (const [name, byBatch] of Object.entries(rounds)) {
      for (const [n, ps] of Object.entries(byBatch)) {
        (result.points[name] ??= {})[Number(n)] = medianPoint(ps);
        const refs = rounds[PEER]?.[Number(n)];
        if (name !== PEER && refs?.length === ps.length)
          (result.vsPytorch[name] ??= {})[Number(n)] = median(ps.map((p, i) => p.samplesPerS / refs[i]!.samplesPerS));
        const wasm = rounds[TFJS_NAMES.wasm]?.[Number(n)];
        if (name === ONNX && wasm?.length === ps.length)
          result.onnxVsTfjs[Number(n)] = median(ps.map((p, i) => p.samplesPerS / wasm[i]!.samplesPerS));
      }
    }
    if (o.rounds > 1) {
      for (const n of o.batches) {
        const line = Object.entries(result.points)
          .filter(([, ps]) => ps[n])
          .map(
            ([name, ps]) =>
              `${name} ${f(ps[n]!.samplesPerS, 0)}${result.vsPytorch[name]?.[n] !== undefined ? ` (${f(result.vsPytorch[name][n])} of ${PEER})` : ''}`,
          );
        console.log(`  median of ${o.rounds} rounds at ${n}: ${line.join(', ')}`);
      }
    }
    for (const { model: m, engine } of open) if (engine.name !== PEER) await m.close();

    for (const b of tfjsBackends) {
      await selectBackend(b);
      result.stages[TFJS_NAMES[b]] = await stagesAt64(ctx, b, o.pointS, result.points[TFJS_NAMES[b]]?.[64]?.p50Ms);
    }

    // Embedding bag, same rows: sub-batch 256, fresh random ids, several passes; beside PyTorch's
    // EmbeddingBag on as many batches of 256 (its own random ids) and the naive C loop on ours.
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
    // Three rounds, alternating engine / plain JavaScript / PyTorch / C, best of each: noise
    // from other work on this machine comes in bursts and should not land on one side only.
    const pass = (layout: typeof jsLayout) =>
      bytes / timeCalls(() => bagBatches.forEach(b => embeddingBag(layout, count, b.ids, out)), 0, reps, 1)[0]! / 1e6;
    let nativeGbs = 0;
    let torchGbs = 0;
    for (let round = 0; round < 3; round++) {
      result.bagGbs = Math.max(result.bagGbs, pass(layoutModel.layout));
      result.jsBagGbs = Math.max(result.jsBagGbs, pass(jsLayout));
      if (peer) torchGbs = Math.max(torchGbs, await peer.bag(count, nb, reps));
      if (native) nativeGbs = Math.max(nativeGbs, await native.gather());
    }
    if (peer) result.pytorchBagGbs = torchGbs;
    if (native) {
      result.naiveC = { gatherGbs: nativeGbs, copyGbs: native.copyGbs };
      native.close();
    }
    layoutModel.dispose();
    console.log(
      `  embedding bag: ${f(result.bagGbs, 3)} GB/s ${result.simd ? 'WebAssembly SIMD' : 'JavaScript'} kernel, ${f(result.jsBagGbs, 3)} GB/s JavaScript kernel ` +
        `(${nb} batches of ${count}, ${f(cost.embeddingBytesPerItem / 1024, 1)} KiB/item)` +
        (result.pytorchBagGbs
          ? `; PyTorch EmbeddingBag ${f(result.pytorchBagGbs, 3)} GB/s → ${f(result.bagGbs / result.pytorchBagGbs)}`
          : '') +
        (result.naiveC ? `; naive C loop ${f(result.naiveC.gatherGbs, 3)} GB/s (a floor)` : '') +
        `; copy: JS ${f(result.jsCopyGbs)} GB/s` +
        (result.naiveC ? `, C memcpy ${f(result.naiveC.copyGbs)} GB/s` : ''),
    );
  } finally {
    for (const { model: m, engine } of open) if (engine.name === PEER) await m.close();
    rmSync(repo, { recursive: true, force: true });
  }
  return result;
}

async function main(): Promise<void> {
  const o = options();
  const work = mkdtempSync(join(tmpdir(), 'hera-bench-engine-'));
  const started = now();
  try {
    const engines: Engine[] = [];
    const tfjsBackends: BackendName[] = [];
    const skipped: Record<string, string> = {};
    for (const b of o.backends) {
      const e = tfjsEngine(b);
      const why = await e.available();
      if (why === undefined) {
        engines.push(e);
        tfjsBackends.push(b);
      } else skipped[e.name] = why;
    }
    if (o.onnx) {
      const onnx = onnxEngine();
      const why = await onnx.available();
      if (why === undefined) engines.push(onnx);
      else skipped[ONNX] = why;
    } else skipped[ONNX] = 'skipped (--no-onnx)';
    const torch = pytorchEngine(o.python);
    const torchWhy = o.pytorch ? await torch.available() : 'skipped (--no-pytorch)';
    if (torchWhy === undefined) engines.push(torch);
    else skipped[PEER] = torchWhy;
    for (const [name, why] of Object.entries(skipped)) console.log(`${name}: unavailable (${why})`);
    if (tfjsBackends.includes('tensorflow'))
      console.log('note: tfjs-node computes with its own thread pool over every core; the other backends use one');
    console.log(
      `backends: ${engines.map(e => (e === torch ? `${PEER} (torch ${torch.found!.version} via ${torch.found!.python}, 1 thread)` : e.name)).join(', ')}; ` +
        `batches ${o.batches.join(', ')}; ${o.rounds} rounds; tables up to ${o.tableGb} GB per model; ${o.pointS} s per point`,
    );
    const llc = llcBytes();
    console.log(
      `last-level cache: ${llc ? `${f(llc / 2 ** 20, 0)} MiB (getconf); tables smaller than it are mostly read from cache, not DRAM` : 'unknown'}`,
    );
    const nativeBin = compileNative(work);
    const results: ModelResult[] = [];
    for (const m of o.models) {
      results.push(await benchModel(m, engines, tfjsBackends, o, work, nativeBin));
      gc();
    }
    report(
      results,
      engines.map(e => e.name),
      o,
      skipped,
      now() - started,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Last-level cache size, to tell which tables are larger than it. */
function llcBytes(): number | undefined {
  const r = spawnSync('getconf', ['LEVEL3_CACHE_SIZE'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

const round3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(3)));
const spreadJson = (s: Spread | null) =>
  s ? { median: round3(s.median), worst: round3(s.worst), worst_model: s.worstModel, models: s.models } : null;
const spreadText = (s: Spread | null) =>
  s ? `median ${f(s.median)}, worst ${f(s.worst)} (${s.worstModel}) over ${s.models} models` : 'n/a';

function report(
  results: ModelResult[],
  backends: string[],
  o: Options,
  skipped: Record<string, string>,
  ms: number,
): void {
  const others = backends.filter(b => b !== PEER);
  const hasPeer = backends.includes(PEER);
  const peerInfo = results.find(r => r.peer)?.peer;
  console.log(
    `\n== summary (${f(ms / 1000, 0)} s): samples/s at the median call of the median round (measured); ratio to ${PEER}: the median over rounds of each round's ratio (derived from points measured back to back)`,
  );
  const cols = backends.flatMap(b => o.batches.map(n => `${b}@${n}`));
  const ratioCols = hasPeer ? others.flatMap(b => o.batches.map(n => `${b}/${PEER}@${n}`)) : [];
  const w = Math.max(12, ...cols.map(c => c.length), ...ratioCols.map(c => c.length));
  console.log(['model ', 'tables GB', ...cols.map(c => c.padStart(w)), ...ratioCols.map(c => c.padStart(w))].join(' '));
  for (const r of results) {
    console.log(
      [
        r.model.padEnd(6),
        f(r.tableBytes / 1e9, 3).padStart(9),
        ...backends.flatMap(b => o.batches.map(n => f(r.points[b]?.[n]?.samplesPerS, 0).padStart(w))),
        ...(hasPeer ? others.flatMap(b => o.batches.map(n => f(r.vsPytorch[b]?.[n]).padStart(w))) : []),
      ].join(' '),
    );
  }
  const stageBackends = Object.keys(results[0]?.stages ?? {});
  if (stageBackends.length) {
    console.log(
      '\nmodel   backend     p99@64 ms  MLP/matMul  dense/matMul  bag GB/s  PyTorch bag GB/s  bag/PyTorch  naive C loop GB/s',
    );
    for (const r of results) {
      for (const b of stageBackends) {
        const st = r.stages[b]!;
        console.log(
          [
            r.model.padEnd(6),
            b.padEnd(10),
            f(r.points[b]?.[64]?.p99Ms, 2).padStart(10),
            f(st.mlpVsMatmul).padStart(11),
            f(st.denseVsMatmul).padStart(13),
            f(r.bagGbs, 3).padStart(9),
            f(r.pytorchBagGbs, 3).padStart(17),
            f(r.pytorchBagGbs ? r.bagGbs / r.pytorchBagGbs : undefined).padStart(12),
            f(r.naiveC?.gatherGbs, 3).padStart(18),
          ].join(' '),
        );
      }
    }
  }

  // Headlines: over models (median and worst), never one model's figure.
  const perModel = <T>(get: (r: ModelResult) => T | undefined) =>
    Object.fromEntries(results.map(r => [r.model, get(r)]));
  const vsPytorch: Record<string, Record<string, Spread | null>> = {};
  if (hasPeer)
    for (const b of others)
      vsPytorch[b] = Object.fromEntries(o.batches.map(n => [`b${n}`, spread(perModel(r => r.vsPytorch[b]?.[n]))]));
  const mlp: Record<string, Spread | null> = Object.fromEntries(
    stageBackends.map(b => [b, spread(perModel(r => r.stages[b]?.mlpVsMatmul))]),
  );
  const bagVsPytorch = spread(perModel(r => (r.pytorchBagGbs ? r.bagGbs / r.pytorchBagGbs : undefined)));
  const onnxVsTfjs = Object.fromEntries(o.batches.map(n => [`b${n}`, spread(perModel(r => r.onnxVsTfjs[n]))]));
  // The target of issue 19: the fastest backend per model at 64, against PyTorch.
  const fastestVsPytorch = hasPeer
    ? spread(perModel(r => Math.max(...others.map(b => r.vsPytorch[b]?.[64] ?? -Infinity))))
    : null;
  console.log('');
  for (const [n, s] of Object.entries(onnxVsTfjs))
    console.log(`onnx_vs_tfjs (${ONNX} over tfjs-wasm, same round) @${n.slice(1)}: ${spreadText(s)}`);
  if (hasPeer && o.batches.includes(64))
    console.log(
      `fastest backend vs_pytorch @64 (per model, the best of ${others.join(', ')}): ${spreadText(fastestVsPytorch)}`,
    );
  for (const [b, byBatch] of Object.entries(vsPytorch))
    for (const [n, s] of Object.entries(byBatch)) console.log(`vs_pytorch ${b} @${n.slice(1)}: ${spreadText(s)}`);
  if (!hasPeer) console.log(`vs_pytorch: n/a (${skipped[PEER]})`);
  for (const [b, s] of Object.entries(mlp)) console.log(`mlp_vs_matmul ${b} @64: ${spreadText(s)}`);
  console.log(
    `embedding_bag_vs_pytorch (the WebAssembly kernel over PyTorch's EmbeddingBag, batches of 256): ${spreadText(bagVsPytorch)}`,
  );

  const models: Record<string, unknown> = {};
  for (const r of results) {
    models[r.model] = {
      table_gb: round3(r.tableBytes / 1e9),
      samples_per_s: Object.fromEntries(
        Object.entries(r.points).map(([b, ps]) => [
          b,
          Object.fromEntries(Object.entries(ps).map(([n, p]) => [`b${n}`, Math.round(p.samplesPerS)])),
        ]),
      ),
      vs_pytorch: Object.fromEntries(
        Object.entries(r.vsPytorch).map(([b, rs]) => [
          b,
          Object.fromEntries(Object.entries(rs).map(([n, x]) => [`b${n}`, round3(x)])),
        ]),
      ),
      onnx_vs_tfjs: Object.fromEntries(Object.entries(r.onnxVsTfjs).map(([n, x]) => [`b${n}`, round3(x)])),
      mlp_vs_matmul: Object.fromEntries(Object.entries(r.stages).map(([b, st]) => [b, round3(st.mlpVsMatmul)])),
      bag_gbs: round3(r.bagGbs),
      pytorch_bag_gbs: round3(r.pytorchBagGbs),
      naive_c_loop_gbs: round3(r.naiveC?.gatherGbs),
    };
  }
  console.log(
    JSON.stringify({
      bench: 'engine',
      date: new Date().toISOString(),
      backends,
      batches: o.batches,
      table_gb: o.tableGb,
      point_s: o.pointS,
      pytorch: peerInfo
        ? { torch: peerInfo.torch, threads: peerInfo.threads, blas: peerInfo.blas }
        : { skipped: skipped[PEER] ?? 'not measured' },
      onnxruntime: skipped[ONNX]
        ? { skipped: skipped[ONNX] }
        : { version: (onnxRuntimeStatus() as { version?: string }).version },
      // Headlines over models: { median, worst, worst_model, models } per backend (and batch).
      headline: {
        vs_pytorch: Object.fromEntries(
          Object.entries(vsPytorch).map(([b, byBatch]) => [
            b,
            Object.fromEntries(Object.entries(byBatch).map(([n, s]) => [n, spreadJson(s)])),
          ]),
        ),
        mlp_vs_matmul_b64: Object.fromEntries(Object.entries(mlp).map(([b, s]) => [b, spreadJson(s)])),
        embedding_bag_vs_pytorch_b256: spreadJson(bagVsPytorch),
        onnx_vs_tfjs: Object.fromEntries(Object.entries(onnxVsTfjs).map(([n, s]) => [n, spreadJson(s)])),
        fastest_vs_pytorch_b64: spreadJson(fastestVsPytorch),
      },
      models,
    }),
  );
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
