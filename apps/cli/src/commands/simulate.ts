import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_TIME_LIMIT_MS,
  DEMAND_MIXES,
  MAX_SIMULATED_NODES,
  demandFromMix,
  loadMilpSolver,
  parseProfileSet,
  simulateCluster,
  unitsToQps,
  type DemandMixName,
  type ProfileSet,
  type SimulationReport,
} from '@hera/hera';
import { table } from '../table';

/** A usage error naming the option; main prints the message and exits 1. */
function invalidArgument(option: string, reason: string): Error {
  return new Error(`${option}: ${reason}`);
}

/** Profile sets shipped in libs/hera/profiles/, by name. */
export const SHIPPED_PROFILE_SETS = ['16c', '2c'] as const;

/** A shipped set's name (`16c`, `2c`) or a path → the JSON file. */
export function resolveProfileSetPath(nameOrPath: string): string {
  if ((SHIPPED_PROFILE_SETS as readonly string[]).includes(nameOrPath)) {
    return join(dirname(require.resolve('@hera/hera/package.json')), 'profiles', `${nameOrPath}.json`);
  }
  return resolve(nameOrPath);
}

/** Reads and validates a profile set (INVALID_ARGUMENT naming the file and the field). */
export function readProfileSet(nameOrPath: string): ProfileSet {
  const file = resolveProfileSetPath(nameOrPath);
  if (!existsSync(file)) {
    throw invalidArgument('--profiles', `${file} does not exist (shipped sets: ${SHIPPED_PROFILE_SETS.join(', ')})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalidArgument('--profiles', `${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return parseProfileSet(json);
  } catch (err) {
    throw invalidArgument('--profiles', `${file}: ${(err as Error).message}`);
  }
}

/** "rmc1=120,ncf=3000" → { rmc1: 120, ncf: 3000 }. */
export function parseDemandList(list: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of list
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(part);
    const v = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(v) || v < 0)
      throw invalidArgument('--demand', `"${part}" is not model=value with a value ≥ 0`);
    out[m[1]!] = v;
  }
  if (!Object.keys(out).length) throw invalidArgument('--demand', 'lists no model');
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderSimulation(r: SimulationReport): string {
  const lines = [
    `node class ${r.nodeClass}, cluster of ${r.clusterSize} nodes; demand worth ${r.dedicatedUnits.toFixed(1)} dedicated servers`,
    '',
    table(
      [
        'strategy',
        'servers',
        'saved vs dedicated',
        'mean EMU',
        'demand/server',
        'fits cluster',
        'solver',
        'solve ms',
        'predicted',
      ],
      r.strategies.map(s => [
        s.strategy,
        s.servers,
        pct(s.serversSavedVsDedicated),
        s.meanEmu.toFixed(3),
        s.demandEmu.toFixed(3),
        s.fitsCluster ? 'yes' : `no (+${s.servers - r.clusterSize})`,
        s.solver,
        s.solveMs.toFixed(1),
        s.predicted ? 'yes' : 'no',
      ]),
    ),
    '',
    'Hera configurations:',
    table(
      ['config', 'servers', 'EMU', 'throughput rests on'],
      r.heraConfigs.map(c => [c.config, c.count, c.emu.toFixed(3), c.basis]),
    ),
    '',
    `Hera solve (pair search + required servers): ${r.heraSolveMs.toFixed(1)} ms; mapped onto ${r.mapping.placed} nodes in ${r.mapping.mapMs.toFixed(1)} ms` +
      (r.mapping.unplaced
        ? `, ${r.mapping.unplaced} configuration(s) found no node`
        : `, ${r.mapping.idle} node(s) idle`),
  ];
  for (const s of r.strategies) if (s.note) lines.push(`${s.strategy}: ${s.note}`);
  for (const s of r.strategies)
    for (const u of s.unmet) lines.push(`${s.strategy}: ${u.model} short by ${u.qps.toFixed(1)} QPS`);
  return `${lines.join('\n')}\n`;
}

interface SimulateOptions {
  profiles: string;
  mix: string;
  demand?: string;
  units: string;
  nodes: number;
  load: number;
  seed: number;
  timeLimit: number;
  penalty?: number;
  epsilon?: number;
  heterogeneousOnly: boolean;
  json: boolean;
}

const intArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidArgument(name, `must be an integer, got ${v}`);
  return n;
};
const numArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalidArgument(name, `must be a number, got ${v}`);
  return n;
};

export function register(program: Command): void {
  program
    .command('simulate')
    .description(
      'cluster simulator: servers needed and mean EMU for Hera versus the dedicated, random and first-fit baselines, ' +
        'on a profile set and a demand mix (no cluster needed)',
    )
    .option(
      '-p, --profiles <set>',
      `profile set: a shipped name (${SHIPPED_PROFILE_SETS.join(', ')}) or a JSON file`,
      '16c',
    )
    .option('-m, --mix <mix>', `demand mix: ${DEMAND_MIXES.join(', ')}`, 'uniform')
    .option('-d, --demand <list>', 'explicit demand instead of a mix, e.g. "rmc1=120,ncf=3000"')
    .option(
      '-u, --units <unit>',
      'unit of --demand values: qps, or servers (dedicated-server units: value × QPSmax)',
      'qps',
    )
    .option(
      '-n, --nodes <n>',
      `cluster size, 1..${MAX_SIMULATED_NODES} nodes of the set's node class`,
      intArg('--nodes'),
      1000,
    )
    .option(
      '--load <f>',
      'with --mix: total demand as a fraction of what one model per node could serve on --nodes',
      numArg('--load'),
      1,
    )
    .option('--seed <n>', 'seed of the random co-location baseline', intArg('--seed'), 1)
    .option('--time-limit <ms>', 'solver time limit', intArg('--time-limit'), DEFAULT_TIME_LIMIT_MS)
    .option('--penalty <γ>', 'co-location penalty of the pair predictor (default 0.05)', numArg('--penalty'))
    .option('--epsilon <ε>', 'memory-bound threshold ε of the classification (default 0.05)', numArg('--epsilon'))
    .option(
      '--heterogeneous-only',
      'pair only a memory-bound with a compute-bound model (by default a same-class pair is used too when it beats two dedicated servers)',
      false,
    )
    .option('--json', 'print the report as JSON', false)
    .addHelpText(
      'after',
      `
Demand: with --mix, the models share --load × --nodes dedicated servers' worth of demand
(uniform: equal shares; memory-heavy / compute-heavy: 3:1 by the profiles' classification), so
at --load 1 the dedicated baseline fills the cluster. With --demand, values are QPS, or
dedicated-server units with --units servers.

Examples:
  hera simulate                                  16c profiles, uniform mix, 1000 nodes
  hera simulate -p 2c -m memory-heavy -n 10000
  hera simulate -d rmc2=40,ncf=25 -u servers -n 100 --json`,
    )
    .action(async (o: SimulateOptions) => {
      const set = readProfileSet(o.profiles);
      if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_SIMULATED_NODES) {
        throw invalidArgument('--nodes', `must be in 1..${MAX_SIMULATED_NODES}, got ${o.nodes}`);
      }
      let demand: Record<string, number>;
      if (o.demand !== undefined) {
        const values = parseDemandList(o.demand);
        if (o.units === 'servers') demand = unitsToQps(set, values);
        else if (o.units === 'qps') demand = values;
        else throw invalidArgument('--units', `must be qps or servers, got ${o.units}`);
      } else {
        if (!(DEMAND_MIXES as readonly string[]).includes(o.mix))
          throw invalidArgument('--mix', `must be one of ${DEMAND_MIXES.join(', ')}, got ${o.mix}`);
        if (!(o.load > 0)) throw invalidArgument('--load', `must be > 0, got ${o.load}`);
        demand = demandFromMix(set, {
          mix: o.mix as DemandMixName,
          dedicatedServers: o.nodes * o.load,
          ...(o.epsilon === undefined ? {} : { epsilon: o.epsilon }),
        });
      }
      const solver = await loadMilpSolver();
      const report = simulateCluster(set, demand, {
        clusterSize: o.nodes,
        solver,
        timeLimitMs: o.timeLimit,
        seed: o.seed,
        pairSearch: {
          heterogeneousOnly: o.heterogeneousOnly,
          ...(o.epsilon === undefined ? {} : { epsilon: o.epsilon }),
          ...(o.penalty === undefined ? {} : { interference: { colocationPenalty: o.penalty } }),
        },
      });
      if (o.json) {
        const { plan: _plan, ...rest } = report;
        process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
      } else {
        process.stdout.write(renderSimulation(report));
      }
    });
}
