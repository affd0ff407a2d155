// Placement benchmark: Hera's matcher versus the baselines on the shipped 16-core profile set
// with a uniform demand mix (DESIGN §4.4; issue 6). Prints a table for people and ends with one
// JSON line for machines. Our numbers are whatever the stated roofline model gives; the paper's
// are printed beside them, not aimed at.
//
//   npm run bench -- placement
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NODE_CLASS_16C,
  demandFromMix,
  loadMilpSolver,
  parseProfileSet,
  rooflineProfileSet,
  searchPairs,
  simulateCluster,
  solveRequiredServers,
  zooRooflineModels,
  type MilpSolver,
  type ProfileSet,
  type SimulationReport,
} from '@hera/hera';

const PAPER = { emuGain: 1.373, serversSaved: 0.26 };

function loadShipped(name: string): ProfileSet {
  return parseProfileSet(JSON.parse(readFileSync(join(__dirname, '..', '..', 'libs', 'hera', 'profiles', `${name}.json`), 'utf8')));
}

function pad(rows: (string | number)[][]): string {
  const cells = rows.map(r => r.map(String));
  const w = cells[0]!.map((_, i) => Math.max(...cells.map(r => r[i]!.length)));
  return cells.map(r => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

/** Pair search + required servers, as a re-plan does it: median of `runs` after one warm-up. */
function timeSolve(set: ProfileSet, nodes: number, solver: MilpSolver, runs = 5): { medianMs: number; coldMs: number; solvers: string[] } {
  const demand = demandFromMix(set, { mix: 'uniform', dedicatedServers: nodes });
  const once = () => {
    const t0 = performance.now();
    const r = solveRequiredServers(searchPairs(set).candidates, demand, { solver });
    return { ms: performance.now() - t0, solver: r.solver };
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

async function main(): Promise<void> {
  const solver = await loadMilpSolver();
  const set = loadShipped('16c');
  const nodes = 1000;
  const demand = demandFromMix(set, { mix: 'uniform', dedicatedServers: nodes });
  const report = simulateCluster(set, demand, { clusterSize: nodes, solver, seed: 1 });
  const hera = by(report, 'hera');
  const dedicated = by(report, 'dedicated');
  const random = by(report, 'random');
  const firstFit = by(report, 'first-fit');

  console.log(`placement: shipped profile set ${set.nodeClass.name} (${set.nodeClass.description ?? ''})`);
  console.log(`uniform demand mix worth ${nodes} dedicated servers (${report.dedicatedUnits.toFixed(1)} before rounding)\n`);
  console.log(
    pad([
      ['strategy', 'servers', 'saved vs dedicated', 'mean EMU', 'EMU gain vs dedicated', 'solver', 'predicted'],
      ...report.strategies.map(s => [s.strategy, s.servers, pct(s.serversSavedVsDedicated), f3(s.meanEmu), f3(s.meanEmu / dedicated.meanEmu), s.solver, s.predicted ? 'yes' : 'no']),
      ['paper (Hera)', '', pct(PAPER.serversSaved), '', f3(PAPER.emuGain), '', ''],
    ]),
  );
  console.log('\nHera configurations (EMU of pairs predicted from solo profiles):');
  console.log(pad([['config', 'servers', 'EMU'], ...report.heraConfigs.map(c => [c.config, c.count, f3(c.emu)])]));
  const kinds = [...report.plan.search.kinds.entries()].map(([m, k]) => `${m}=${k.kind}`).join(', ');
  console.log(`\nclassification (ε = 0.05): ${kinds}`);

  const t1k = timeSolve(set, 1000, solver);
  const t10k = timeSolve(set, 10_000, solver);
  console.log('\nsolve time (pair search + required servers; median of 5 after a cold run):');
  console.log(
    pad([
      ['nodes', 'median ms', 'cold ms', 'solver'],
      ['1000', t1k.medianMs.toFixed(1), t1k.coldMs.toFixed(1), t1k.solvers.join('/')],
      ['10000', t10k.medianMs.toFixed(1), t10k.coldMs.toFixed(1), t10k.solvers.join('/')],
    ]),
  );

  // What-ifs: NOT the result. They show how the answer moves with the model's assumptions.
  const whatIf = (label: string, s: ProfileSet, penalty?: number, mix: 'uniform' | 'memory-heavy' = 'uniform') => {
    const d = demandFromMix(s, { mix, dedicatedServers: nodes });
    const r = simulateCluster(s, d, { clusterSize: nodes, solver, ...(penalty === undefined ? {} : { pairSearch: { interference: { colocationPenalty: penalty } } }) });
    const h = by(r, 'hera');
    const memoryBound = [...r.plan.search.kinds.values()].filter(k => k.kind === 'memory-bound').length;
    return [label, memoryBound, by(r, 'hera').servers, by(r, 'dedicated').servers, pct(h.serversSavedVsDedicated), f3(h.meanEmu)];
  };
  const faster = rooflineProfileSet(zooRooflineModels(), { ...NODE_CLASS_16C, perCoreFlops: 3 * NODE_CLASS_16C.perCoreFlops });
  console.log('\nwhat-if (sensitivity of the stated model; the result above uses the shipped set as is):');
  console.log(
    pad([
      ['variant', 'memory-bound models', 'hera', 'dedicated', 'saved', 'mean EMU'],
      whatIf('shipped, γ = 0.05 (default)', set),
      whatIf('co-location penalty γ = 0', set, 0),
      whatIf('co-location penalty γ = 0.10', set, 0.1),
      whatIf('memory-heavy mix (3:1)', set, undefined, 'memory-heavy'),
      whatIf('engine 3× faster per core (onnxruntime-like, DESIGN §7)', faster),
    ]),
  );

  const json = {
    bench: 'placement',
    profile_set: set.nodeClass.name,
    mix: 'uniform',
    nodes,
    emu_gain_vs_dedicated: Number((hera.meanEmu / dedicated.meanEmu).toFixed(4)),
    servers_saved_vs_dedicated: Number(hera.serversSavedVsDedicated.toFixed(4)),
    servers: { hera: hera.servers, dedicated: dedicated.servers, random: random.servers, first_fit: firstFit.servers },
    vs_random: { emu_gain: Number((hera.meanEmu / random.meanEmu).toFixed(4)), servers_saved: Number((1 - hera.servers / random.servers).toFixed(4)), random_mean_emu: Number(random.meanEmu.toFixed(4)) },
    vs_firstfit: { emu_gain: Number((hera.meanEmu / firstFit.meanEmu).toFixed(4)), servers_saved: Number((1 - hera.servers / firstFit.servers).toFixed(4)), firstfit_mean_emu: Number(firstFit.meanEmu.toFixed(4)) },
    solve_ms_1000_nodes: Number(t1k.medianMs.toFixed(2)),
    solve_ms_10000_nodes: Number(t10k.medianMs.toFixed(2)),
    solver: hera.solver,
    predicted: hera.predicted,
    paper: { emu_gain_vs_dedicated: PAPER.emuGain, servers_saved_vs_dedicated: PAPER.serversSaved },
  };
  console.log(JSON.stringify(json));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
