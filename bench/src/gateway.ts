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
 * than 15%, or that missed its SLA, is measured once more (the second verdict stands).
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
 * --tracing measures what tracing costs: (b) only, each model once against a gateway and node
 * agent without tracing and once against a second pair (another Redis prefix, the same tenant
 * cores, one tenant placed at a time) that traces every query (OTEL_TRACES_SAMPLER=always_on)
 * and exports over OTLP/gRPC to a receiver in this process; prints both efficiencies and their
 * ratio (target ≥ 0.95) and puts them in the JSON line, with where the cost lands: each pair's
 * CPU per query (gateway, node agent, tenant host) over the model's rate points, from /proc.
 *
 * --tls measures what mTLS on every hop costs, the same way: a plaintext pair, then a pair whose
 * gateway, node agent and tenant hosts serve TLS and require client certificates (a throwaway CA
 * from openssl, as `hera up --tls`), this process's clients presenting theirs; prints both
 * efficiencies and their ratio, and puts them in the JSON line.
 *
 * --rounds N (with --tracing / --tls) measures each model N times on each pair, alternating which
 * pair goes first (the VM drifts), and keeps each pair's best round; every round is printed and in
 * the JSON line.
 *
 * --paired (with --tracing / --tls): both pairs serve the model at once (two tenants on the same
 * cores, one idle at any moment) and their two rate searches take turns point by point against one
 * in-process engine, each point still bracketed by the engine's rate just before and after it.
 * Sequential searches put minutes between the pairs, and this VM's speed moves by tens of percent
 * in minutes: the same pair's efficiency moved by ±0.05–0.09 between rounds, as much as tracing's
 * cost. Taking turns puts seconds between them.
 *
 *   npm run bench -- gateway [--models wnd,din,rmc1,rmc2] [--scale 0.05] [--calls 3000] [--seconds 5] [--min-queries 300] [--sla-factor 4] [--ref-seconds 2] [--backend tfjs|onnx] [--tracing | --tls [--rounds N] [--paired]]
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  configureSecurity,
  createClient,
  InferStreamClient,
  unaryCall,
  untracedMetadata,
  type Security,
} from '@hera/grpc';
import { findMaxRate, gatewayTarget, PayloadPool, runLoad } from '@hera/loadgen';
import { type ModelConfig } from '@hera/model-schema';
import { readModelConfig } from '@hera/models';
import { loadProtos, services, type RankingServiceClient, type WorkerServiceClient } from '@hera/proto';
import { quantile } from '@hera/stats';
import { childPids, createLocalPki } from '@hera/procs';
import { startOtlpReceiver, waitFor, type OtlpReceiver, type TestService } from '@hera/testing';
import {
  args,
  BACKEND_NOTE,
  benchBackend,
  buildBenchModels,
  checkTenantBackend,
  cpuSeconds,
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
    rounds: '1',
  },
  {
    backend: BACKEND_NOTE,
    rounds:
      'with --tracing / --tls: measure each model on both pairs this many times, alternating which goes first; each pair keeps its best round (a miss in a slow moment of a shared VM only lowers a round)',
    tracing: 'efficiency with tracing off and on (always_on, exported over OTLP/gRPC), side by side; skips (a)',
    tls: 'efficiency in plaintext and with mTLS on every hop (client → gateway → tenant host), side by side; skips (a)',
    paired:
      "with --tracing / --tls: both pairs serve the model at once and their rate searches take turns, point by point, against one in-process engine, so the VM's drift falls on both alike (without it, a round runs one pair's whole search, then the other's)",
  },
  ['tracing', 'tls', 'paired'],
);
const tracing = o['tracing'] === 'true';
const tls = o['tls'] === 'true';
const paired = o['paired'] === 'true';
if (tracing && tls) throw new Error('--tracing and --tls each compare two pairs: pass one of them');
/** Two serving pairs side by side, `off` (the plain one) and `on`; or one. */
const compared: { what: string; off: string; on: string } | undefined = tracing
  ? { what: 'tracing', off: 'tracing off', on: 'tracing on' }
  : tls
    ? { what: 'tls', off: 'plaintext', on: 'mTLS on every hop' }
    : undefined;
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

/** One gateway + node agent pair serving the bench's tenants, under its own Redis prefix. */
interface Serving {
  label: string;
  /** What this process's clients of the pair use (configureSecurity before opening one). */
  security: Security;
  gateway: TestService;
  agent: WorkerServiceClient;
  /** The node agent's process (its tenant hosts are its children). */
  agentPid: number;
  rank: RankingServiceClient;
  close(): void;
}

/** What (b) found for one model on one serving pair. */
interface ModelResult {
  efficiency: number;
  perCore: number;
  ceiling: number;
  details: Record<string, unknown>;
}

async function main(): Promise<void> {
  const pinned = otherCores.length > 0 && pin(process.pid, otherCores);
  const stack = await new Stack().start();
  const repo = join(stack.dir, 'models');
  const models = o['models']!.split(',');
  const hopModel = o['hop-model']!;
  const cores = tenantCores;
  let hop: Awaited<ReturnType<typeof hopLatency>> | undefined;
  let receiver: OtlpReceiver | undefined;
  const results: Record<string, Record<string, ModelResult>> = {};
  /** Every round's efficiency, per pair and model (results keeps each pair's best). */
  const allRounds: Record<string, Record<string, number[]>> = {};
  const servings: Serving[] = [];
  try {
    const built = compared ? models : [...new Set([hopModel, ...models])];
    console.log(`building ${built.join(', ')} at scale ${o['scale']} for the ${backend} engine ...`);
    await buildBenchModels(repo, Number(o['scale']), built, backend);
    const env = { HERA_MODEL_REPO: repo, TENANT_QUEUE_LIMIT: '100000' };
    const serve = async (
      label: string,
      prefix: string,
      extra: Record<string, string>,
      security: Security = {},
      perService: (name: 'worker' | 'gateway') => Record<string, string> = () => ({}),
    ): Promise<Serving> => {
      const e = { ...env, HERA_REDIS_PREFIX: prefix, ...extra };
      const worker = await stack.service('worker', {
        ...e,
        ...perService('worker'),
        NODE_ID: `bench-${label}`,
        NODE_CORES: String(CORES),
      });
      const gateway = await stack.service('gateway', { ...e, ...perService('gateway'), ROUTING_REFRESH_MS: '500' });
      configureSecurity(security);
      if (pinned) for (const p of [worker.child.pid, gateway.child.pid]) pin(p, otherCores);
      const agent: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, worker.address, {
        defaultDeadlineMs: 300_000,
      });
      const rank: RankingServiceClient = createClient(
        loadProtos().proto.hera.gateway.v1.RankingService,
        gateway.address,
      );
      return {
        label,
        security,
        gateway,
        agent,
        agentPid: worker.child.pid!,
        rank,
        close: () => {
          agent.close();
          rank.close();
        },
      };
    };
    if (tracing) {
      receiver = await startOtlpReceiver('grpc', { keep: false });
      servings.push(await serve('off', 'bench-off', {}));
      servings.push(
        await serve('on', 'bench-on', {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesEndpoint,
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
          OTEL_TRACES_SAMPLER: 'always_on',
        }),
      );
    } else if (tls) {
      servings.push(await serve('off', 'bench-off', {}));
      const pki = createLocalPki(join(stack.dir, 'tls'), ['gateway', 'worker', 'client'], ['localhost', '127.0.0.1']);
      const files = (name: string) => pki.files(name);
      const tlsEnv = (name: string) => ({
        GRPC_TLS_CERT: files(name).certFile,
        GRPC_TLS_KEY: files(name).keyFile,
        GRPC_TLS_CA: files(name).caFile,
        GRPC_TLS_CLIENT_CERTS: 'require',
        GRPC_TLS_SERVER_NAME: 'localhost',
      });
      servings.push(
        await serve(
          'on',
          'bench-on',
          {},
          { tls: { ...files('client'), clientCerts: 'require', serverName: 'localhost', reloadS: 0 } },
          tlsEnv,
        ),
      );
    } else servings.push(await serve('', 'hera', {}));
    console.log(
      `tenant and in-process: ${cores.length} worker(s) on core(s) ${cores.join(',')}; client, gateway and agent ${pinned ? `pinned to core(s) ${otherCores.join(',')}` : 'not pinned'}`,
    );
    const place = async (s: Serving, model: string) => {
      const { tenant } = await unaryCall(s.agent, 'ApplyAllocation', {
        allocation: { model, workers: cores.length, cpuset: cores },
      });
      checkTenantBackend(model, tenant!.backend, backend);
      await waitFor(
        async () =>
          (await unaryCall(s.rank, 'ListModels', {}, { metadata: untracedMetadata() })).models.some(
            m => m.name === model,
          ),
        10_000,
        'model registered',
      );
      // Wait for the route (pub/sub) before measuring.
      await waitFor(
        async () =>
          unaryCall(
            s.rank,
            'Rank',
            { model, items: new PayloadPool(await readModelConfig(repo, model), 1, 1, 1).take(0, 1) },
            { metadata: untracedMetadata() },
          ).then(
            () => true,
            () => false,
          ),
        10_000,
        'route',
      );
      return tenant!.endpoint;
    };

    if (!compared) {
      // (a) the hop
      const s = servings[0]!;
      const hostAddr = await place(s, hopModel);
      hop = await hopLatency(s.gateway.address, hostAddr, await readModelConfig(repo, hopModel));
      await unaryCall(s.agent, 'RemoveTenant', { model: hopModel });
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
    } else console.log(`\n(a) skipped with --${compared.what}`);

    // (b) efficiency; with --tracing / --tls each model on the plain pair, then on the other.
    console.log(`\n(b) serving efficiency, DESIGN §4.1 query mix, p95 ≤ ${slaFactor} × the model's SLA:`);
    const rounds = compared ? Math.max(1, Math.floor(Number(o['rounds']))) : 1;
    for (const name of models) {
      for (let round = 0; round < rounds; round++) {
        // Alternate which pair goes first: the VM's speed drifts, and a fixed order would favour one.
        const order = round % 2 === 0 ? servings : [...servings].reverse();
        if (compared && paired) {
          console.log(
            `    -- ${name}, both pairs taking turns${rounds > 1 ? `, round ${round + 1} of ${rounds}` : ''}`,
          );
          const engine = await InProcessEngine.start(repo, name, cores, { kind: 'queries' }, backend);
          try {
            const turn = turns();
            const rs = await Promise.all(order.map(s => efficiencyOf(repo, name, s, place, { engine, turn })));
            order.forEach((s, i) => {
              const r = rs[i]!;
              ((allRounds[s.label] ??= {})[name] ??= []).push(round3(r.efficiency));
              const prev = (results[s.label] ??= {})[name];
              if (!prev || r.efficiency > prev.efficiency) results[s.label]![name] = r;
            });
          } finally {
            await engine.close();
          }
          continue;
        }
        for (const s of order) {
          if (compared)
            console.log(
              `    -- ${name}, ${s.label === 'on' ? compared.on : compared.off}${rounds > 1 ? `, round ${round + 1} of ${rounds}` : ''}`,
            );
          configureSecurity(s.security);
          const r = await efficiencyOf(repo, name, s, place);
          ((allRounds[s.label] ??= {})[name] ??= []).push(round3(r.efficiency));
          const prev = (results[s.label] ??= {})[name];
          if (!prev || r.efficiency > prev.efficiency) results[s.label]![name] = r;
        }
      }
      if (compared) {
        const off = results['off']![name]!.efficiency;
        const on = results['on']![name]!.efficiency;
        console.log(
          `    ${name}: efficiency ${compared.off} ${fmt(off, 3)}, ${compared.on} ${fmt(on, 3)}${rounds > 1 ? ` (best of ${rounds} rounds: ${allRounds['off']![name]!.join(', ')} / ${allRounds['on']![name]!.join(', ')})` : ''} → on/off ${fmt(on / off, 3)}${tracing ? ` (target ≥ 0.95); ${receiver!.requests} exports (${fmt(receiver!.bytes / 1048576)} MiB) so far` : ''}`,
        );
        const cpuOf = (label: string) =>
          (results[label]![name]!.details as { cpu_us_per_query: Record<string, number> }).cpu_us_per_query;
        const [a, b] = [cpuOf('off'), cpuOf('on')];
        console.log(
          `    ${name}: CPU µs per query (measured, /proc), ${compared.off} → ${compared.on}: gateway ${a['gateway']} → ${b['gateway']}, node agent ${a['agent']} → ${b['agent']}, tenant host ${a['host']} → ${b['host']} (inference threads included)`,
        );
      }
    }
    for (const s of servings) s.close();
  } finally {
    await stack.stop();
    await receiver?.stop();
  }
  const untraced = results[compared ? 'off' : '']!;
  // The target: efficiency ≥ 0.8 for a compute-bound and for a memory-bound model.
  const byClass: Record<string, boolean> = {};
  for (const r of Object.values(untraced)) {
    const kind = (r.details as { kind: string }).kind;
    byClass[kind] = (byClass[kind] ?? false) || r.efficiency >= 0.8;
  }
  console.log(
    `\nefficiency ≥ 0.8: ${Object.entries(byClass)
      .map(([k, v]) => `${k} ${v ? 'met' : 'not met'}`)
      .join(', ')}`,
  );
  const round = (v: number, d = 3) => Number(v.toFixed(d));
  const pick = (rs: Record<string, ModelResult>, f: (r: ModelResult) => number, d = 3) =>
    Object.fromEntries(Object.entries(rs).map(([k, r]) => [k, round(f(r), d)]));
  let tracingFigures: Record<string, unknown> | undefined;
  let tlsFigures: Record<string, unknown> | undefined;
  if (tls) {
    const ratio = Object.fromEntries(
      models.map(m => [m, round(results['on']![m]!.efficiency / results['off']![m]!.efficiency)]),
    );
    console.log(
      `mTLS cost: mTLS/plaintext efficiency ${Object.entries(ratio)
        .map(([m, r]) => `${m} ${r}`)
        .join(', ')}`,
    );
    tlsFigures = {
      paired,
      rounds_plaintext: allRounds['off'],
      rounds_mtls: allRounds['on'],
      efficiency_plaintext: pick(results['off']!, r => r.efficiency),
      efficiency_mtls: pick(results['on']!, r => r.efficiency),
      mtls_plaintext_ratio: ratio,
      served_samples_per_s_per_core_mtls: pick(results['on']!, r => r.perCore, 0),
      hops: 'client → gateway and gateway → tenant host, mTLS (P-256 certificates, client certificates required)',
      details_mtls: Object.fromEntries(Object.entries(results['on']!).map(([k, r]) => [k, r.details])),
    };
  }
  if (tracing) {
    const ratio = Object.fromEntries(
      models.map(m => [m, round(results['on']![m]!.efficiency / results['off']![m]!.efficiency)]),
    );
    const met = Object.values(ratio).every(r => r >= 0.95);
    console.log(
      `tracing cost: on/off efficiency ${Object.entries(ratio)
        .map(([m, r]) => `${m} ${r}`)
        .join(
          ', ',
        )} → target ≥ 0.95 ${met ? 'met' : 'not met'} (${receiver!.requests} OTLP exports, ${fmt(receiver!.bytes / 1048576)} MiB)`,
    );
    tracingFigures = {
      paired,
      rounds_off: allRounds['off'],
      rounds_on: allRounds['on'],
      cpu_us_per_query_off: Object.fromEntries(
        Object.entries(results['off']!).map(([k, r]) => [k, r.details['cpu_us_per_query']]),
      ),
      cpu_us_per_query_on: Object.fromEntries(
        Object.entries(results['on']!).map(([k, r]) => [k, r.details['cpu_us_per_query']]),
      ),
      efficiency_off: pick(results['off']!, r => r.efficiency),
      efficiency_on: pick(results['on']!, r => r.efficiency),
      on_off_ratio: ratio,
      target: 0.95,
      target_met: met,
      sampler: 'always_on',
      exporter: 'otlp grpc, in-process receiver',
      otlp_exports: receiver!.requests,
      otlp_bytes: receiver!.bytes,
      details_on: Object.fromEntries(Object.entries(results['on']!).map(([k, r]) => [k, r.details])),
    };
  }
  console.log(
    JSON.stringify({
      bench: 'gateway',
      backend,
      ...(hop
        ? {
            hop_p50_ms: round(hop.rank.p50 - hop.infer.p50, 4),
            hop_p99_ms: round(hop.rank.p99 - hop.infer.p99, 4),
            echo_p50_ms: round(hop.echo.p50, 4),
            hop_vs_echo_p50: round((hop.rank.p50 - hop.infer.p50) / hop.echo.p50),
            hop_vs_stream_p50_ms: round(hop.rank.p50 - hop.stream.p50, 4),
          }
        : {}),
      efficiency: pick(untraced, r => r.efficiency),
      served_samples_per_s_per_core: pick(untraced, r => r.perCore, 0),
      queueing_ceiling: pick(untraced, r => r.ceiling),
      efficiency_target_met: byClass,
      details: Object.fromEntries(Object.entries(untraced).map(([k, r]) => [k, r.details])),
      ...(tracingFigures ? { tracing: tracingFigures } : {}),
      ...(tlsFigures ? { tls: tlsFigures } : {}),
    }),
  );
}

/** (b) for one model on one serving pair: the rate search against the in-process engine. */
/** Runs tasks one at a time, in the order they asked: two searches sharing it take turns. */
type Turns = <T>(task: () => Promise<T>) => Promise<T>;
function turns(): Turns {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * One model's efficiency on one serving pair. `shared` (--paired): the engine and the turns of
 * two pairs searching at once; each of this pair's measurements (engine, load, engine) then
 * waits for its turn, so the two searches' points alternate in time.
 */
async function efficiencyOf(
  repo: string,
  name: string,
  serving: Serving,
  place: (s: Serving, model: string) => Promise<string>,
  shared?: { engine: InProcessEngine; turn: Turns },
): Promise<ModelResult> {
  const cores = tenantCores;
  const c = await readModelConfig(repo, name);
  const turn: Turns = shared?.turn ?? (task => task());
  // Lines of two searches interleave: each names its pair.
  const tag = shared && compared ? `[${serving.label === 'on' ? compared.on : compared.off}] ` : '';
  // The in-process engine stays up (warm, idle between measurements) on the tenant's cores
  // and measures for `--ref-seconds` just before and just after every rate point: the
  // point's offered rate is divided by what the engine did around it, not minutes away.
  const engine = shared?.engine ?? (await InProcessEngine.start(repo, name, cores, { kind: 'queries' }, backend));
  const refSeconds = Number(o['ref-seconds']);
  const references: number[] = [];
  let search: Awaited<ReturnType<typeof findMaxRate>>;
  // What each point really offered: a seeded Poisson stream's count in a short window is off
  // its nominal rate (seed 5's first 25 s run ~15% dense), and the efficiency is of the load
  // actually offered; next to the engine's rate around that point.
  const points = new Map<number, { offered: number; nominal: number; reference: number; itemsPerS: number }>();
  let cpu!: CpuPerQuery;
  try {
    references.push(await turn(() => engine.measure(refSeconds)));
    await place(serving, name);
    cpu = new CpuPerQuery(serving.gateway.child.pid!, serving.agentPid);
    const pool = new PayloadPool(c, 1024, 21);
    // The search runs over the offered rate as a share of the engine's rate, and each point
    // offers that share of what the engine did just before it: a point in a slow phase of
    // the VM is then as hard as one in a fast phase, and a miss in one does not cap the
    // search for the other (it did: din 0.733 when its only miss fell in a slow minute).
    search = await findMaxRate(
      async share => {
        const sla = c.slaMs * slaFactor;
        for (let attempt = 1; ; attempt++) {
          const { before, rate, durationMs, s, after } = await turn(async () => {
            const before = await engine.measure(refSeconds);
            const rate = share * before;
            const durationMs = pointMs(rate);
            const target = gatewayTarget(serving.gateway.address, name, pool);
            const ticks0 = cpu.read();
            const s = await runLoad(target.send, {
              rate,
              seed: 5,
              durationMs,
              warmupMs: WARMUP_MS,
              timeoutMs: 2 * sla,
              slaMs: sla,
            });
            target.close();
            // Every query of the run, warm-up included (sent counts the measured window only).
            cpu.add(ticks0, (s.sent * (WARMUP_MS + durationMs)) / durationMs);
            return { before, rate, durationMs, s, after: await engine.measure(refSeconds) };
          });
          references.push(before, after);
          const reference = (before + after) / 2;
          // The machine changed speed during the point (the engine's rate moved by more than
          // DRIFT): its verdict says more about the VM than the server; measure it once more.
          // A miss is measured once more too: the search never goes above a missed share, so one
          // slow moment on this shared VM capped whole searches (--tracing, 2026-12-06: din's
          // first point at 0.5 missed once on each pair, at p95 710–770 ms, and that pair's result
          // stopped near 0.5 while the other reached 0.76–0.84).
          const drifted = Math.abs(before - after) > DRIFT * Math.max(before, after) || !s.meetsSla;
          console.log(
            `    ${tag}${name} at ${fmt(share, 3)} × in-process (${fmt(rate)} qps nominal), offered ${fmt(s.offeredQps)} qps for ${fmt(durationMs / 1000)} s → served ${fmt(s.servedQps)} p95 ${fmt(s.p95Ms, 2)} ms ${s.meetsSla ? 'meets' : 'misses'} the ${sla} ms SLA` +
              `${Object.keys(s.errors).length ? ` errors ${JSON.stringify(s.errors)}` : ''}; in-process ${fmt(before)} before, ${fmt(after)} after → ${fmt(s.offeredQps / reference, 3)}` +
              `${drifted && attempt === 1 ? (s.meetsSla ? ' (the machine drifted: again)' : ' (a miss: again)') : ''}`,
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
    await unaryCall(serving.agent, 'RemoveTenant', { model: name });
  } finally {
    if (!shared) await engine.close();
  }
  const best = points.get(search.rate) ?? { offered: 0, nominal: 0, reference: references[0]!, itemsPerS: 0 };
  const inproc = references.reduce((a, b) => a + b, 0) / references.length;
  const efficiency = best.offered / best.reference;
  const sim = {
    inprocessQps: best.reference,
    slaMs: c.slaMs * slaFactor,
    workers: cores.length,
    subBatch: c.subBatchSize,
    seed: 5,
  };
  const ceiling = queueingCeiling(sim);
  // The same, judged like the rate points (their windows, warm-up and last-third rule).
  const windowed = queueingCeiling({ ...sim, window: { warmupMs: WARMUP_MS, durationMs: pointMs } });
  // Samples (items) served within the run at the best point, per tenant core: what one core
  // of this engine serves through the mesh at the SLA.
  const perCore = best.itemsPerS / cores.length;
  console.log(
    `    ${tag}${name} (${c.expectedKind}): through gateway at SLA ${fmt(best.offered)} qps offered, in-process around that point ${fmt(best.reference)} qps → ` +
      `efficiency ${fmt(efficiency, 3)} (target ≥ 0.8; a zero-overhead server would reach ${fmt(ceiling, 3)} under the same arrivals and SLA in steady state, ` +
      `${fmt(windowed, 3)} judged over these windows; ` +
      `in-process ranged ${fmt(Math.min(...references))}–${fmt(Math.max(...references))} qps over the search); ` +
      `served ${fmt(perCore, 0)} samples/s per tenant core (measured, ${backend})`,
  );
  return {
    efficiency,
    perCore,
    ceiling,
    details: {
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
      queueing_ceiling: ceiling,
      queueing_ceiling_in_window: windowed,
      served_samples_per_s_per_core: perCore,
      cpu_us_per_query: cpu.perQuery(),
    },
  };
}

const round3 = (v: number) => Number(v.toFixed(3));

/**
 * CPU per query of the serving pair's processes over a model's rate points (measured, from
 * /proc/<pid>/stat at 100 ticks/s): the gateway, the node agent, and the tenant host (its main
 * thread and its inference threads). Where a cost such as tracing's lands, beside the
 * efficiency it changes.
 */
class CpuPerQuery {
  readonly #host: number;
  #seconds = [0, 0, 0];
  #queries = 0;

  constructor(
    readonly gateway: number,
    readonly agent: number,
  ) {
    // No /proc children list: the host column stays 0.
    this.#host = childPids(agent).at(-1) ?? 0;
  }

  read(): number[] {
    return [this.gateway, this.agent, this.#host].map(p => (p > 0 ? cpuSeconds(p) : 0));
  }

  add(before: number[], queries: number): void {
    const now = this.read();
    this.#seconds = this.#seconds.map((t, i) => t + now[i]! - before[i]!);
    this.#queries += queries;
  }

  perQuery(): { gateway: number; agent: number; host: number; queries: number } {
    const us = (t: number) => (this.#queries > 0 ? Math.round((t * 1e6) / this.#queries) : 0);
    return {
      gateway: us(this.#seconds[0]!),
      agent: us(this.#seconds[1]!),
      host: us(this.#seconds[2]!),
      queries: Math.round(this.#queries),
    };
  }
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
