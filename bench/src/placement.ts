// Placement benchmark: Hera's matcher versus the baselines (DESIGN §4.4; issues 6 and 15), on
//  - the shipped 16-core profile set (roofline: only rmc2 saturates memory bandwidth), and
//  - a 32-core what-if set with saturating memory-bound models (NODE_CLASS_32C_WHATIF in
//    @hera/hera: the 16c memory system, twice the cores, an engine 3× faster — rmc1 and rmc2
//    saturate at 15 and 12 workers),
// each with three demand mixes. Prints a table per set and mix, the solve times at 1,000 and
// 10,000 nodes, and ends with one JSON line. Our numbers are whatever the stated models give;
// the paper's are printed beside them, not aimed at.
//
// --backend names the engine the models are served on, and so the engine the figures are for:
// tfjs (default) or onnx. Both default sets describe TF.js (roofline constants measured on
// tfjs-wasm), so --backend onnx needs sets measured on ONNX Runtime (`hera profile --all --out
// set.json` on a cluster serving models built with `hera models build --format onnx`), given
// with --sets; it refuses TF.js figures as placement does (checkProfileEngines).
//
//   npm run bench -- placement [--backend tfjs|onnx] [--sets a.json,b.json]
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import {
  DEMAND_MIXES,
  NODE_CLASS_32C_WHATIF,
  checkProfileEngines,
  classifyProfile,
  demandFromMix,
  loadMilpSolver,
  parseProfileSet,
  planCluster,
  rooflineProfileSet,
  simulateCluster,
  zooRooflineModels,
  type DemandMixName,
  type MilpSolver,
  type ProfileSet,
  type SimulationReport,
} from '@hera/hera';
import { args, benchBackend } from './harness';

const PAPER = { emuGain: 1.373, serversSaved: 0.26 };

/** A shipped set by name (libs/hera/profiles), or a `hera.profile-set/v1` file by path. */
function loadSet(entry: string): ProfileSet {
  const path = /^[A-Za-z0-9_-]+$/.test(entry)
    ? join(__dirname, '..', '..', 'libs', 'hera', 'profiles', `${entry}.json`)
    : isAbsolute(entry)
      ? entry
      : resolve(entry);
  return parseProfileSet(JSON.parse(readFileSync(path, 'utf8')));
}

function pad(rows: (string | number)[][]): string {
  const cells = rows.map(r => r.map(String));
  const w = cells[0]!.map((_, i) => Math.max(...cells.map(r => r[i]!.length)));
  return cells.map(r => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

/** Pair search + required servers (what a re-plan costs), median of `runs` after one cold run. */
function timeSolve(
  set: ProfileSet,
  nodes: number,
  solver: MilpSolver,
  runs = 5,
): { medianMs: number; coldMs: number; solvers: string[] } {
  const demand = demandFromMix(set, { mix: 'uniform', dedicatedServers: nodes });
  const once = () => {
    const t0 = performance.now();
    const r = planCluster(set, demand, { solver, baselines: false });
    return { ms: performance.now() - t0, solver: r.hera.solver };
  };
  const cold = once();
  const times: number[] = [];
  const solvers = new Set([cold.solver]);
  for (let i = 0; i < runs; i++) {
    const r = once();
    times.push(r.ms);
    solvers.add(r.solver);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, coldMs: cold.ms, solvers: [...solvers] };
}

const by = (r: SimulationReport, s: string) => r.strategies.find(x => x.strategy === s)!;
const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

interface MixResult {
  mix: DemandMixName;
  report: SimulationReport;
  strict: SimulationReport;
  anySaturates: boolean;
  verdict: { notWorseThanDedicated: boolean; beatsRandom: boolean; beatsFirstFit: boolean };
}

function runMix(set: ProfileSet, mix: DemandMixName, nodes: number, solver: MilpSolver): MixResult {
  const demand = demandFromMix(set, { mix, dedicatedServers: nodes });
  const report = simulateCluster(set, demand, { clusterSize: nodes, solver, seed: 1 });
  const strict = simulateCluster(set, demand, {
    clusterSize: nodes,
    solver,
    seed: 1,
    baselines: false,
    pairSearch: { heterogeneousOnly: true },
  });
  const hera = by(report, 'hera').servers;
  const anySaturates = set.models.some(m => classifyProfile(m).kind === 'memory-bound');
  return {
    mix,
    report,
    strict,
    anySaturates,
    verdict: {
      notWorseThanDedicated: hera <= by(report, 'dedicated').servers,
      beatsRandom: hera < by(report, 'random').servers,
      beatsFirstFit: hera < by(report, 'first-fit').servers,
    },
  };
}

function printMix(set: ProfileSet, r: MixResult): void {
  const { report } = r;
  const dedicated = by(report, 'dedicated');
  console.log(
    `\n${set.nodeClass.name}, ${r.mix} mix worth ${report.clusterSize} dedicated servers (${report.dedicatedUnits.toFixed(1)} before rounding)`,
  );
  const strictHera = by(r.strict, 'hera');
  console.log(
    pad([
      [
        'strategy',
        'servers',
        'saved vs dedicated',
        'mean EMU',
        'EMU gain vs dedicated',
        'solve ms',
        'solver',
        'predicted',
      ],
      ...report.strategies.map(s => [
        s.strategy,
        s.servers,
        pct(s.serversSavedVsDedicated),
        f3(s.meanEmu),
        f3(s.meanEmu / dedicated.meanEmu),
        s.solveMs.toFixed(1),
        s.solver,
        s.predicted ? 'yes' : 'no',
      ]),
      [
        'hera --heterogeneous-only',
        strictHera.servers,
        pct(1 - strictHera.servers / dedicated.servers),
        f3(strictHera.meanEmu),
        f3(strictHera.meanEmu / dedicated.meanEmu),
        strictHera.solveMs.toFixed(1),
        strictHera.solver,
        strictHera.predicted ? 'yes' : 'no',
      ],
      ['paper (Hera)', '', pct(PAPER.serversSaved), '', f3(PAPER.emuGain), '', '', ''],
    ]),
  );
  console.log(
    `Hera's configurations: ${report.heraConfigs.map(c => `${c.config} ×${c.count} (EMU ${f3(c.emu)})`).join(', ')}`,
  );
  const v = r.verdict;
  console.log(
    `verdict: Hera ${v.notWorseThanDedicated ? '≤' : '>'} dedicated; ` +
      (r.anySaturates
        ? `${v.beatsRandom ? 'fewer' : 'NOT fewer'} servers than random, ${v.beatsFirstFit ? 'fewer' : 'NOT fewer'} than first-fit`
        : 'no model saturates on this set, so no gain over the baselines is required'),
  );
}

async function main(): Promise<void> {
  const o = args(
    { backend: 'tfjs', sets: '' },
    {
      backend: 'the engine the models are served on: tfjs or onnx; every set must describe it',
      sets: 'profile sets, comma-separated shipped names or paths; default: the shipped 16c set and the 32c what-if',
    },
  );
  const backend = benchBackend(o.backend);
  const sets: ProfileSet[] = o.sets
    ? o.sets
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
        .map(loadSet)
    : [
        loadSet('16c'),
        rooflineProfileSet(zooRooflineModels(), NODE_CLASS_32C_WHATIF, {
          generatedBy: 'bench placement: NODE_CLASS_32C_WHATIF',
        }),
      ];
  for (const set of sets) {
    try {
      // As placement does: every model is served on `backend`, and planned only from its figures.
      checkProfileEngines(
        set,
        set.models.map(m => ({ name: m.model, engine: backend })),
      );
    } catch (err) {
      console.error(`--backend ${backend}: ${(err as Error).message}`);
      process.exit(1);
    }
  }
  console.log(
    `backend: ${backend} — the figures below are for models served on ${backend === 'onnx' ? 'ONNX Runtime' : 'TF.js'} (sets: ${sets.map(s => s.nodeClass.name).join(', ')})`,
  );
  const solver = await loadMilpSolver();
  const nodes = 1000;
  const out: Record<string, unknown> = {};
  const allVerdicts: boolean[] = [];
  for (const set of sets) {
    const kinds = set.models
      .map(
        m =>
          `${m.model}=${classifyProfile(m).kind === 'memory-bound' ? `memory-bound (knee ${m.knee})` : 'compute-bound'}`,
      )
      .join(', ');
    console.log(`\n=== ${set.nodeClass.name}: ${set.nodeClass.description ?? ''}\nclassification (ε = 0.05): ${kinds}`);
    const mixes = DEMAND_MIXES.map(mix => runMix(set, mix, nodes, solver));
    for (const r of mixes) printMix(set, r);
    const t1k = timeSolve(set, 1_000, solver);
    const t10k = timeSolve(set, 10_000, solver);
    console.log(`\nsolve time, uniform mix (pair search + required servers; median of 5 after a cold run):`);
    console.log(
      pad([
        ['nodes', 'median ms', 'cold ms', 'solver'],
        ['1000', t1k.medianMs.toFixed(1), t1k.coldMs.toFixed(1), t1k.solvers.join('/')],
        ['10000', t10k.medianMs.toFixed(1), t10k.coldMs.toFixed(1), t10k.solvers.join('/')],
      ]),
    );
    for (const r of mixes) {
      allVerdicts.push(r.verdict.notWorseThanDedicated);
      if (r.anySaturates) allVerdicts.push(r.verdict.beatsRandom, r.verdict.beatsFirstFit);
    }
    out[set.nodeClass.name] = {
      mixes: Object.fromEntries(
        mixes.map(r => {
          const s = (name: string) => by(r.report, name);
          return [
            r.mix,
            {
              servers: {
                hera: s('hera').servers,
                hera_heterogeneous_only: by(r.strict, 'hera').servers,
                dedicated: s('dedicated').servers,
                random: s('random').servers,
                first_fit: s('first-fit').servers,
              },
              mean_emu: {
                hera: Number(s('hera').meanEmu.toFixed(4)),
                dedicated: Number(s('dedicated').meanEmu.toFixed(4)),
                random: Number(s('random').meanEmu.toFixed(4)),
                first_fit: Number(s('first-fit').meanEmu.toFixed(4)),
              },
              emu_gain_vs_dedicated: Number((s('hera').meanEmu / s('dedicated').meanEmu).toFixed(4)),
              servers_saved_vs_dedicated: Number(s('hera').serversSavedVsDedicated.toFixed(4)),
              solver: s('hera').solver,
              any_saturates: r.anySaturates,
              verdict: r.verdict,
            },
          ];
        }),
      ),
      solve_ms_1000_nodes: Number(t1k.medianMs.toFixed(2)),
      solve_ms_10000_nodes: Number(t10k.medianMs.toFixed(2)),
      solvers: [...new Set([...t1k.solvers, ...t10k.solvers])],
    };
  }

  // What-ifs on the first set (the shipped 16c one by default): NOT the result; how the answer
  // moves with the predictor's assumption.
  const set16 = sets[0]!;
  const whatIf = (label: string, penalty: number) => {
    const d = demandFromMix(set16, { mix: 'uniform', dedicatedServers: nodes });
    const r = simulateCluster(set16, d, {
      clusterSize: nodes,
      solver,
      pairSearch: { interference: { colocationPenalty: penalty } },
    });
    return [
      label,
      by(r, 'hera').servers,
      by(r, 'dedicated').servers,
      pct(by(r, 'hera').serversSavedVsDedicated),
      f3(by(r, 'hera').meanEmu),
    ];
  };
  console.log(
    `\nwhat-if on ${set16.nodeClass.name} (sensitivity to the predictor's co-location penalty γ; the result above uses γ = 0.05):`,
  );
  console.log(
    pad([['variant', 'hera', 'dedicated', 'saved', 'mean EMU'], whatIf('γ = 0', 0), whatIf('γ = 0.10', 0.1)]),
  );
  const allMet = allVerdicts.every(Boolean);
  console.log(
    `\ntargets: Hera never needs more servers than dedicated, and fewer than random and first-fit wherever a model saturates: ${allMet ? 'met' : 'NOT met'}`,
  );

  const u16 = (
    out[set16.nodeClass.name] as {
      mixes: Record<
        string,
        { emu_gain_vs_dedicated: number; servers_saved_vs_dedicated: number; servers: Record<string, number> }
      >;
    }
  ).mixes['uniform']!;
  console.log(
    JSON.stringify({
      bench: 'placement',
      backend,
      nodes,
      emu_gain_vs_dedicated: u16.emu_gain_vs_dedicated,
      servers_saved_vs_dedicated: u16.servers_saved_vs_dedicated,
      servers: u16.servers,
      sets: out,
      targets_met: allMet,
      paper: { emu_gain_vs_dedicated: PAPER.emuGain, servers_saved_vs_dedicated: PAPER.serversSaved },
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
