/**
 * Worker benchmark (issue 4): for a compute-bound and a memory-bound model on the
 * same cores and sub-batch, the most samples/s the engine gives in-process
 * (worker threads calling score() in a loop) versus through the worker's Infer
 * RPC from a local client — to the tenant host's own endpoint (the path the
 * gateway uses: one process crossing) and through the node agent (two).
 *
 *   npm run bench -- worker [--models wnd,rmc1] [--scale 0.05] [--workers 2] [--seconds 8]
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import { createClient, unaryCall } from '@hera/grpc';
import { PayloadPool } from '@hera/loadgen';
import { buildRepository, loadTables, readModelConfig, type ModelConfig } from '@hera/models';
import { loadProtos, type WorkerServiceClient } from '@hera/proto';
import { args, fmt, Stack } from './harness';

const o = args({ models: 'wnd,rmc1', scale: '0.05', workers: String(availableParallelism()), seconds: '8', 'sub-batch': '0', concurrency: '0' });
const seconds = Number(o['seconds']);
const nWorkers = Number(o['workers']);

/** Threads that each load the model (sharing tables) and score one batch in a loop. */
async function inProcess(repo: string, c: ModelConfig, subBatch: number): Promise<number> {
  const tables = await loadTables(repo, c.name, c.version);
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const m = require(${JSON.stringify(require.resolve('@hera/models'))});
    const { PayloadPool } = require(${JSON.stringify(require.resolve('@hera/loadgen'))});
    (async () => {
      await m.selectBackend();
      const model = await m.loadModel(workerData.repo, workerData.name, { tables: workerData.tables });
      const pool = new PayloadPool(model.config, workerData.subBatch, 1, 4);
      const batches = [0, 1, 2, 3].map(v => { const b = pool.take(0, workerData.subBatch, v);
        const dense = new Float32Array(b.dense.byteLength / 4); new Uint8Array(dense.buffer).set(b.dense);
        const ids = new Int32Array(b.sparse.byteLength / 4); new Uint8Array(ids.buffer).set(b.sparse);
        return { count: workerData.subBatch, dense, ids }; });
      for (let i = 0; i < 20; i++) model.score(batches[i % 4]);
      parentPort.postMessage('ready');
      await new Promise(r => parentPort.once('message', r));
      const end = Date.now() + workerData.ms; let n = 0;
      while (Date.now() < end) { m.validateBatch(model.config, batches[n % 4]); model.score(batches[n % 4]); n++; }
      parentPort.postMessage(n * workerData.subBatch);
    })();`;
  const threads = Array.from({ length: nWorkers }, () => new Worker(code, { eval: true, workerData: { repo, name: c.name, tables, subBatch, ms: seconds * 1000 } }));
  await Promise.all(threads.map(t => new Promise(r => t.once('message', r))));
  const t0 = performance.now();
  for (const t of threads) t.postMessage('go');
  const samples = await Promise.all(threads.map(t => new Promise<number>(r => t.once('message', r))));
  const secs = (performance.now() - t0) / 1000;
  await Promise.all(threads.map(t => t.terminate()));
  return samples.reduce((a, b) => a + b, 0) / secs;
}

/** Closed loop with `concurrency` outstanding Infer calls of `subBatch` items each. */
async function throughRpc(endpoint: string, c: ModelConfig, subBatch: number, concurrency: number): Promise<number> {
  const client: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, endpoint, { maxAttempts: 1 });
  const pool = new PayloadPool(c, subBatch, 1, 4);
  const one = () =>
    new Promise<void>((resolve, reject) =>
      client.infer({ model: c.name, items: pool.take(0, subBatch) }, new grpc.Metadata(), { deadline: Date.now() + 30_000 }, err => (err ? reject(err) : resolve())),
    );
  for (let i = 0; i < 20; i++) await one();
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      await one();
      done++;
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  client.close();
  return (done * subBatch) / secs;
}

async function main(): Promise<void> {
  const stack = await new Stack().start();
  const repo = join(stack.dir, 'models');
  const models = o['models']!.split(',');
  const result: Record<string, { kind: string; sub_batch: number; inprocess: number; rpc_host: number; rpc_agent: number; ratio: number }> = {};
  try {
    console.log(`building ${models.join(', ')} at scale ${o['scale']} in ${repo} ...`);
    await buildRepository({ repo, scale: Number(o['scale']), only: models });
    const worker = await stack.service('worker', { HERA_MODEL_REPO: repo, NODE_ID: 'bench', TENANT_QUEUE_LIMIT: '4096' });
    const agent: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, { defaultDeadlineMs: 300_000 });
    const cores = Array.from({ length: availableParallelism() }, (_, i) => i);
    console.log(`${nWorkers} workers on cores ${cores.join(',')}, ${seconds} s per measurement\n`);
    for (const name of models) {
      const c = await readModelConfig(repo, name);
      const subBatch = Number(o['sub-batch']) || c.subBatchSize;
      const concurrency = Number(o['concurrency']) || nWorkers * 2;
      const inproc = await inProcess(repo, c, subBatch);
      const { tenant } = await unaryCall(agent, 'ApplyAllocation', { allocation: { model: name, workers: nWorkers, cpuset: cores } });
      const viaHost = await throughRpc(tenant!.endpoint, c, subBatch, concurrency);
      const viaAgent = await throughRpc(worker.address, c, subBatch, concurrency);
      await unaryCall(agent, 'RemoveTenant', { model: name });
      result[name] = { kind: c.expectedKind, sub_batch: subBatch, inprocess: inproc, rpc_host: viaHost, rpc_agent: viaAgent, ratio: viaHost / inproc };
      console.log(
        `${name.padEnd(6)} ${c.expectedKind.padEnd(14)} sub-batch ${String(subBatch).padStart(4)}  in-process ${fmt(inproc, 0).padStart(8)} samples/s  ` +
          `RPC to tenant host ${fmt(viaHost, 0).padStart(8)} (${fmt(viaHost / inproc, 3)})  RPC via agent ${fmt(viaAgent, 0).padStart(8)} (${fmt(viaAgent / inproc, 3)})`,
      );
    }
    agent.close();
  } finally {
    await stack.stop();
  }
  console.log('\ntarget: ratio_rpc_vs_inprocess ≥ 0.9 (RPC to the tenant host endpoint, the path the gateway uses)');
  console.log(
    JSON.stringify({
      bench: 'worker',
      ratio_rpc_vs_inprocess: Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Number(v.ratio.toFixed(3))])),
      ratio_via_agent: Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Number((v.rpc_agent / v.inprocess).toFixed(3))])),
      samples_per_s: result,
      workers: nWorkers,
      scale: Number(o['scale']),
    }),
  );
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
