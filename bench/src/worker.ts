/**
 * Worker benchmark (issue 4): for a compute-bound and a memory-bound model on the
 * same cores and sub-batch, the most samples/s the engine gives in-process
 * (inference threads calling score() back to back) versus through the worker's
 * Infer RPC from a local client — to the tenant host's own endpoint (one process
 * crossing), over InferStream to the same endpoint (the gateway's path), and
 * through the node agent (two crossings; the agent forwards over InferStream).
 *
 * "Same cores": the tenant gets `--cores` (default: the last core) and as many
 * workers; the in-process run is pinned to the same cores with as many threads;
 * the client is pinned to the other cores, as a gateway on another machine would
 * be. The tenant host's gRPC work runs on the tenant's cores, so the ratio is
 * what the RPC path costs the tenant.
 *
 * The VM's neighbours make any one window noisy (±15% seen), so each figure is
 * the best of `--rounds` windows, taken in turns (in-process, host, agent) so that
 * a slow minute does not land on one side only.
 *
 * --backend onnx measures both sides on ONNX Runtime (the models built with their ONNX graphs).
 *
 *   npm run bench -- worker [--models wnd,rmc2] [--scale 0.05] [--cores 1] [--seconds 5] [--rounds 3] [--backend tfjs|onnx]
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient, InferStreamClient, unaryCall } from '@hera/grpc';
import { PayloadPool } from '@hera/loadgen';
import { type ModelConfig } from '@hera/model-schema';
import { readModelConfig } from '@hera/models';
import { fastClients, loadProtos, type WorkerServiceClient } from '@hera/proto';
import {
  args,
  BACKEND_NOTE,
  benchBackend,
  buildBenchModels,
  checkTenantBackend,
  fmt,
  InProcessEngine,
  pin,
  Stack,
} from './harness';

const CORES = availableParallelism(); // before pinning ourselves
const last = CORES - 1;
const o = args(
  {
    models: 'wnd,rmc2',
    scale: '0.05',
    cores: String(last),
    seconds: '5',
    rounds: '3',
    'sub-batch': '0',
    concurrency: '0',
    backend: 'tfjs',
  },
  { 'sub-batch': "0 = the model's", concurrency: '0 = 3 per core', backend: BACKEND_NOTE },
);
const backend = benchBackend(o['backend']);
const seconds = Number(o['seconds']);
const rounds = Math.max(1, Number(o['rounds']));
const cores = o['cores']!.split(',').map(Number);
const clientCores = Array.from({ length: CORES }, (_, i) => i).filter(c => !cores.includes(c));

/**
 * Closed-loop clients with `concurrency` outstanding requests of `subBatch` items
 * each: unary Infer calls, or requests on one InferStream (what the gateway uses).
 */
function rpcLoad(endpoint: string, c: ModelConfig, subBatch: number, concurrency: number, mode: 'unary' | 'stream') {
  const client: WorkerServiceClient = createClient(fastClients().WorkerService, endpoint, { maxAttempts: 1 });
  const stream = new InferStreamClient(client);
  const pool = new PayloadPool(c, subBatch, 1, 4);
  const one =
    mode === 'stream'
      ? () => stream.infer({ model: c.name, items: pool.take(0, subBatch) }, Date.now() + 30_000).then(() => undefined)
      : () =>
          new Promise<void>((resolve, reject) =>
            client.infer(
              { model: c.name, items: pool.take(0, subBatch) },
              new grpc.Metadata(),
              { deadline: Date.now() + 30_000 },
              err => (err ? reject(err) : resolve()),
            ),
          );
  /** Samples/s over `ms` of back-to-back calls. */
  const run = async (ms: number): Promise<number> => {
    let done = 0;
    const end = Date.now() + ms;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          await one();
          done++;
        }
      }),
    );
    return (done * subBatch) / ((performance.now() - t0) / 1000);
  };
  return {
    run,
    close: () => {
      stream.close();
      client.close();
    },
  };
}

async function main(): Promise<void> {
  const pinned = clientCores.length > 0 && pin(process.pid, clientCores);
  const stack = await new Stack().start();
  const repo = join(stack.dir, 'models');
  const models = o['models']!.split(',');
  const backends: Record<string, string> = {};
  const result: Record<
    string,
    {
      kind: string;
      sub_batch: number;
      inprocess: number;
      rpc_host: number;
      stream_host: number;
      rpc_agent: number;
      ratio: number;
    }
  > = {};
  try {
    console.log(`building ${models.join(', ')} at scale ${o['scale']} in ${repo} for the ${backend} engine ...`);
    await buildBenchModels(repo, Number(o['scale']), models, backend);
    const worker = await stack.service('worker', {
      HERA_MODEL_REPO: repo,
      NODE_ID: 'bench',
      TENANT_QUEUE_LIMIT: '4096',
      NODE_CORES: String(CORES),
    });
    if (pinned) pin(worker.child.pid, clientCores);
    const agent: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
      defaultDeadlineMs: 300_000,
    });
    console.log(
      `tenant and in-process: ${cores.length} worker(s) on core(s) ${cores.join(',')}; client ${pinned ? `pinned to core(s) ${clientCores.join(',')}` : 'not pinned (no taskset or no spare core)'}; best of ${rounds} windows of ${seconds} s each\n`,
    );
    for (const name of models) {
      const c = await readModelConfig(repo, name);
      const subBatch = Number(o['sub-batch']) || c.subBatchSize;
      const concurrency = Number(o['concurrency']) || cores.length * 3;
      const { tenant } = await unaryCall(agent, 'ApplyAllocation', {
        allocation: { model: name, workers: cores.length, cpuset: cores },
      });
      checkTenantBackend(name, tenant!.backend, backend);
      const hostStream = rpcLoad(tenant!.endpoint, c, subBatch, concurrency, 'stream');
      const host = rpcLoad(tenant!.endpoint, c, subBatch, concurrency, 'unary');
      const viaAgentLoad = rpcLoad(worker.address, c, subBatch, concurrency, 'unary');
      // Warm up under load (JIT, heap growth: first-touch page faults are slow on these VMs).
      await host.run(3_000);
      await hostStream.run(2_000);
      await viaAgentLoad.run(2_000);
      let inproc = 0;
      let viaHost = 0;
      let viaStream = 0;
      let viaAgent = 0;
      const engine = await InProcessEngine.start(repo, name, cores, { kind: 'sub-batches', subBatch }, backend);
      for (let r = 0; r < rounds; r++) {
        inproc = Math.max(inproc, await engine.measure(seconds));
        viaHost = Math.max(viaHost, await host.run(seconds * 1000));
        viaStream = Math.max(viaStream, await hostStream.run(seconds * 1000));
        viaAgent = Math.max(viaAgent, await viaAgentLoad.run(seconds * 1000));
      }
      await engine.close();
      host.close();
      hostStream.close();
      viaAgentLoad.close();
      await unaryCall(agent, 'RemoveTenant', { model: name });
      backends[name] = tenant!.backend;
      result[name] = {
        kind: c.expectedKind,
        sub_batch: subBatch,
        inprocess: inproc,
        rpc_host: viaHost,
        stream_host: viaStream,
        rpc_agent: viaAgent,
        ratio: viaHost / inproc,
      };
      console.log(
        `${name.padEnd(6)} ${c.expectedKind.padEnd(14)} sub-batch ${String(subBatch).padStart(4)}  in-process ${fmt(inproc, 0).padStart(8)} samples/s  ` +
          `Infer to tenant host ${fmt(viaHost, 0).padStart(8)} (${fmt(viaHost / inproc, 3)})  InferStream to tenant host ${fmt(viaStream, 0).padStart(8)} (${fmt(viaStream / inproc, 3)})  ` +
          `Infer via agent ${fmt(viaAgent, 0).padStart(8)} (${fmt(viaAgent / inproc, 3)})`,
      );
    }
    agent.close();
  } finally {
    await stack.stop();
  }
  console.log(
    '\ntarget: ratio_rpc_vs_inprocess ≥ 0.9 (unary Infer to the tenant host endpoint); ratio_stream_vs_inprocess is the InferStream the gateway uses',
  );
  console.log(
    JSON.stringify({
      bench: 'worker',
      backend,
      tenant_backends: backends,
      ratio_rpc_vs_inprocess: Object.fromEntries(
        Object.entries(result).map(([k, v]) => [k, Number(v.ratio.toFixed(3))]),
      ),
      ratio_stream_vs_inprocess: Object.fromEntries(
        Object.entries(result).map(([k, v]) => [k, Number((v.stream_host / v.inprocess).toFixed(3))]),
      ),
      ratio_via_agent: Object.fromEntries(
        Object.entries(result).map(([k, v]) => [k, Number((v.rpc_agent / v.inprocess).toFixed(3))]),
      ),
      samples_per_s: result,
      tenant_cores: cores,
      client_cores: pinned ? clientCores : [],
      scale: Number(o['scale']),
    }),
  );
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
