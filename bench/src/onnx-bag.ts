// Where the ONNX engine's embedding bag should run (issue 19, part 3): per zoo model at one batch size,
// samples/s of TF.js-wasm (@hera/models), ORT with the bag in the graph and ORT with the
// project's kernel feeding the dense-only graph; then the memory two ORT sessions on worker
// threads add over shared tables. Builds each model into a temporary repository, one at a time.
//
//   npm run bench -- onnx-bag [--table-gb 0.5] [--models rmc1,wnd] [--batch 64] [--point-s 1] [--rounds 2]
//
// Prints one line per model and ends with one JSON line. Figures are measured on this machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { modelCost, randomBatch, ZOO_MODELS, ZOO_SPECS, type ValidBatch, type ZooModelName } from '@hera/model-schema';
import {
  buildRepository,
  loadModel,
  loadTables,
  readModelJson,
  selectBackend,
  versionDir,
  type SharedTables,
} from '@hera/models';
import { args } from './harness';
import {
  buildOnnx,
  IR_VERSION,
  modelProto,
  ONNX_FILES,
  OPSET,
  OnnxModel,
  onnxRuntime,
  onnxRuntimeStatus,
  tableLocation,
  type BagPlacement,
} from '@hera/engine-onnx';

/** Calls `run` back to back for `seconds` over rotating batches; items per second. */
async function rate(run: (b: ValidBatch) => unknown, batches: ValidBatch[], seconds: number): Promise<number> {
  for (let i = 0; i < 5; i++) await run(batches[i % batches.length]!); // warm-up
  let items = 0;
  let i = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    const b = batches[i++ % batches.length]!;
    await run(b);
    items += b.count;
    now = process.hrtime.bigint();
  }
  return items / (Number(now - start) / 1e9);
}

const rss = (): number => process.memoryUsage().rss;

/** How a worker thread holds the model: OnnxModel with either bag, or model.onnx with its tables handed over but copied (ORT's default). */
type Holding = BagPlacement | 'graph-copied';

async function sessionMemory(repo: string, name: string, tables: SharedTables, bag: Holding): Promise<number[]> {
  // RSS after each of two worker threads has loaded the model over the same shared tables and
  // scored once. The threads stay up until both are measured.
  const steps: number[] = [rss()];
  const workers: Worker[] = [];
  for (let k = 0; k < 2; k++) {
    const w = new Worker(__filename, { workerData: { repo, name, tables, bag } });
    workers.push(w);
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
    steps.push(rss());
  }
  for (const w of workers) w.postMessage('exit');
  await Promise.all(workers.map(w => new Promise(r => w.once('exit', r))));
  return steps;
}

async function workerMain(): Promise<void> {
  const { repo, name, tables, bag } = workerData as { repo: string; name: string; tables: SharedTables; bag: Holding };
  if (bag === 'graph-copied') {
    // What OnnxModel does minus session.use_external_initializer_file_buffers_directly.
    const ort = onnxRuntime();
    const json = await readModelJson(repo, name, tables.version);
    const externalData = tables.tables.map((t, i) => ({
      path: tableLocation(json.embeddingTables[i]!),
      data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    }));
    const session = await ort.InferenceSession.create(join(versionDir(repo, name, tables.version), ONNX_FILES.graph), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      externalData,
    });
    parentPort!.postMessage('ready');
    parentPort!.once('message', () => {
      void session.release().then(() => process.exit(0));
    });
    return;
  }
  const m = await OnnxModel.load(repo, name, { tables, bag });
  await m.score(randomBatch(m.config, 64, 1));
  parentPort!.postMessage('ready');
  parentPort!.once('message', () => {
    void m.dispose().then(() => process.exit(0));
  });
}

/** A one-node Identity graph over float [4], for the probe above. */
function identityModel(): Uint8Array {
  const M = modelProto();
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } });
  const graph = {
    name: 'probe',
    node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
    input: [vi('x')],
    output: [vi('y')],
  };
  return M.encode(
    M.fromObject({ irVersion: IR_VERSION, opsetImport: [{ domain: '', version: OPSET }], graph }),
  ).finish();
}

async function main(): Promise<void> {
  const status = onnxRuntimeStatus();
  if (!status.available) throw new Error(status.reason);
  const o = args(
    { 'table-gb': '0.05', batch: '64', 'point-s': '1', rounds: '2', models: ZOO_MODELS.join(',') },
    {
      'table-gb': 'tables per model, GB (a smaller model keeps its own size)',
      'point-s': 'seconds per point',
      rounds: 'rounds; a figure is its best round',
    },
  );
  const tableGb = Number(o['table-gb']);
  const batch = Number(o.batch);
  const pointS = Number(o['point-s']);
  const rounds = Number(o.rounds);
  const models = o.models!.split(',') as ZooModelName[];
  await selectBackend('wasm');
  const results: Record<string, unknown>[] = [];
  // Can a tensor over a SharedArrayBuffer be a run input (the other way to feed shared tables)?
  const ort = onnxRuntime();
  let sabInput: string;
  try {
    const probe = await ort.InferenceSession.create(identityModel());
    await probe.run({ x: new ort.Tensor('float32', new Float32Array(new SharedArrayBuffer(16)), [4]) });
    sabInput = 'accepted';
  } catch (err) {
    sabInput = `rejected: ${(err as Error).message}`;
  }
  console.log(`run input on a SharedArrayBuffer: ${sabInput}`);
  console.log(
    `onnxruntime-node ${status.version}, TF.js wasm, batch ${batch}, ${pointS} s per point, best of ${rounds} rounds, tables ≤ ${tableGb} GB per model`,
  );
  for (const name of models) {
    const full = modelCost(ZOO_SPECS[name], 1).tableBytes;
    const scale = Math.min(1, (tableGb * 1e9) / full);
    const repo = mkdtempSync(join(tmpdir(), 'hera-onnx-measure-'));
    try {
      const [config] = await buildRepository({ repo, scale, only: [name], seed: 1 });
      await buildOnnx(join(repo, name, '1'));
      const tables = await loadTables(repo, name);
      const batches = Array.from({ length: 16 }, (_, i) => randomBatch(config!, batch, 100 + i));
      const tf = await loadModel(repo, name, { tables });
      const graph = await OnnxModel.load(repo, name, { tables, bag: 'graph' });
      const kernel = await OnnxModel.load(repo, name, { tables, bag: 'kernel' });
      const best = { tfjs: 0, graph: 0, kernel: 0 };
      for (let r = 0; r < rounds; r++) {
        best.tfjs = Math.max(best.tfjs, await rate(b => tf.score(b), batches, pointS));
        best.graph = Math.max(best.graph, await rate(b => graph.score(b), batches, pointS));
        best.kernel = Math.max(best.kernel, await rate(b => kernel.score(b), batches, pointS));
      }
      tf.dispose();
      await graph.dispose();
      await kernel.dispose();
      const mem = {
        graph: await sessionMemory(repo, name, tables, 'graph'),
        kernel: await sessionMemory(repo, name, tables, 'kernel'),
        graphCopied: await sessionMemory(repo, name, tables, 'graph-copied'),
      };
      const faster: BagPlacement = best.graph >= best.kernel ? 'graph' : 'kernel';
      const mb = (x: number) => Math.round(x / 1e6);
      const row = {
        model: name,
        scale,
        tableMB: mb(tables.bytes),
        samplesPerS: {
          tfjs: Math.round(best.tfjs),
          onnxGraphBag: Math.round(best.graph),
          onnxKernelBag: Math.round(best.kernel),
        },
        faster,
        onnxVsTfjs: Number((Math.max(best.graph, best.kernel) / best.tfjs).toFixed(2)),
        // RSS added by the first and the second worker thread's session (MB).
        sessionRssMB: Object.fromEntries(
          Object.entries(mem).map(([k, s]) => [k, [mb(s[1]! - s[0]!), mb(s[2]! - s[1]!)]]),
        ),
      };
      results.push(row);
      console.log(
        `${name.padEnd(6)} tables ${String(row.tableMB).padStart(5)} MB  TF.js ${String(row.samplesPerS.tfjs).padStart(7)}  ORT bag-in-graph ${String(row.samplesPerS.onnxGraphBag).padStart(7)}  ORT kernel-bag ${String(row.samplesPerS.onnxKernelBag).padStart(7)} samples/s  → ${faster}, ${row.onnxVsTfjs}× TF.js; RSS per session graph ${row.sessionRssMB.graph!.join('/')} MB, kernel ${row.sessionRssMB.kernel!.join('/')} MB, graph with ORT's copy ${row.sessionRssMB.graphCopied!.join('/')} MB`,
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }
  console.log(
    JSON.stringify({
      bench: 'onnx-bag',
      date: new Date().toISOString(),
      ort: status.version,
      sabInput,
      batch,
      pointS,
      rounds,
      tableGb,
      results,
    }),
  );
}

if (isMainThread) {
  main().catch(err => {
    console.error(err);
    process.exit(1);
  });
} else {
  void workerMain();
}
