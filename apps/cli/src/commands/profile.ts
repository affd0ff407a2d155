import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import * as grpc from '@grpc/grpc-js';
import { createClient, unaryCall } from '@hera/grpc';
import { checkPredictor, measuredNodeClass, profileSetFromMeasurements, toProfileSetDocument } from '@hera/hera';
import {
  loadProtos,
  type JobProgress__Output,
  type PairProfile__Output,
  type Profile__Output,
  type ProfilerServiceClient,
} from '@hera/proto';
import { DEFAULT_DATA_DIR, resolveTarget } from '../cluster-file';
import { connectRedis, Keyspace, listLive, type NodeRecord } from '@hera/state';
import { serviceAddress } from '../gateway-target';
import { scalabilitySvg, svgToPng } from '../plot';
import { formatBytes, table } from '../table';
import { ALL_MODELS } from '../cluster-init';

interface ProfileOptions {
  all: boolean;
  pairs: boolean;
  models?: string;
  splitsPerPair?: number;
  controls?: number;
  pair?: string;
  split?: string;
  quick: boolean;
  node?: string;
  workers?: string;
  subBatch?: string;
  plot?: string;
  out?: string;
  slaFactor: number;
  via: string;
  profiler?: string;
  dataDir: string;
}

/** Follows a profiler job to its end (a progress bar on a terminal, lines otherwise); rejects unless it completed. */
export function watchJob(client: ProfilerServiceClient, jobId: string, label: string): Promise<JobProgress__Output> {
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: `  ${label} [{bar}] {percentage}% | {point} | {rate} qps → p95 {p95} ms | ETA {eta_s}`,
          hideCursor: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(100, 0, { point: 'queued', rate: '-', p95: '-', eta_s: '-' });
  return new Promise((resolve, reject) => {
    let last: JobProgress__Output | undefined;
    const stream = client.watchJob({ jobId }, new grpc.Metadata(), { deadline: Infinity });
    stream.on('data', (p: JobProgress__Output) => {
      last = p;
      if (bar)
        bar.update(Math.round(p.fraction * 100), {
          point: p.point || p.state,
          rate: p.rateQps.toFixed(1),
          p95: p.p95Ms.toFixed(1),
          eta_s: p.etaS ? `${Math.round(p.etaS)}s` : '-',
        });
      else if (p.point)
        process.stderr.write(
          `  ${label} ${(p.fraction * 100).toFixed(0)}% ${p.point}: ${p.rateQps.toFixed(1)} qps → p95 ${p.p95Ms.toFixed(1)} ms\n`,
        );
    });
    stream.on('error', err => {
      bar?.stop();
      reject(err);
    });
    stream.on('end', () => {
      bar?.stop();
      if (!last) return reject(new Error(`job ${jobId} ended without a state`));
      return last.state === 'completed'
        ? resolve(last)
        : reject(new Error(`job ${jobId} ${last.state}${last.error ? `: ${last.error}` : ''}`));
    });
  });
}

function renderProfile(p: Profile__Output): string {
  return (
    `${p.model} on ${p.nodeClass} (${p.cores} cores): ${p.kind}, knee n* = ${p.knee}, QPSmax ${p.qpsMax.toFixed(1)} at p95 ≤ ${p.slaMs} ms; ` +
    `memory ${formatBytes(Number(p.memoryPerHostBytes))} per host + ${formatBytes(Number(p.memoryPerWorkerBytes))} per worker\n` +
    `${table(
      ['workers', 'QPS', 'p95 ms', 'sub-batch', 'scalability', 're-check p95 ms'],
      p.points.map(x => [
        x.workers,
        x.qps.toFixed(1),
        x.p95Ms.toFixed(1),
        x.subBatch,
        x.scalability.toFixed(3),
        x.recheckP95Ms.toFixed(1),
      ]),
    )}\n`
  );
}

const list = (s: string | undefined) => (s ? s.split(',').map(x => Number(x.trim())) : []);

function renderPair(p: PairProfile__Output): string {
  return (
    `${p.modelA} + ${p.modelB} on ${p.nodeClass}, co-located (p95 ≤ ${p.slaMsA} / ${p.slaMsB} ms):\n` +
    `${table(
      ['split', `${p.modelA} qps`, `${p.modelB} qps`, 'common fraction', `${p.modelA} p95 ms`, `${p.modelB} p95 ms`],
      p.splits.map(s => [
        `${s.workersA}:${s.workersB}`,
        s.qpsA.toFixed(1),
        s.qpsB.toFixed(1),
        s.fraction.toFixed(3),
        s.p95MsA.toFixed(1),
        s.p95MsB.toFixed(1),
      ]),
    )}\n`
  );
}

/** `hera profile --pairs`: queue the pair jobs the profiler selects and follow them one by one. */
async function profilePairs(
  client: ProfilerServiceClient,
  o: ProfileOptions,
): Promise<{ measured: number; failures: string[] }> {
  const r = await unaryCall(client, 'StartPairProfiles', {
    models: (o.models ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(Boolean),
    splitsPerPair: o.splitsPerPair ?? 0,
    ...(o.controls === undefined ? {} : { controls: o.controls }),
    nodeId: o.node ?? '',
    quick: o.quick,
    slaFactor: o.slaFactor,
    via: o.via,
  });
  process.stderr.write(`${r.jobs.length} pair(s) to measure on node class ${r.nodeClass}:\n`);
  for (const j of r.jobs) {
    process.stderr.write(
      `  ${j.modelA}+${j.modelB} (${j.role}) at ${j.splits.map(s => `${s.workersA}:${s.workersB} (predicted EMU ${s.predictedEmu.toFixed(3)})`).join(', ')}${j.existing ? ' — already running' : ''}\n`,
    );
  }
  for (const s of r.skipped) process.stderr.write(`  skipped ${s.modelA}+${s.modelB}: ${s.reason}\n`);
  const failures: string[] = [];
  let measured = 0;
  for (const j of r.jobs) {
    const label = `${j.modelA}+${j.modelB}`;
    try {
      await watchJob(client, j.jobId, label);
      const { pairProfiles } = await unaryCall(client, 'ListPairProfiles', { nodeClass: r.nodeClass });
      const p = pairProfiles.find(
        x => (x.modelA === j.modelA && x.modelB === j.modelB) || (x.modelA === j.modelB && x.modelB === j.modelA),
      );
      if (p) process.stdout.write(`${renderPair(p)}\n`);
      measured++;
    } catch (err) {
      failures.push(`${label}: ${(err as Error).message}`);
      process.stderr.write(`${label}: ${(err as Error).message}\n`);
    }
  }
  return { measured, failures };
}

export function register(program: Command): void {
  program
    .command('profile')
    .description(
      "measure models' worker scalability on a node (latency-bounded QPS per worker count), as profiler jobs",
    )
    .argument('[model]', 'model to profile')
    .option('--all', 'every zoo model, one after another', false)
    .option(
      '--pairs',
      'measure the pairs the matcher considers, co-located: every memory-bound × compute-bound pair plus --controls same-class pairs, each at its best predicted splits (needs solo profiles)',
      false,
    )
    .option('--models <list>', 'with --pairs: only pairs among these models, e.g. rmc1,din,wnd')
    .option('--splits-per-pair <n>', 'with --pairs: splits per pair, highest predicted EMU first (default 3)', Number)
    .option('--controls <n>', 'with --pairs: same-class control pairs (default 2)', Number)
    .option('--pair <model>', 'profile co-located with this model (needs --split)')
    .option('--split <a:b,...>', 'worker splits for --pair, e.g. 1:1')
    .option('--quick', 'shorter points, coarser precision, default sub-batch only', false)
    .option('--node <id>', 'node to measure on (default: the first registered)')
    .option('--workers <list>', 'worker counts, e.g. 1,2 (default 1..cores)')
    .option('--sub-batch <list>', 'sub-batch sizes to try, e.g. 64,128')
    .option(
      '--sla-factor <f>',
      "measure against the model's SLA × f (for hardware slower than the SLAs assume)",
      Number,
      1,
    )
    .option(
      '--via <path>',
      'worker: load straight to the tenant host (what the node sustains); gateway: through the gateway (the whole serving path, for a node that also runs the gateway, as `hera up` does; needs a cluster without an applied plan)',
      'worker',
    )
    .option('--plot <file>', 'draw the worker-scalability curves to FILE.svg or FILE.png')
    .option(
      '--out <file>',
      "also write the node class's stored profiles as a hera.profile-set/v1 JSON file (for placement and hera simulate)",
    )
    .option('--profiler <host:port>', 'profiler address (default: $HERA_PROFILER, else the running `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .action(async (model: string | undefined, o: ProfileOptions) => {
      const models = o.pairs ? [] : o.all ? [...ALL_MODELS] : model ? [model] : [];
      if (models.length === 0 && !o.pairs) throw new Error('name a model, or pass --all or --pairs');
      if (o.pairs && (model || o.all || o.pair))
        throw new Error('--pairs chooses the pairs itself: use --models to restrict it, not a model, --all or --pair');
      for (const [flag, v] of [
        ['--splits-per-pair', o.splitsPerPair],
        ['--controls', o.controls],
      ] as const) {
        if (v !== undefined && !(Number.isInteger(v) && v >= 0))
          throw new Error(`${flag}: expected an integer ≥ 0, got ${v}`);
      }
      if (o.pair && !o.split) throw new Error('--pair needs --split, e.g. --split 1:1');
      const splits = (o.split ?? '')
        .split(',')
        .filter(Boolean)
        .map(s => {
          const m = /^(\d+):(\d+)$/.exec(s.trim());
          if (!m) throw new Error(`--split: expected a:b, got ${JSON.stringify(s)}`);
          return { workersA: Number(m[1]), workersB: Number(m[2]) };
        });
      const client = createClient(
        loadProtos().proto.hera.profiler.v1.ProfilerService,
        serviceAddress('profiler', o.profiler, o.dataDir),
        { defaultDeadlineMs: 30_000 },
      );
      const t0 = Date.now();
      const profiles: Profile__Output[] = [];
      const failures: string[] = [];
      let pairsMeasured = 0;
      try {
        if (o.pairs) {
          const r = await profilePairs(client, o);
          failures.push(...r.failures);
          pairsMeasured = r.measured;
        }
        for (const m of models) {
          try {
            const { jobId, existing } = await unaryCall(client, 'StartProfile', {
              model: m,
              pairModel: o.pair ?? '',
              splits,
              nodeId: o.node ?? '',
              workerCounts: list(o.workers),
              subBatchSizes: list(o.subBatch),
              quick: o.quick,
              slaFactor: o.slaFactor,
              via: o.via,
            });
            process.stderr.write(
              `${existing ? 'following running' : 'started'} job ${jobId}: ${m}${o.pair ? ` with ${o.pair}` : ''}\n`,
            );
            await watchJob(client, jobId, m.padEnd(6));
            if (o.pair) {
              process.stdout.write(`pair ${m}+${o.pair} measured (see hera plan explain --dry-run)\n`);
              continue;
            }
            const { profiles: all } = await unaryCall(client, 'ListProfiles', {});
            const p = all.filter(x => x.model === m).sort((a, b) => Number(b.measuredAtMs) - Number(a.measuredAtMs))[0];
            if (p) {
              profiles.push(p);
              process.stdout.write(`${renderProfile(p)}\n`);
            }
          } catch (err) {
            // One model that cannot be profiled does not stop the others.
            failures.push(`${m}: ${(err as Error).message}`);
            process.stderr.write(`${m}: ${(err as Error).message}\n`);
          }
        }
      } finally {
        client.close();
      }
      if (failures.length) {
        process.stdout.write(`not profiled:\n${failures.map(f => `  ${f}`).join('\n')}\n\n`);
        process.exitCode = 1;
      }
      process.stderr.write(
        `profiled ${o.pairs ? `${pairsMeasured} pair(s)` : `${profiles.length} model(s)`} in ${((Date.now() - t0) / 60_000).toFixed(1)} min\n`,
      );
      if ((o.plot || o.out) && (profiles.length || pairsMeasured)) {
        // Every stored profile of the node class, not just this run's: profiling can be done
        // model by model, and the picture and the set made at the end.
        const c = createClient(
          loadProtos().proto.hera.profiler.v1.ProfilerService,
          serviceAddress('profiler', o.profiler, o.dataDir),
          { defaultDeadlineMs: 30_000 },
        );
        const [listed, pairList] = await Promise.all([
          unaryCall(c, 'ListProfiles', {}),
          unaryCall(c, 'ListPairProfiles', {}),
        ]).finally(() => c.close());
        const nodeClass = profiles[0]?.nodeClass ?? pairList.pairProfiles[0]?.nodeClass ?? '';
        const all = listed.profiles.filter(p => p.nodeClass === nodeClass);
        const pairs = pairList.pairProfiles.filter(p => p.nodeClass === nodeClass);
        if (o.plot) {
          const svg = scalabilitySvg(
            all.map(p => ({ model: p.model, kind: p.kind, points: p.points })),
            `Worker scalability on node class ${nodeClass} (p95 within SLA)`,
          );
          writeFileSync(o.plot, o.plot.endsWith('.png') ? svgToPng(svg) : svg);
          process.stderr.write(`wrote ${o.plot}\n`);
        }
        if (o.out) {
          const memoryBytes = await nodeMemory(o.dataDir, nodeClass);
          const set = profileSetFromMeasurements({
            nodeClass: measuredNodeClass({ name: nodeClass, cores: all[0]?.cores ?? 0, memoryBytes }),
            profiles: all,
            pairs,
            generatedBy: `hera ${process.argv.slice(2).join(' ')}`,
          });
          writeFileSync(o.out, `${JSON.stringify(toProfileSetDocument(set), null, 2)}\n`);
          const check = checkPredictor(set);
          process.stderr.write(
            `wrote ${o.out} (${all.length} models and ${set.pairs.length} measured pairs of node class ${nodeClass})\n`,
          );
          if (check.qpsError) {
            process.stderr.write(
              `predictor vs ${check.splits} measured split(s): per-tenant QPS error mean ${(check.qpsError.mean * 100).toFixed(1)}%, worst ${(check.qpsError.max * 100).toFixed(1)}%\n`,
            );
          }
        }
      }
    });
}

/** Memory of the registered nodes of a class (the profiler records cores, not memory). */
async function nodeMemory(dataDir: string, nodeClass: string): Promise<number> {
  const target = resolveTarget({ dataDir });
  const redis = await connectRedis(target.redisUrl, { name: 'hera-cli', offlineQueue: true });
  try {
    const keys = new Keyspace(target.prefix);
    const nodes = (await listLive<NodeRecord>(redis, keys.nodes(), m => keys.node(m))).live.filter(
      n => n.nodeClass === nodeClass,
    );
    if (nodes.length === 0) throw new Error(`no registered node of class ${nodeClass} to read its memory from`);
    return Math.min(...nodes.map(n => n.memoryBytes));
  } finally {
    redis.disconnect();
  }
}
