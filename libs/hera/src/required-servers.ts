import { HeraError, invalidArgument } from '@hera/errors';
import type { MilpSolver } from './milp-solver';
import type { ServerConfig } from './server-config';

/** Target QPS per model. Models absent or at 0 need no capacity. */
export type Demand = Readonly<Record<string, number>>;

/** How a server count was obtained. */
export type SolverKind = 'milp' | 'milp-timeout' | 'greedy';

/** A number of servers running one configuration. */
export interface ConfigCount {
  config: ServerConfig;
  count: number;
}

/** A demanded model no configuration can serve, and why. */
export interface InfeasibleDemand {
  model: string;
  qps: number;
  reason: string;
}

/**
 * Thrown (code PRECONDITION) when some demand cannot be met by any server configuration.
 * `infeasible` lists each model and the reason; the planner never loops on such demand.
 */
export class InfeasibleDemandError extends HeraError {
  constructor(readonly infeasible: readonly InfeasibleDemand[]) {
    super('PRECONDITION', `demand cannot be met: ${infeasible.map(i => `${i.model} (${i.qps} QPS): ${i.reason}`).join('; ')}`);
  }
}

/** Output of {@link solveRequiredServers}. */
export interface RequiredServers {
  /** Configurations with a count > 0, most used first. */
  counts: ConfigCount[];
  /** Σ counts: servers needed. */
  servers: number;
  solver: SolverKind;
  /** Wall time of the solve (MILP and any fallback), milliseconds. */
  solveMs: number;
  /** Capacity the counts provide per demanded model (Σ_p x_p · q_{p,m}). */
  capacity: Record<string, number>;
  /** ⌈LP relaxation⌉: no solution can use fewer servers (when the LP was solved). */
  lowerBound?: number;
  /** Why the MILP was not used or did not finish, when it was not `milp`. */
  note?: string;
}

export interface RequiredServersOptions {
  /** HiGHS (from loadMilpSolver). Without one, the greedy cover is used. */
  solver?: MilpSolver;
  /** Time limit of the whole solve (LP, rounding and branch-and-bound). Default 800 ms. */
  timeLimitMs?: number;
  /**
   * Reasons for models known to be unplaceable (from the pair search), so infeasible demand
   * for them says why rather than "no configuration serves it".
   */
  unplaceable?: readonly { model: string; reason: string }[];
}

/**
 * Most demand one model may have, in dedicated-server units (D_m / QPSmax_m): a million
 * servers. Far beyond any cluster; it bounds what a plan can be asked to count.
 */
export const MAX_DEMAND_SERVERS = 1_000_000;

/** Most QPS one model may be asked for before its profile is known (validated again with it). */
export const MAX_DEMAND_QPS = 1e12;

/**
 * Checks a demand map: every value finite, ≥ 0 and ≤ {@link MAX_DEMAND_QPS}; with `qpsMaxOf`
 * (the model's QPSmax on the node class), also at most {@link MAX_DEMAND_SERVERS} dedicated
 * servers' worth. Throws INVALID_ARGUMENT naming the model and the bound.
 */
export function validateDemand(demand: Demand, qpsMaxOf?: (model: string) => number | undefined): void {
  for (const [model, qps] of Object.entries(demand)) {
    if (!Number.isFinite(qps) || qps < 0) throw invalidArgument(`demand.${model}`, `must be a finite QPS ≥ 0, got ${qps}`);
    if (qps > MAX_DEMAND_QPS) throw invalidArgument(`demand.${model}`, `${qps} QPS is over the limit of ${MAX_DEMAND_QPS} QPS per model`);
    const max = qps > 0 ? qpsMaxOf?.(model) : undefined;
    if (max !== undefined && max > 0 && qps / max > MAX_DEMAND_SERVERS) {
      throw invalidArgument(
        `demand.${model}`,
        `${qps} QPS is ${(qps / max).toPrecision(3)} dedicated servers' worth (QPSmax ${max.toPrecision(4)} on this node class); at most ${MAX_DEMAND_SERVERS} per model`,
      );
    }
  }
}

/** Demanded models that no configuration serves (q_{p,m} = 0 for every p), with the reason. */
export function findInfeasibleDemand(
  configs: readonly ServerConfig[],
  demand: Demand,
  unplaceable: readonly { model: string; reason: string }[] = [],
): InfeasibleDemand[] {
  const out: InfeasibleDemand[] = [];
  for (const [model, qps] of Object.entries(demand)) {
    if (!(qps > 0)) continue;
    if (configs.some(c => c.tenants.some(t => t.model === model && t.qps > 0))) continue;
    const u = unplaceable.find(x => x.model === model);
    out.push({ model, qps, reason: u ? u.reason : 'no profile on this node class (profile the model first)' });
  }
  return out;
}

/**
 * Default solve budget: 800 ms, so that with the pair search a plan for 1,000 nodes stays under
 * one second even when branch-and-bound runs to its limit.
 */
export const DEFAULT_TIME_LIMIT_MS = 800;

/** Relative slack when checking Σ x·q ≥ D in floating point. */
const COVER_TOLERANCE = 1e-9;

function capacityOf(configs: readonly ServerConfig[], x: readonly number[], models: readonly string[]): Record<string, number> {
  const cap: Record<string, number> = {};
  for (const m of models) cap[m] = 0;
  configs.forEach((c, i) => {
    if (!x[i]) return;
    for (const t of c.tenants) if (t.model in cap) cap[t.model]! += x[i]! * t.qps;
  });
  return cap;
}

function covers(cap: Record<string, number>, demand: Demand): boolean {
  return Object.entries(demand).every(([m, d]) => !(d > 0) || cap[m]! >= d * (1 - COVER_TOLERANCE));
}

/**
 * Greedy set multicover, the fallback when HiGHS is absent, fails or times out without a
 * solution: repeatedly add the configuration that covers the most remaining demand (in
 * dedicated-server units, Σ_m min(q_{p,m}, R_m) / QPSmax_m), several copies at a time while
 * each copy stays fully useful; then drop servers that turned out redundant. Not optimal; it
 * terminates because every step covers a positive amount of open demand. `start` seeds counts
 * (used to top up a rounded MILP solution).
 */
export function greedyCover(configs: readonly ServerConfig[], demand: Demand, start: readonly number[] = []): number[] {
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  const x = configs.map((_, i) => start[i] ?? 0);
  const cap = capacityOf(configs, x, models);
  const remaining = new Map(models.map(m => [m, demand[m]! - cap[m]!] as const));
  const unit = (c: ServerConfig, m: string) => c.tenants.find(t => t.model === m);
  for (let guard = 0; ; guard++) {
    if (guard > 100_000) throw new HeraError('INTERNAL', 'greedy cover did not converge');
    const open = models.filter(m => remaining.get(m)! > demand[m]! * COVER_TOLERANCE);
    if (!open.length) break;
    let bestI = -1;
    let bestGain = 0;
    configs.forEach((c, i) => {
      let gain = 0;
      for (const t of c.tenants) {
        const r = remaining.get(t.model);
        if (r !== undefined && r > 0) gain += Math.min(t.qps, r) / t.qpsMax;
      }
      if (gain > bestGain || (gain > 0 && gain === bestGain && c.emu > configs[bestI]!.emu)) {
        bestGain = gain;
        bestI = i;
      }
    });
    if (bestI < 0) throw new HeraError('PRECONDITION', `no configuration serves ${open.join(', ')}`);
    const c = configs[bestI]!;
    let copies = Infinity;
    for (const m of open) {
      const t = unit(c, m);
      if (t && t.qps > 0) copies = Math.min(copies, Math.floor(remaining.get(m)! / t.qps));
    }
    copies = Math.max(1, Number.isFinite(copies) ? copies : 1);
    x[bestI]! += copies;
    for (const t of c.tenants) if (remaining.has(t.model)) remaining.set(t.model, remaining.get(t.model)! - copies * t.qps);
  }
  return pruneRedundant(configs, x, demand, models);
}

/** Removes servers (lowest EMU first) whose removal keeps every demand covered. */
function pruneRedundant(configs: readonly ServerConfig[], x: number[], demand: Demand, models: readonly string[]): number[] {
  const order = configs.map((c, i) => i).sort((i, j) => configs[i]!.emu - configs[j]!.emu);
  const cap = capacityOf(configs, x, models);
  for (const i of order) {
    const c = configs[i]!;
    while (x[i]! > 0) {
      const ok = c.tenants.every(t => !(t.model in cap) || !(demand[t.model]! > 0) || cap[t.model]! - t.qps >= demand[t.model]! * (1 - COVER_TOLERANCE));
      if (!ok) break;
      x[i]! -= 1;
      for (const t of c.tenants) if (t.model in cap) cap[t.model]! -= t.qps;
    }
  }
  return x;
}

/**
 * CPLEX-LP text of min Σ x_p s.t. Σ_p (q_{p,m} / D_m) x_p ≥ 1, x_p ∈ ℕ (rows scaled by the demand
 * for numerics). With `relax`, the integrality section is left out: the LP relaxation.
 */
export function coverLp(configs: readonly ServerConfig[], demand: Demand, options: { relax?: boolean } = {}): string {
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  const lines = ['Minimize', ` obj: ${configs.map((_, i) => `x${i}`).join(' + ') || '0'}`, 'Subject To'];
  models.forEach((m, r) => {
    const terms = configs.flatMap((c, i) => {
      const q = c.tenants.find(t => t.model === m)?.qps ?? 0;
      return q > 0 ? [`${(q / demand[m]!).toExponential(15)} x${i}`] : [];
    });
    lines.push(` c${r}: ${terms.join(' + ')} >= 1`);
  });
  lines.push('Bounds', ...configs.map((_, i) => ` x${i} >= 0`));
  if (!options.relax) lines.push('General', ` ${configs.map((_, i) => `x${i}`).join(' ')}`);
  lines.push('End');
  return lines.join('\n');
}

/** Most fractional LP values whose floor/ceil combinations are tried exhaustively (2^12 = 4096). */
const MAX_ROUNDING_ENUMERATION = 12;

/**
 * Best integer cover near an LP optimum x*: every combination of floor/ceil for its fractional
 * values (when there are few), each topped up greedily if short and pruned; else ceil-all, pruned.
 */
function roundLp(configs: readonly ServerConfig[], demand: Demand, lp: readonly number[]): number[] {
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  const floor = lp.map(v => Math.floor(v + 1e-9));
  const fractional = lp.map((v, i) => i).filter(i => lp[i]! - floor[i]! > 1e-9);
  let best: number[] | undefined;
  const consider = (x: number[]) => {
    const cover = covers(capacityOf(configs, x, models), demand) ? pruneRedundant(configs, x, demand, models) : greedyCover(configs, demand, x);
    if (!best || sum(cover) < sum(best)) best = cover;
  };
  if (fractional.length <= MAX_ROUNDING_ENUMERATION) {
    for (let mask = 0; mask < 1 << fractional.length; mask++) {
      const x = [...floor];
      fractional.forEach((i, b) => {
        if (mask & (1 << b)) x[i]! += 1;
      });
      consider(x);
    }
  } else {
    consider(lp.map(v => Math.ceil(v - 1e-9)));
  }
  return improveLocally(configs, demand, best!, Math.ceil(sum(lp) - 1e-6));
}

/**
 * Local search on an integer cover: take 1–3 servers of one configuration away, refill greedily
 * and prune; keep any change that saves a server; stop at the LP bound or when nothing helps.
 * Rounding leaves the ⌈·⌉ of each model's cover loose; this trades those slivers between
 * configurations, which is where the last server usually hides.
 */
function improveLocally(configs: readonly ServerConfig[], demand: Demand, start: number[], bound: number): number[] {
  let x = start;
  for (let round = 0; round < 50 && sum(x) > bound; round++) {
    let improved = false;
    for (let i = 0; i < configs.length && !improved; i++) {
      for (let k = 1; k <= 3 && k <= x[i]! && !improved; k++) {
        const y = [...x];
        y[i]! -= k;
        const z = greedyCover(configs, demand, y);
        if (sum(z) < sum(x)) {
          x = z;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return x;
}

/**
 * Required servers (DESIGN §4.4.3): minimise Σ_p x_p subject to Σ_p x_p · q_{p,m} ≥ D_m for
 * every model, x_p ∈ ℕ, over the candidate configurations (dedicated and accepted pairs).
 *
 * With a MILP solver: first the LP relaxation, whose optimum L bounds every integer solution
 * from below; the best rounding of it is kept, and when it uses ⌈L⌉ servers it is optimal — the
 * bound proves it, no branching needed (`milp`). Otherwise HiGHS's branch-and-bound runs under
 * the time limit: `milp` when it proves optimality, `milp-timeout` when it stops early (the
 * better of its incumbent and the rounding is used). Without a solver, or when it fails, the
 * greedy cover (`greedy`). Whatever the route, the answer is never worse than one model per
 * server. Throws {@link InfeasibleDemandError} when a demanded model has no configuration —
 * checked up front, so nothing ever loops on such demand.
 */
export function solveRequiredServers(
  configs: readonly ServerConfig[],
  demand: Demand,
  options: RequiredServersOptions = {},
): RequiredServers {
  validateDemand(demand, m => configs.find(c => c.kind === 'dedicated' && c.tenants[0]!.model === m)?.tenants[0]!.qpsMax);
  const infeasible = findInfeasibleDemand(configs, demand, options.unplaceable);
  if (infeasible.length) throw new InfeasibleDemandError(infeasible);
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  if (!(timeLimitMs > 0)) throw invalidArgument('timeLimitMs', `must be > 0, got ${timeLimitMs}`);
  const t0 = performance.now();
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  // Only configurations that serve some demanded model can be in an optimal solution.
  const useful = configs.filter(c => c.tenants.some(t => t.qps > 0 && demand[t.model]! > 0));
  let x: number[] | undefined;
  let solver: SolverKind = 'greedy';
  let note: string | undefined;
  let lowerBound: number | undefined;
  const integral = (values: Record<string, number>) => useful.map((_, i) => Math.max(0, Math.round(values[`x${i}`] ?? 0)));
  if (models.length === 0) {
    x = useful.map(() => 0);
    solver = 'milp';
    note = 'no demand';
  } else if (options.solver) {
    const name = options.solver.name;
    const relaxed = options.solver.solveLp(coverLp(useful, demand, { relax: true }), timeLimitMs);
    let rounded: number[] | undefined;
    if (relaxed.status === 'optimal' && relaxed.values) {
      const values = relaxed.values;
      const lp = useful.map((_, i) => Math.max(0, values[`x${i}`] ?? 0));
      // Integer objective: ⌈LP⌉ is a lower bound (tolerance for the LP's own rounding).
      lowerBound = Math.ceil(sum(lp) - 1e-6);
      rounded = roundLp(useful, demand, lp);
    }
    if (rounded && sum(rounded) <= lowerBound!) {
      x = rounded;
      solver = 'milp';
      note = `optimal: a rounding of the LP relaxation meets the LP bound ${lowerBound}`;
    } else {
      const left = Math.max(1, timeLimitMs - (performance.now() - t0));
      const out = options.solver.solveLp(coverLp(useful, demand), left);
      if (out.values && (out.status === 'optimal' || out.status === 'time-limit')) {
        const candidate = integral(out.values);
        // Rounding of the scaled rows can leave a hair of demand uncovered: top up greedily.
        x = covers(capacityOf(useful, candidate, models), demand) ? candidate : greedyCover(useful, demand, candidate);
        solver = out.status === 'optimal' ? 'milp' : 'milp-timeout';
        if (out.status === 'time-limit') note = `${name} stopped at the ${timeLimitMs} ms time limit; best solution found used`;
        if (rounded && sum(rounded) < sum(x)) x = rounded;
      } else if (rounded) {
        x = rounded;
        solver = 'milp-timeout';
        note = `${name}: ${out.status} (${out.message}); rounded LP relaxation used`;
      } else {
        note = `${name}: ${out.status} (${out.message}); greedy cover used`;
      }
    }
  } else {
    note = 'no MILP solver given; greedy cover used';
  }
  x ??= greedyCover(useful, demand);
  // One model per server at its knee is always feasible: never answer with more than that.
  const dedicated = dedicatedCover(useful, demand);
  if (dedicated && sum(dedicated) < sum(x)) {
    x = dedicated;
    note = `${note ? `${note}; ` : ''}the dedicated cover needed fewer servers and was used`;
  }
  const counts = useful
    .map((config, i) => ({ config, count: x[i]! }))
    .filter(c => c.count > 0)
    .sort((p, q) => q.count - p.count || (p.config.id < q.config.id ? -1 : 1));
  return {
    counts,
    servers: sum(x),
    solver,
    solveMs: performance.now() - t0,
    capacity: capacityOf(useful, x, models),
    ...(lowerBound === undefined ? {} : { lowerBound }),
    ...(note === undefined ? {} : { note }),
  };
}

/** x for one model per server: ⌈D_m / q_m⌉ copies of each model's dedicated configuration. */
function dedicatedCover(configs: readonly ServerConfig[], demand: Demand): number[] | undefined {
  const x = configs.map(() => 0);
  for (const [m, d] of Object.entries(demand)) {
    if (!(d > 0)) continue;
    const i = configs.findIndex(c => c.kind === 'dedicated' && c.tenants[0]!.model === m);
    if (i < 0) return undefined;
    x[i] = Math.ceil((d * (1 - COVER_TOLERANCE)) / configs[i]!.tenants[0]!.qps);
  }
  return x;
}

const sum = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0);

/** Mean EMU over the servers of a solution: Σ count · EMU_p / Σ count (0 for no servers). */
export function meanEmu(counts: readonly ConfigCount[]): number {
  const n = counts.reduce((s, c) => s + c.count, 0);
  return n ? counts.reduce((s, c) => s + c.count * c.config.emu, 0) / n : 0;
}
