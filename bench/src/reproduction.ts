// Reproduction benchmark (DESIGN §4.4 step 6; issue 15): the proof on live nodes. Starts a local
// cluster (`hera up --no-plan` on free ports, private Redis, models built at --scale), then runs
// `hera reproduce` against it: solo and pair profiles measured, Hera vs the baselines on them,
// every configuration of Hera's plan driven at its planned rates through the gateway. Prints the
// report and a last JSON line. On 2 cores nothing saturates memory bandwidth: expect a gain near
// 1.0 from complementarity; what this shows is that the pipeline is measured end to end.
//
// --backend picks the engine every tenant serves on, and so the engine every figure is for:
// tfjs (default; the models as `hera up` builds them) or onnx (the models built first with their
// ONNX graphs and the engine set in their configs, as `hera models build --format onnx` does, and
// the hosts started with HERA_BACKEND=onnx, so a host where ONNX Runtime cannot load fails
// instead of measuring TF.js). Profiles record the backend they were measured on; placement
// plans each model only from profiles of its engine.
//
//   npm run bench -- reproduction [--models rmc1,rmc2,din,wnd] [--sla-factor 4] [--controls 4] [--seconds 60] [--backend tfjs|onnx]
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAPER, readClusterFile, renderReproduction, reproduce } from '@hera/cli';
import { onnxRuntimeStatus } from '@hera/engine-onnx';
import { waitFor } from '@hera/procs';
import { HERA_UP_FREE_PORTS } from '@hera/testing';
import { args, BACKEND_NOTE, benchBackend, buildBenchModels } from './harness';

async function main(): Promise<void> {
  const a = args(
    {
      models: 'rmc1,rmc2,din,wnd',
      'sla-factor': '4',
      via: 'gateway',
      quick: 'true',
      controls: '4',
      'splits-per-pair': '3',
      units: '100',
      seconds: '60',
      warmup: '20',
      'max-configs': '3',
      'pair-checks': '1',
      scale: '0.01',
      keep: 'false',
      backend: 'tfjs',
    },
    { backend: BACKEND_NOTE },
  );
  const backend = benchBackend(a.backend);
  if (backend === 'onnx') {
    const ort = onnxRuntimeStatus();
    if (!ort.available) {
      console.error(`--backend onnx: ONNX Runtime cannot load here (${ort.reason})`);
      process.exit(1);
    }
  }
  console.log(
    `backend: ${backend} — every figure below is for tenants served on ${backend === 'onnx' ? 'ONNX Runtime' : 'TF.js'}`,
  );
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hera-reproduction-'));
  const log = join(dir, 'cluster.log');
  const logStream = createWriteStream(log);
  if (backend === 'onnx') {
    // Built before `hera up`, which serves what the repository holds (it builds only models missing).
    const repo = join(dir, 'models');
    console.log(`building ${a.models} at scale ${a.scale} with their ONNX graphs into ${repo}`);
    await buildBenchModels(repo, Number(a.scale), a.models!.split(','), backend);
  }
  const cli = require.resolve('@hera/cli/dist/main.js');
  const up = spawn(
    process.execPath,
    [
      cli,
      'up',
      '--no-plan',
      '--data-dir',
      dir,
      '--models',
      a.models!,
      '--scale',
      a.scale!,
      ...HERA_UP_FREE_PORTS,
      '--json-logs',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: backend === 'onnx' ? { ...process.env, HERA_BACKEND: 'onnx' } : process.env,
    },
  );
  up.stdout.pipe(logStream);
  up.stderr.pipe(logStream);
  let exited = false;
  up.once('exit', () => (exited = true));
  const stop = async () => {
    if (exited) return;
    const done = new Promise(r => up.once('exit', r));
    up.kill('SIGINT');
    await Promise.race([done, new Promise(r => setTimeout(r, 60_000))]);
  };
  try {
    console.log(`starting a local cluster in ${dir} (log: ${log})`);
    await waitFor(
      async () => {
        if (exited) throw new Error(`hera up exited; see ${log}`);
        return /registered .* without a plan/.test(readFileSync(log, 'utf8'));
      },
      600_000,
      'hera up to register the models',
    );
    const cluster = readClusterFile(dir)!;
    console.log(
      `cluster up in ${((Date.now() - t0) / 1000).toFixed(0)} s: gateway ${cluster.services['gateway']}, ${cluster.workers.length} node(s)`,
    );
    const report = await reproduce({
      profiler: cluster.services['profiler']!,
      placement: cluster.services['placement']!,
      gateway: cluster.services['gateway']!,
      redisUrl: cluster.redisUrl,
      prefix: cluster.prefix,
      models: a.models!.split(','),
      slaFactor: Number(a['sla-factor']),
      via: a.via === 'worker' ? 'worker' : 'gateway',
      quick: a.quick === 'true',
      reprofile: false,
      pairs: true,
      controls: Number(a.controls),
      splitsPerPair: Number(a['splits-per-pair']),
      units: Number(a.units),
      seconds: Number(a.seconds),
      warmupSeconds: Number(a.warmup),
      maxConfigs: Number(a['max-configs']),
      pairChecks: Number(a['pair-checks']),
      say: line => console.log(`  ${line}`),
    });
    console.log(`\n${renderReproduction(report)}`);
    const strategies = Object.fromEntries(
      report.strategies.map(s => [
        s.strategy.replace('-', '_'),
        { servers: s.servers, mean_emu: Number(s.meanEmu.toFixed(4)) },
      ]),
    );
    const p = report.predictor;
    const r4 = (x: number | undefined) => (x === undefined ? null : Number(x.toFixed(4)));
    console.log(`total ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
    console.log(
      JSON.stringify({
        bench: 'reproduction',
        backend,
        node_class: report.nodeClass,
        cores: report.cores,
        models: report.models,
        sla_factor: report.slaFactor,
        profiles_via: report.via,
        pairs_measured: report.pairsMeasured,
        predicted_vs_measured_emu_error: p && p.splits ? { mean: r4(p.emuErrorMean), max: r4(p.emuErrorMax) } : null,
        predicted_vs_measured_qps_error: p && p.splits ? { mean: r4(p.qpsErrorMean), max: r4(p.qpsErrorMax) } : null,
        sla_attainment: r4(report.summary.coLocatedAttainment?.min),
        sla_attainment_mean: r4(report.summary.coLocatedAttainment?.mean),
        sla_attainment_measured_pairs_not_in_plan: r4(report.summary.measuredPairAttainment?.min),
        sla_attainment_all_tenants: r4(report.summary.allAttainment?.min),
        plan_vs_live_emu_error: report.summary.planVsLiveEmuError
          ? { mean: r4(report.summary.planVsLiveEmuError.mean), max: r4(report.summary.planVsLiveEmuError.max) }
          : null,
        emu_gain_vs_dedicated: r4(report.summary.emuGainVsDedicated),
        servers_saved_vs_dedicated: r4(report.summary.serversSavedVsDedicated),
        strategies,
        live: report.live.map(r => ({
          config: r.config,
          why: r.why,
          nodes: r.nodes.map(n => ({
            node: n.nodeId,
            config: n.config,
            plan_emu: r4(n.planEmu),
            live_emu: r4(n.measuredEmu),
            attainment: Object.fromEntries(n.tenants.map(t => [t.model, r4(t.attainment)])),
          })),
        })),
        minutes: Number(((Date.now() - t0) / 60_000).toFixed(1)),
        paper: { emu_gain_vs_dedicated: PAPER.emuGain, servers_saved_vs_dedicated: PAPER.serversSaved },
      }),
    );
  } finally {
    await stop();
    logStream.end();
    if (a.keep !== 'true') rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
