/**
 * Gateway benchmark (issue 5), all in one run on this machine:
 * (a) the latency the gateway hop adds — Rank through the gateway minus a direct
 *     Infer to the tenant host for the same sub-batch — next to the floor, a bare
 *     grpc-js round trip of the same payload between two local processes. The
 *     gateway reaches hosts over InferStream, which is cheaper than a unary Infer,
 *     so Rank minus a direct InferStream request is printed as well;
 * (b) serving efficiency — the highest offered QPS whose p95 meets the SLA through
 *     gateway + worker, over the engine's in-process maximum QPS on the same cores
 *     for the same query mix (DESIGN §4.1 sizes), for compute-bound and memory-bound
 *     models (by default two of each: the target is met when one of each class is).
 *
 * Same cores: the tenant (and the in-process run) get `--cores` (default: the last
 * core) with one worker each; this process (client), the gateway and the node
 * agent are pinned to the other cores, as they would run on other machines.
 *
 * This VM's speed drifts by tens of percent within minutes (the in-process rate of
 * one model measured 362 and 543 qps an hour apart), so the in-process engine stays
 * up, warm, and measures for `--ref-seconds` right before and right after every
 * rate point. The search is over a share of the engine's rate: each point offers
 * that share of what the engine did just before it, its offered rate is divided by
 * the engine's rate around it, and a point during which that rate moved by more
 * than 15% is measured once more.
 * Printed next to the queueing ceiling: what a server with zero overhead would
 * reach under the same Poisson arrivals and SLA (queue-ceiling.ts), in steady state
 * and judged over the same windows as the rate points (a short window near capacity
 * ends before its queue has grown, so it can pass more than a steady state would).
 *
 * Each point of the rate search runs `--seconds` or long enough for `--min-queries`
 * queries, whichever is longer: a p95 over ~50 queries (5 s of wnd near its limit) is
 * set by its top three and swung the result by half between runs.
 *
 * --backend onnx serves (and measures in-process) on ONNX Runtime; each model's line and the JSON
 * give the samples/s served per tenant core at the SLA, to set beside the TF.js run's.
 *
 *   npm run bench -- gateway [--models wnd,din,rmc1,rmc2] [--scale 0.05] [--calls 3000] [--seconds 5] [--min-queries 300] [--sla-factor 4] [--ref-seconds 2] [--backend tfjs|onnx]
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient, InferStreamClient, unaryCall } from '@hera/grpc';
import { findMaxRate, gatewayTarget, PayloadPool, runLoad } from '@hera/loadgen';
import { type ModelConfig } from '@hera/model-schema';
import { readModelConfig } from '@hera/models';
import { loadProtos, services, type RankingServiceClient, type WorkerServiceClient } from '@hera/proto';
import { quantile } from '@hera/stats';
import { waitFor } from '@hera/testing';
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
import { queueingCeiling } from './queue-ceiling';

const CORES = availableParallelism(); // before pinning ourselves
const o = args(
  {
    models: 'wnd,din,rmc1,rmc2',
    'hop-model': 'ncf',
    scale: '0.05',
    calls: '3000',
    seconds: '5',
    cores: String(CORES - 1),
    'sla-factor': '4',
    'min-queries': '300',
    'ref-seconds': '2',
    backend: 'tfjs',
  },
  { backend: BACKEND_NOTE },
);
const backend = benchBackend(o['backend']);
// On 2 vCPUs several zoo SLAs are shorter than one query's own compute; the efficiency is
// measured against SLA × this factor (printed with the result).
const slaFactor = Number(o['sla-factor']);
const minQueries = Number(o['min-queries']);
const tenantCores = o['cores']!.split(',').map(Number);
/** Each rate point: a warm-up, then `--seconds` or long enough for `--min-queries`, whichever is longer. */
const WARMUP_MS = 1000;
/** A point whose in-process rates before and after differ by more than this is measured again (once). */
const DRIFT = 0.15;
const pointMs = (rate: number) => Math.max(Number(o['seconds']) * 1000, (minQueries / rate) * 1000);
const otherCores = Array.from({ length: CORES }, (_, i) => i).filter(c => !tenantCores.includes(c));

/** A bare grpc-js echo server in another process: bytes in, as many bytes out as the request's first uint32 (LE) says. */
async function echoServer(): Promise<{ address: string; stop(): void }> {
  const code = `
    const grpc = require(${JSON.stringify(require.resolve('@grpc/grpc-js'))});
    const id = b => b;
    const server = new grpc.Server();
    server.addService({ Echo: { path: '/bench.Echo/Echo', requestStream: false, responseStream: false,
      requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
      { Echo: (call, cb) => cb(null, Buffer.alloc(call.request.readUInt32LE(0))) });
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => process.send(port));`;
  const child = fork('-e', [code], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] } as never);
  const port = await new Promise<number>(r => child.once('message', m => r(Number(m))));
  return { address: `127.0.0.1:${port}`, stop: () => child.kill() };
}

async function hopLatency(gatewayAddr: string, hostAddr: string, c: ModelConfig) {
  const k = c.subBatchSize;
  const pool = new PayloadPool(c, k, 3, 4);
  const rank: RankingServiceClient = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gatewayAddr, {
    maxAttempts: 1,
  });
  const infer: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, hostAddr, {
    maxAttempts: 1,
  });
  // The gateway itself reaches the host over InferStream: timed too, so the hop can be read against either.
  const stream = InferStreamClient.connect(hostAddr);
  const echo = await echoServer();
  const echoClient = new grpc.Client(echo.address, grpc.credentials.createInsecure());
  const id = (b: Buffer) => b;
  // The echo carries what the gateway receives (the encoded request) and sends back a reply of the real reply's size.
  const sample = services().ranking['Rank']!.requestSerialize({ model: c.name, items: pool.take(0, k) });
  const payload = Buffer.from(sample);
  payload.writeUInt32LE(k * 4 + 32, 0);
  const t = { rank: [] as number[], infer: [] as number[], stream: [] as number[], echo: [] as number[] };
  const time = async (arr: number[] | undefined, f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    arr?.push(performance.now() - t0);
  };
  const calls = Number(o['calls']);
  for (let i = 0; i < calls + 200; i++) {
    const warm = i < 200;
    const items = pool.take(0, k);
    await time(warm ? undefined : t.rank, () => unaryCall(rank, 'Rank', { model: c.name, items }));
    await time(warm ? undefined : t.infer, () => unaryCall(infer, 'Infer', { model: c.name, items }));
    await time(warm ? undefined : t.stream, () => stream.infer({ model: c.name, items }, Date.now() + 10_000));
    await time(
      warm ? undefined : t.echo,
      () =>
        new Promise((res, rej) =>
          echoClient.makeUnaryRequest('/bench.Echo/Echo', id, id, payload, (e, r) => (e ? rej(e) : res(r))),
        ),
    );
  }
  rank.close();
  infer.close();
  stream.close();
  echoClient.close();
  echo.stop();
  return {
    k,
    payloadBytes: payload.length,
    rank: { p50: quantile(t.rank, 0.5), p99: quantile(t.rank, 0.99) },
    infer: { p50: quantile(t.infer, 0.5), p99: quantile(t.infer, 0.99) },
    stream: { p50: quantile(t.stream, 0.5), p99: quantile(t.stream, 0.99) },
    echo: { p50: quantile(t.echo, 0.5), p99: quantile(t.echo, 0.99) },
  };
}

async function main(): Promise<void> {
  const pinned = otherCores.length > 0 && pin(process.pid, otherCores);
  const stack = await new Stack().start();
  const repo = join(stack.dir, 'models');
  const models = o['models']!.split(',');
  const hopModel = o['hop-model']!;
  const efficiency: Record<string, number> = {};
  const perCore: Record<string, number> = {};
  const ceiling: Record<string, number> = {};
  const details: Record<string, unknown> = {};
  let hop: Awaited<ReturnType<typeof hopLatency>>;
  try {
    console.log(
      `building ${[...new Set([hopModel, ...models])].join(', ')} at scale ${o['scale']} for the ${backend} engine ...`,
    );
    await buildBenchModels(repo, Number(o['scale']), [...new Set([hopModel, ...models])], backend);
    const env = { HERA_MODEL_REPO: repo, TENANT_QUEUE_LIMIT: '100000' };
    const worker = await stack.service('worker', { ...env, NODE_ID: 'bench', NODE_CORES: String(CORES) });
    const gateway = await stack.service('gateway', { ...env, ROUTING_REFRESH_MS: '500' });
    if (pinned) for (const p of [worker.child.pid, gateway.child.pid]) pin(p, otherCores);
    const agent: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
      defaultDeadlineMs: 300_000,
    });
    const rank: RankingServiceClient = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway.address);
    const cores = tenantCores;
    console.log(
      `tenant and in-process: ${cores.length} worker(s) on core(s) ${cores.join(',')}; client, gateway and agent ${pinned ? `pinned to core(s) ${otherCores.join(',')}` : 'not pinned'}`,
    );
    const place = async (model: string) => {
      const { tenant } = await unaryCall(agent, 'ApplyAllocation', {
        allocation: { model, workers: cores.length, cpuset: cores },
      });
      checkTenantBackend(model, tenant!.backend, backend);
      await waitFor(
        async () => (await unaryCall(rank, 'ListModels', {})).models.some(m => m.name === model),
        10_000,
        'model registered',
      );
      // Wait for the route (pub/sub) before measuring.
      await waitFor(
        async () =>
          unaryCall(rank, 'Rank', {
            model,
            items: new PayloadPool(await readModelConfig(repo, model), 1, 1, 1).take(0, 1),
          }).then(
            () => true,
            () => false,
          ),
        10_000,
        'route',
      );
      return tenant!.endpoint;
    };

    // (a) the hop
    const hostAddr = await place(hopModel);
    hop = await hopLatency(gateway.address, hostAddr, await readModelConfig(repo, hopModel));
    await unaryCall(agent, 'RemoveTenant', { model: hopModel });
    const hopP50 = hop.rank.p50 - hop.infer.p50;
    const hopP99 = hop.rank.p99 - hop.infer.p99;
    console.log(
      `\n(a) gateway hop, ${hopModel}, ${hop.k} items (${hop.payloadBytes} B request), ${o['calls']} sequential calls each:`,
    );
    console.log(`    Rank via gateway  p50 ${fmt(hop.rank.p50, 3)} ms  p99 ${fmt(hop.rank.p99, 3)} ms`);
    console.log(`    Infer to host     p50 ${fmt(hop.infer.p50, 3)} ms  p99 ${fmt(hop.infer.p99, 3)} ms`);
    console.log(`    added by the hop  p50 ${fmt(hopP50, 3)} ms  p99 ${fmt(hopP99, 3)} ms`);
    console.log(
      `    InferStream to host p50 ${fmt(hop.stream.p50, 3)} ms  p99 ${fmt(hop.stream.p99, 3)} ms (the gateway's own path to the host; Rank minus this: p50 ${fmt(hop.rank.p50 - hop.stream.p50, 3)} ms, ${fmt((hop.rank.p50 - hop.stream.p50) / hop.echo.p50, 2)} × echo)`,
    );
    console.log(
      `    bare grpc-js echo p50 ${fmt(hop.echo.p50, 3)} ms  p99 ${fmt(hop.echo.p99, 3)} ms   → hop/echo p50 ${fmt(hopP50 / hop.echo.p50, 2)} (target ≤ 1.3)`,
    );

    // (b) efficiency
    console.log(`\n(b) serving efficiency, DESIGN §4.1 query mix, p95 ≤ ${slaFactor} × the model's SLA:`);
    for (const name of models) {
      const c = await readModelConfig(repo, name);
      // The in-process engine stays up (warm, idle between measurements) on the tenant's cores
      // and measures for `--ref-seconds` just before and just after every rate point: the
      // point's offered rate is divided by what the engine did around it, not minutes away.
      const engine = await InProcessEngine.start(repo, name, cores, { kind: 'queries' }, backend);
      const refSeconds = Number(o['ref-seconds']);
      const references: number[] = [];
      let search: Awaited<ReturnType<typeof findMaxRate>>;
      // What each point really offered: a seeded Poisson stream's count in a short window is off
      // its nominal rate (seed 5's first 25 s run ~15% dense), and the efficiency is of the load
      // actually offered; next to the engine's rate around that point.
      const points = new Map<number, { offered: number; nominal: number; reference: number; itemsPerS: number }>();
      try {
        references.push(await engine.measure(refSeconds));
        await place(name);
        const pool = new PayloadPool(c, 1024, 21);
        // The search runs over the offered rate as a share of the engine's rate, and each point
        // offers that share of what the engine did just before it: a point in a slow phase of
        // the VM is then as hard as one in a fast phase, and a miss in one does not cap the
        // search for the other (it did: din 0.733 when its only miss fell in a slow minute).
        search = await findMaxRate(
          async share => {
            const sla = c.slaMs * slaFactor;
            for (let attempt = 1; ; attempt++) {
              const before = await engine.measure(refSeconds);
              const rate = share * before;
              const durationMs = pointMs(rate);
              const target = gatewayTarget(gateway.address, name, pool);
              const s = await runLoad(target.send, {
                rate,
                seed: 5,
                durationMs,
                warmupMs: WARMUP_MS,
                timeoutMs: 2 * sla,
                slaMs: sla,
              });
              target.close();
              const after = await engine.measure(refSeconds);
              references.push(before, after);
              const reference = (before + after) / 2;
              // The machine changed speed during the point (the engine's rate moved by more than
              // DRIFT): its verdict says more about the VM than the server; measure it once more.
              const drifted = Math.abs(before - after) > DRIFT * Math.max(before, after);
              console.log(
                `    ${name} at ${fmt(share, 3)} × in-process (${fmt(rate)} qps nominal), offered ${fmt(s.offeredQps)} qps for ${fmt(durationMs / 1000)} s → served ${fmt(s.servedQps)} p95 ${fmt(s.p95Ms, 2)} ms ${s.meetsSla ? 'meets' : 'misses'} the ${sla} ms SLA` +
                  `${Object.keys(s.errors).length ? ` errors ${JSON.stringify(s.errors)}` : ''}; in-process ${fmt(before)} before, ${fmt(after)} after → ${fmt(s.offeredQps / reference, 3)}` +
                  `${drifted && attempt === 1 ? ' (the machine drifted: again)' : ''}`,
              );
              if (drifted && attempt === 1) continue;
              points.set(share, {
                offered: s.offeredQps,
                nominal: rate,
                reference,
                itemsPerS: s.items / (durationMs / 1000),
              });
              return { meetsSla: s.meetsSla ?? false, p95Ms: s.p95Ms, servedQps: s.servedQps };
            }
          },
          { start: 0.5, precision: 0.03, maxSteps: 12 },
        );
        await unaryCall(agent, 'RemoveTenant', { model: name });
      } finally {
        await engine.close();
      }
      const best = points.get(search.rate) ?? { offered: 0, nominal: 0, reference: references[0]!, itemsPerS: 0 };
      // Samples (items) served within the run at the best point, per tenant core: what one core
      // of this engine serves through the mesh at the SLA.
      perCore[name] = best.itemsPerS / cores.length;
      const inproc = references.reduce((a, b) => a + b, 0) / references.length;
      efficiency[name] = best.offered / best.reference;
      const sim = {
        inprocessQps: best.reference,
        slaMs: c.slaMs * slaFactor,
        workers: cores.length,
        subBatch: c.subBatchSize,
        seed: 5,
      };
      ceiling[name] = queueingCeiling(sim);
      // The same, judged like the rate points (their windows, warm-up and last-third rule).
      const windowed = queueingCeiling({ ...sim, window: { warmupMs: WARMUP_MS, durationMs: pointMs } });
      details[name] = {
        kind: c.expectedKind,
        inprocess_qps_at_sla: best.reference,
        inprocess_qps_mean: inproc,
        inprocess_qps_min: Math.min(...references),
        inprocess_qps_max: Math.max(...references),
        gateway_qps_at_sla: best.offered,
        nominal_qps_at_sla: best.nominal,
        share_at_sla: search.rate,
        p95_ms: search.p95Ms,
        sla_ms: c.slaMs * slaFactor,
        sla_factor: slaFactor,
        queueing_ceiling: ceiling[name],
        queueing_ceiling_in_window: windowed,
        served_samples_per_s_per_core: best.itemsPerS / cores.length,
      };
      console.log(
        `    ${name} (${c.expectedKind}): through gateway at SLA ${fmt(best.offered)} qps offered, in-process around that point ${fmt(best.reference)} qps → ` +
          `efficiency ${fmt(efficiency[name]!, 3)} (target ≥ 0.8; a zero-overhead server would reach ${fmt(ceiling[name]!, 3)} under the same arrivals and SLA in steady state, ` +
          `${fmt(windowed, 3)} judged over these windows; ` +
          `in-process ranged ${fmt(Math.min(...references))}–${fmt(Math.max(...references))} qps over the search); ` +
          `served ${fmt(perCore[name]!, 0)} samples/s per tenant core (measured, ${backend})`,
      );
    }
    agent.close();
    rank.close();
  } finally {
    await stack.stop();
  }
  // The target: efficiency ≥ 0.8 for a compute-bound and for a memory-bound model.
  const byClass: Record<string, boolean> = {};
  for (const [name, e] of Object.entries(efficiency)) {
    const kind = (details[name] as { kind: string }).kind;
    byClass[kind] = (byClass[kind] ?? false) || e >= 0.8;
  }
  console.log(
    `\nefficiency ≥ 0.8: ${Object.entries(byClass)
      .map(([k, v]) => `${k} ${v ? 'met' : 'not met'}`)
      .join(', ')}`,
  );
  console.log(
    JSON.stringify({
      bench: 'gateway',
      backend,
      hop_p50_ms: Number((hop.rank.p50 - hop.infer.p50).toFixed(4)),
      hop_p99_ms: Number((hop.rank.p99 - hop.infer.p99).toFixed(4)),
      echo_p50_ms: Number(hop.echo.p50.toFixed(4)),
      hop_vs_echo_p50: Number(((hop.rank.p50 - hop.infer.p50) / hop.echo.p50).toFixed(3)),
      hop_vs_stream_p50_ms: Number((hop.rank.p50 - hop.stream.p50).toFixed(4)),
      efficiency: Object.fromEntries(Object.entries(efficiency).map(([k, v]) => [k, Number(v.toFixed(3))])),
      served_samples_per_s_per_core: Object.fromEntries(Object.entries(perCore).map(([k, v]) => [k, Math.round(v)])),
      queueing_ceiling: Object.fromEntries(Object.entries(ceiling).map(([k, v]) => [k, Number(v.toFixed(3))])),
      efficiency_target_met: byClass,
      details,
    }),
  );
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
