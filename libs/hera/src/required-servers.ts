import { HeraError, invalidArgument } from '@hera/errors';
import type { MilpLimits, MilpOutcome, MilpSolver } from './milp-solver';
import type { ServerConfig } from './server-config';

/** Target QPS per model. Models absent or at 0 need no capacity. */
export type Demand = Readonly<Record<string, number>>;

/**
 * How a server count was obtained:
 * - `milp`: proved optimal — an answer meets the lower bound of the LP relaxation, the
 *   exhaustive search found no cover with one server fewer, or HiGHS's branch-and-bound finished;
 * - `milp-timeout`: the MILP route ran but did not prove optimality, because a phase was cut by
 *   the time limit, or the proving phases stopped at their deterministic node and step limits, or
 *   HiGHS failed after the LP relaxation was solved — the note says which; the best answer of the
 *   phases that completed is used;
 * - `greedy`: no MILP solver was given, or the LP relaxation could not be solved (the note says
 *   why): the greedy or dedicated cover is used.
 */
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
    super(
      'PRECONDITION',
      `demand cannot be met: ${infeasible.map(i => `${i.model} (${i.qps} QPS): ${i.reason}`).join('; ')}`,
    );
  }
}

/** The phases of a solve with a MILP solver, in the order they run. */
export type SolvePhaseName = 'lp' | 'rounding' | 'neighbourhood' | 'branch-and-bound' | 'exhaustive' | 'highs-search';

/** Where the answer came from: a phase, one of the two covers every solve computes, or nothing to do. */
export type AnswerSource = Exclude<SolvePhaseName, 'lp'> | 'greedy' | 'dedicated' | 'none';

/**
 * What one phase of a solve did:
 * - `completed`: ran all of its (deterministic) work;
 * - `cut`: stopped by the time limit before finishing — its result was discarded as a whole;
 * - `skipped`: not started because the time limit had already passed;
 * - `not-needed`: not started because an earlier answer met the lower bound (proved optimal);
 * - `not-applicable`: the phase needs what this input lacks (the cover searches need a
 *   single-model configuration for every demanded model);
 * - `failed`: the solver reported an error (or an LP it could not finish within its iteration
 *   limit); nothing of it is used.
 */
export interface SolvePhaseReport {
  phase: SolvePhaseName;
  outcome: 'completed' | 'cut' | 'skipped' | 'not-needed' | 'not-applicable' | 'failed';
  /** Servers of the phase's answer (none for `lp`, which only bounds). */
  servers?: number;
  /** How it ended, for people: "proved optimal", "node limit (1500 nodes)", the solver's error. */
  detail?: string;
  /** Wall time spent in the phase (by the solve's clock), ms. Not part of the answer. */
  ms: number;
}

/** Output of {@link solveRequiredServers}. */
export interface RequiredServers {
  /** Configurations with a count > 0, most used first. */
  counts: ConfigCount[];
  /** Σ counts: servers needed. */
  servers: number;
  solver: SolverKind;
  /** Which phase (or fallback cover) produced the answer. */
  phase: AnswerSource;
  /** Every phase of the MILP route in order, with its outcome (empty without a solver). */
  phases: SolvePhaseReport[];
  /** Wall time of the solve (by the solve's clock), milliseconds. */
  solveMs: number;
  /** Capacity the counts provide per demanded model (Σ_p x_p · q_{p,m}). */
  capacity: Record<string, number>;
  /**
   * No solution can use fewer servers: ⌈LP relaxation⌉, from the LP's dual solution checked
   * against the exact coefficients (when the LP was solved), or branch-and-bound's own bound
   * when that is higher.
   */
  lowerBound?: number;
  /** How optimality was proved, or why it was not (which phase was cut, which limit stopped it). */
  note?: string;
}

export interface RequiredServersOptions {
  /** HiGHS (from loadMilpSolver). Without one, the greedy cover is used. */
  solver?: MilpSolver;
  /**
   * Hard time limit of the whole solve, ms (default {@link DEFAULT_TIME_LIMIT_MS}): a safety
   * stop, not the means of bounding the work — see {@link solveRequiredServers}.
   */
  timeLimitMs?: number;
  /**
   * Clock for the time limit, in ms (default `performance.now`). Injectable so tests can run
   * the solve as on a slower machine, or make time run out at a chosen point.
   */
  now?: () => number;
  /**
   * Reading of `now` at which the time limit started counting (default: on entry). The
   * planner passes the time before its pair search, so that search and solve share one limit.
   */
  startedAt?: number;
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
    if (!Number.isFinite(qps) || qps < 0)
      throw invalidArgument(`demand.${model}`, `must be a finite QPS ≥ 0, got ${qps}`);
    if (qps > MAX_DEMAND_QPS)
      throw invalidArgument(`demand.${model}`, `${qps} QPS is over the limit of ${MAX_DEMAND_QPS} QPS per model`);
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
 * Default time limit: 800 ms, so that with the pair search a plan for 1,000 nodes stays under
 * one second even on a machine several times slower than the one the work limits were sized on.
 */
export const DEFAULT_TIME_LIMIT_MS = 800;

/**
 * The deterministic work limits of a solve's phases (see {@link solveRequiredServers}). Sized
 * on the 2-vCPU development VM (one core, warm JIT, after `loadMilpSolver`'s warm-up) with the
 * 32-core, 8-model zoo set at 1,000 and 10,000 nodes — every demand mix, γ 0 / 0.1 / default,
 * with and without `heterogeneousOnly` — so that each phase finishes within about a quarter of
 * {@link DEFAULT_TIME_LIMIT_MS} there: at most 4 ms (lp), 5 (rounding), 72 (neighbourhood),
 * 59 (branch-and-bound), 74 (exhaustive) and 189 ms (highs-search) were measured, and at most
 * 362 ms for a whole plan (pair search included). So a solve does all of its work, and gives
 * the same answer, on a machine twice as slow.
 */
export const SOLVE_WORK_LIMITS = {
  /** Simplex iterations of the LP relaxation (it needs tens for 8 models). */
  lpIterations: 10_000,
  /** Search steps of the rounding's exchange local search (each O(models)). */
  exchangeSteps: 50_000,
  /**
   * The neighbourhood searches, tried in turn until one meets the lower bound: each restricted
   * to x_p ≥ ⌊x*_p⌋ − radius around the LP optimum x*, taking the rows in the given order.
   */
  neighbourhoods: [
    { radius: 3, order: 'fewest-free' },
    { radius: 10, order: 'fewest-free' },
    { radius: 10, order: 'fewest-columns' },
    { radius: 20, order: 'fewest-free' },
    { radius: 20, order: 'fewest-columns' },
  ] as readonly { radius: number; order: RowOrder }[],
  /** Search steps of each neighbourhood search (a step is ~13 ns on the development VM). */
  neighbourhoodSteps: 1_500_000,
  /** Search steps of the exhaustive search of the whole problem. */
  exhaustiveSteps: 6_000_000,
  /** Branch-and-bound nodes of HiGHS on the full MILP (started from the best answer, HiGHS heuristics off). */
  branchAndBoundNodes: 150,
  /** Branch-and-bound nodes of HiGHS's own search (rows scaled by demand, no start, its heuristics on). */
  highsSearchNodes: 600,
} as const;

/** Relative slack when checking Σ x·q ≥ D in floating point. */
const COVER_TOLERANCE = 1e-9;

function capacityOf(
  configs: readonly ServerConfig[],
  x: readonly number[],
  models: readonly string[],
): Record<string, number> {
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
 * Greedy set multicover, the fallback when HiGHS is absent, fails or runs out of time: repeatedly
 * add the configuration that covers the most remaining demand (in dedicated-server units,
 * Σ_m min(q_{p,m}, R_m) / QPSmax_m), as many copies at a time as stay fully useful; then drop
 * servers that turned out redundant. Not optimal; it terminates because every step covers a
 * positive amount of open demand, and its work does not grow with the number of servers (copies
 * are added and removed in counts, never one by one). `start` seeds counts (used to top up a
 * rounded LP solution).
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
    for (const t of c.tenants)
      if (remaining.has(t.model)) remaining.set(t.model, remaining.get(t.model)! - copies * t.qps);
  }
  return pruneRedundant(configs, x, demand, models);
}

/**
 * Removes servers (lowest EMU first) whose removal keeps every demand covered: for each
 * configuration, as many copies at once as every one of its tenants' models can spare.
 */
function pruneRedundant(
  configs: readonly ServerConfig[],
  x: number[],
  demand: Demand,
  models: readonly string[],
): number[] {
  const order = configs.map((c, i) => i).sort((i, j) => configs[i]!.emu - configs[j]!.emu || i - j);
  const cap = capacityOf(configs, x, models);
  const spare = (t: ServerConfig['tenants'][number]) => cap[t.model]! - demand[t.model]! * (1 - COVER_TOLERANCE);
  for (const i of order) {
    const c = configs[i]!;
    let k = x[i]!;
    for (const t of c.tenants) {
      if (!(t.model in cap) || !(t.qps > 0)) continue;
      k = Math.min(k, Math.floor(spare(t) / t.qps));
    }
    // Floating point can leave the quotient a hair high: give copies back until covered.
    while (k > 0 && c.tenants.some(t => t.model in cap && spare(t) - k * t.qps < 0)) k--;
    if (k <= 0) continue;
    x[i]! -= k;
    for (const t of c.tenants) if (t.model in cap) cap[t.model]! -= k * t.qps;
  }
  return x;
}

/**
 * One row of the cover LP per demanded model m, scaled so that every coefficient lies in (0, 1]
 * and every right-hand side in [1, ~MAX_DEMAND_SERVERS] whatever the demand (1e-6 QPS or a
 * million servers' worth): with S_m = min(D_m, max_p q_{p,m}), the row is
 * Σ_p min(q_{p,m} / S_m, b_m) · x_p ≥ b_m, b_m = D_m / S_m. Capping a coefficient at b_m is
 * exact for integer x (one such server alone covers the row) and tightens the relaxation.
 */
interface CoverRow {
  model: string;
  rhs: number;
  /** Coefficient per configuration index (0 where the configuration does not serve the model). */
  coef: number[];
}

function coverRows(
  configs: readonly ServerConfig[],
  demand: Demand,
  scaling: 'servers' | 'demand' = 'servers',
): CoverRow[] {
  return Object.keys(demand)
    .filter(m => demand[m]! > 0)
    .map(model => {
      const q = configs.map(c => c.tenants.find(t => t.model === model)?.qps ?? 0);
      const d = demand[model]!;
      const scale = scaling === 'demand' ? d : Math.min(d, Math.max(0, ...q));
      const rhs = d / scale;
      return { model, rhs, coef: q.map(v => (v > 0 ? Math.min(v / scale, rhs) : 0)) };
    });
}

/** Coefficients below this are left out of the LP text (HiGHS would drop them anyway). */
const SMALL_COEFFICIENT = 1e-9;

/**
 * CPLEX-LP text of min Σ x_p s.t. the scaled cover rows (see {@link CoverRow}: coefficients in
 * (0, 1], right-hand sides ≥ 1), x_p ∈ ℕ. With `relax`, the integrality section is left out:
 * the LP relaxation. With `lower`, x_p ≥ lower[p] (the neighbourhood MILP).
 */
export function coverLp(
  configs: readonly ServerConfig[],
  demand: Demand,
  options: { relax?: boolean; lower?: readonly number[]; scaling?: 'servers' | 'demand' } = {},
): string {
  const lines = ['Minimize', ` obj: ${configs.map((_, i) => `x${i}`).join(' + ') || '0'}`, 'Subject To'];
  coverRows(configs, demand, options.scaling).forEach((row, r) => {
    const terms = row.coef.flatMap((a, i) => (a > SMALL_COEFFICIENT ? [`${a.toExponential(15)} x${i}`] : []));
    lines.push(` c${r}: ${terms.join(' + ')} >= ${row.rhs.toExponential(15)}`);
  });
  lines.push('Bounds', ...configs.map((_, i) => ` x${i} >= ${Math.max(0, Math.floor(options.lower?.[i] ?? 0))}`));
  if (!options.relax) lines.push('General', ` ${configs.map((_, i) => `x${i}`).join(' ')}`);
  lines.push('End');
  return lines.join('\n');
}

/**
 * Dual prices of the cover rows for the waste accounting of {@link searchCovers} and the lower
 * bound: the LP's duals y ≥ 0, scaled down until every configuration's reduced cost
 * 1 − Σ_m y_m a_{p,m} is ≥ 0 with the exact coefficients, so that weak duality holds whatever
 * HiGHS's tolerances: Σ_m y_m b_m ≤ LP ≤ any integer cover. Without duals, undefined.
 */
function safeDuals(rows: readonly CoverRow[], nConfigs: number, out: MilpOutcome): number[] | undefined {
  if (!out.duals) return undefined;
  const y = rows.map((_, r) => Math.max(0, out.duals![`c${r}`] ?? 0));
  let worst = 1;
  for (let p = 0; p < nConfigs; p++)
    worst = Math.max(
      worst,
      rows.reduce((s, row, r) => s + y[r]! * row.coef[p]!, 0),
    );
  return y.map(v => v / worst);
}

/**
 * In which order {@link searchCovers} takes the rows (and their columns): `fewest-columns`
 * first, or `fewest-free` — fewest columns of zero reduced cost (the ones only the rows'
 * windows bound) first. Neither is better everywhere; the neighbourhood phase tries both.
 */
type RowOrder = 'fewest-columns' | 'fewest-free';

/** Search steps one column value tried costs, and one search node (about five and three times a coverage window read). */
const TRY_STEPS = 5;
const NODE_STEPS = 3;

/** Outcome of {@link searchCovers}. */
type CoverSearch =
  { status: 'found'; x: number[]; steps: number } | { status: 'none' | 'limit' | 'not-applicable'; steps: number };

/**
 * Exact search for an integer cover with at most `target` servers and x ≥ `lower`, by
 * enumerating bounded "waste". With dual prices y ≥ 0 whose reduced costs
 * rc_p = 1 − Σ_m y_m a_{p,m} are ≥ 0, every cover satisfies
 *   Σ_p x_p = Σ_m y_m b_m + Σ_p rc_p x_p + Σ_m y_m s_m    (s_m = surplus of row m ≥ 0),
 * so a cover with ≤ target servers has waste Σ rc·x + Σ y·s ≤ g = target − Σ y b, and g is
 * below one server when the target is ⌈LP⌉. Each model's dedicated configuration serves as its
 * row's slack (its count is the least that covers the rest), so only the other configurations
 * are enumerated, depth first, row by row ({@link RowOrder}; within a row, zero-cost columns
 * last). A row's last column is not enumerated but read off the few
 * windows of coverage that keep that row's waste within the budget, and a column with
 * rc > 0 never exceeds budget / rc, so the search is small when the budget is. Exact: `none`
 * proves that no such cover exists; `limit` means `maxSteps` steps (column values tried and
 * coverage windows read) ran out first. `not-applicable` when some row has no single-tenant
 * configuration. Work is counted in steps, never in servers.
 */
function searchCovers(
  rows: readonly CoverRow[],
  nConfigs: number,
  y: readonly number[],
  target: number,
  lower: readonly number[] | undefined,
  maxSteps: number,
  rowOrder: RowOrder,
  checkClock: () => void,
): CoverSearch {
  const M = rows.length;
  const low = Array.from({ length: nConfigs }, (_, p) => Math.max(0, lower?.[p] ?? 0));
  // The residual problem above `lower`: Σ_p a z ≥ R, z ≥ 0, Σ z ≤ T.
  const R = rows.map(row => row.rhs - row.coef.reduce((s, a, p) => s + a * low[p]!, 0));
  const T = target - sum(low);
  const tol = 1e-6;
  const g = T - R.reduce((s, v, m) => s + y[m]! * v, 0);
  if (T < 0 || g < -tol) return { status: 'none', steps: 0 };
  const isSingle = (p: number) => rows.filter(row => row.coef[p]! > 0).length === 1;
  const ded = rows.map(row => {
    let best = -1;
    for (let p = 0; p < nConfigs; p++)
      if (row.coef[p]! > 0 && isSingle(p) && (best < 0 || row.coef[p]! > row.coef[best]!)) best = p;
    return best;
  });
  if (ded.some(p => p < 0)) return { status: 'not-applicable', steps: 0 };
  const d = ded.map((p, m) => rows[m]!.coef[p]!);
  const rho = d.map((v, m) => Math.max(0, 1 - y[m]! * v));
  const dedSet = new Set(ded);
  const cols = Array.from({ length: nConfigs }, (_, p) => p)
    .filter(p => !dedSet.has(p))
    .map(p => {
      const a = rows.map(row => row.coef[p]!);
      return {
        p,
        a,
        rc: Math.max(0, 1 - a.reduce((s, v, m) => s + v * y[m]!, 0)),
        rowsOf: a.flatMap((v, m) => (v > 0 ? [m] : [])),
      };
    });
  // Column order: row by row (see RowOrder); within a row, costly columns first.
  const order: number[] = [];
  const left = new Set(cols.map((_, i) => i));
  const rowDone = rows.map(() => false);
  while (left.size) {
    let pick = -1;
    let pickKey = Infinity;
    for (let m = 0; m < M; m++) {
      if (rowDone[m]) continue;
      const mine = [...left].filter(i => cols[i]!.a[m]! > 0);
      const key = (rowOrder === 'fewest-free' ? 100 * mine.filter(i => cols[i]!.rc <= 1e-12).length : 0) + mine.length;
      if (mine.length && key < pickKey) {
        pickKey = key;
        pick = m;
      }
    }
    const mine = [...left].filter(i => cols[i]!.a[pick]! > 0).sort((i, j) => cols[j]!.rc - cols[i]!.rc || i - j);
    for (const i of mine) {
      order.push(i);
      left.delete(i);
    }
    rowDone[pick] = true;
  }
  const completes: number[][] = order.map(() => []);
  const untouched: number[] = [];
  for (let m = 0; m < M; m++) {
    let last = -1;
    order.forEach((i, k) => {
      if (cols[i]!.a[m]! > 0) last = k;
    });
    if (last >= 0) completes[last]!.push(m);
    else untouched.push(m);
  }
  // Narrowest windows first: the completing row that reads off the column's candidates.
  for (const c of completes) c.sort((m, n) => rho[n]! - rho[m]! || y[n]! - y[m]! || m - n);
  /** Waste of a finished row whose non-dedicated columns give coverage c (units). */
  const rowWaste = (m: number, c: number) => {
    const need = R[m]! - c;
    const n = need > 0 ? Math.ceil(need / d[m]! - 1e-9) : 0;
    return rho[m]! * n + y[m]! * Math.max(0, n * d[m]! + c - R[m]!);
  };
  let steps = 0;
  let limited = false;
  let found: number[] | undefined;
  const z = new Array<number>(order.length).fill(0);
  const cov = new Array<number>(M).fill(0);
  // A step is a coverage window read (cheap); trying a column value counts as TRY_STEPS.
  let nextClockCheck = 4096;
  const step = (cost: number) => {
    steps += cost;
    if (steps >= nextClockCheck) {
      nextClockCheck = steps + 4096;
      checkClock();
    }
    if (steps > maxSteps) limited = true;
    return !limited;
  };
  /** Tries column k at value v: adds its waste and its finished rows' waste, recurses if within budget. */
  const tryValue = (k: number, v: number, waste: number, used: number): void => {
    if (!step(TRY_STEPS)) return;
    const col = cols[order[k]!]!;
    let w = waste + col.rc * v;
    if (w > g + tol) return;
    for (const m of col.rowsOf) cov[m]! += v * col.a[m]!;
    for (const m of completes[k]!) {
      w += rowWaste(m, cov[m]!);
      if (w > g + tol) break;
    }
    if (w <= g + tol) {
      z[k] = v;
      dfs(k + 1, w, used + v);
    }
    for (const m of col.rowsOf) cov[m]! -= v * col.a[m]!;
  };
  const dfs = (k: number, waste: number, used: number): void => {
    if (k === order.length) {
      found = [...z];
      return;
    }
    if (!step(NODE_STEPS)) return;
    const col = cols[order[k]!]!;
    const budget = g - waste;
    let ub = T - used;
    if (col.rc > 1e-12) ub = Math.min(ub, Math.floor((budget + tol) / col.rc));
    for (const m of col.rowsOf)
      if (y[m]! > 1e-12) ub = Math.min(ub, Math.floor((R[m]! + (budget + tol) / y[m]! - cov[m]!) / col.a[m]! + 1e-9));
    if (ub < 0) return;
    const done = completes[k]!;
    if (!done.length) {
      for (let v = 0; v <= ub && !found && !limited; v++) tryValue(k, v, waste, used);
      return;
    }
    // Values of z that put the finished row's coverage in a window of low waste: with n
    // dedicated servers, coverage in [R − n·d, R − n·d + (budget − ρ·n) / y], below R − (n−1)·d.
    const m = done[0]!;
    const a = col.a[m]!;
    const c0 = cov[m]!;
    for (let n = 0; !found && !limited; n++) {
      if (!step(1)) return;
      const rem = budget - rho[m]! * n;
      if (rem < -tol) return;
      const lo = R[m]! - n * d[m]!;
      const hi = y[m]! > 1e-12 ? lo + (rem + tol) / y[m]! : Infinity;
      const from = Math.max(0, Math.ceil((lo - c0) / a - 1e-9));
      let to = Math.min(ub, Math.floor((hi - c0) / a + 1e-9));
      if (n > 0) to = Math.min(to, Math.ceil((R[m]! - (n - 1) * d[m]! - c0) / a - 1e-9) - 1);
      for (let v = from; v <= to && !found && !limited; v++) tryValue(k, v, waste, used);
      // Windows of larger n lie below the coverage the row already has.
      if (lo <= c0) return;
    }
  };
  let base = 0;
  for (const m of untouched) base += rowWaste(m, 0);
  if (base <= g + tol) dfs(0, base, 0);
  if (found) {
    const x = [...low];
    const c = rows.map(() => 0);
    order.forEach((i, k) => {
      x[cols[i]!.p]! += found![k]!;
      cols[i]!.rowsOf.forEach(m => (c[m]! += found![k]! * cols[i]!.a[m]!));
    });
    rows.forEach((_, m) => {
      const need = R[m]! - c[m]!;
      x[ded[m]!]! += need > 0 ? Math.ceil(need / d[m]! - 1e-9) : 0;
    });
    return { status: 'found', x, steps };
  }
  return { status: limited ? 'limit' : 'none', steps };
}

/** ⌈bound⌉, forgiving the floating-point error of a bound that is an integer in exact arithmetic. */
const ceilBound = (bound: number) => Math.max(0, Math.ceil(bound - 1e-6 - 1e-9 * Math.abs(bound)));

/** Thrown inside a phase when the clock passes the deadline; the phase is discarded. */
class Cut extends Error {}

/**
 * Rounding of an LP optimum x*: ⌊x*⌋ topped up greedily, and ⌈x*⌉, both pruned; the better one
 * is then improved by {@link improveByExchange}.
 */
function roundLp(
  configs: readonly ServerConfig[],
  demand: Demand,
  lp: readonly number[],
  bound: number,
  checkClock: () => void,
): number[] {
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  const floor = greedyCover(
    configs,
    demand,
    lp.map(v => Math.floor(v + 1e-9)),
  );
  const ceilX = lp.map(v => Math.ceil(v - 1e-9));
  const ceil = covers(capacityOf(configs, ceilX, models), demand)
    ? pruneRedundant(configs, ceilX, demand, models)
    : greedyCover(configs, demand, ceilX);
  return improveByExchange(configs, demand, sum(ceil) < sum(floor) ? ceil : floor, bound, checkClock);
}

/**
 * Local search on an integer cover: take r servers away (1 ≤ r ≤ {@link EXCHANGE_MAX_REMOVED},
 * every multiset of the configurations in use, smallest first) and re-cover what they served
 * with at most r − 1 servers, exactly (depth first, always branching on the model whose
 * uncovered demand needs the most servers); keep the first exchange that saves a server and
 * start again. Stops at the bound, when no exchange helps, or after
 * {@link SOLVE_WORK_LIMITS}.exchangeSteps search steps. Rounding leaves the ⌈·⌉ of each model's
 * cover loose; this trades those slivers between configurations.
 */
function improveByExchange(
  configs: readonly ServerConfig[],
  demand: Demand,
  start: number[],
  bound: number,
  checkClock: () => void,
): number[] {
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  const q = configs.map(c => models.map(m => c.tenants.find(t => t.model === m)?.qps ?? 0));
  const need = models.map(m => demand[m]! * (1 - COVER_TOLERANCE));
  const maxQ = models.map((_, r) => Math.max(...q.map(row => row[r]!)));
  // Configurations serving each model, most QPS for it first (index order on ties).
  const serving = models.map((_, r) =>
    q
      .map((row, p) => p)
      .filter(p => q[p]![r]! > 0)
      .sort((i, j) => q[j]![r]! - q[i]![r]! || i - j),
  );
  let steps = 0;
  const limit = SOLVE_WORK_LIMITS.exchangeSteps;
  /** Counts one step (a re-cover node or an exchange tried); false once the limit is reached. */
  const tick = () => {
    if (++steps % 256 === 0) checkClock();
    return steps <= limit;
  };
  /** Adds at most k servers to `added` so that `deficit` (QPS still needed per model) is covered. */
  const recover = (deficit: number[], k: number, added: number[]): boolean => {
    if (!tick()) return false;
    let worst = -1;
    let worstServers = 0;
    deficit.forEach((d, r) => {
      const servers = d > 0 ? d / maxQ[r]! : 0;
      if (servers > worstServers) {
        worstServers = servers;
        worst = r;
      }
    });
    if (worst < 0) return true;
    if (worstServers > k) return false;
    for (const p of serving[worst]!) {
      added.push(p);
      if (
        recover(
          deficit.map((d, r) => d - q[p]![r]!),
          k - 1,
          added,
        )
      )
        return true;
      added.pop();
      if (steps > limit) return false;
    }
    return false;
  };
  let x = start;
  for (let improved = true; improved && sum(x) > bound && steps <= limit;) {
    improved = false;
    const cap = models.map((_, r) => x.reduce((s, v, p) => s + v * q[p]![r]!, 0));
    const used = x.flatMap((v, p) => (v > 0 ? [p] : []));
    for (let removeCount = 1; removeCount <= EXCHANGE_MAX_REMOVED && !improved && steps <= limit; removeCount++) {
      // Every multiset of `removeCount` configurations in use (indices into `used`, non-decreasing).
      const pick = new Array<number>(removeCount).fill(0);
      for (;;) {
        if (!tick()) break;
        const removed = new Map<number, number>();
        for (const i of pick) removed.set(used[i]!, (removed.get(used[i]!) ?? 0) + 1);
        if ([...removed].every(([p, k]) => k <= x[p]!)) {
          const deficit = models.map((_, r) => need[r]! - cap[r]! + pick.reduce((s, i) => s + q[used[i]!]![r]!, 0));
          const added: number[] = [];
          if (recover(deficit, removeCount - 1, added)) {
            const y = [...x];
            for (const [p, k] of removed) y[p]! -= k;
            for (const p of added) y[p]! += 1;
            x = y;
            improved = true;
            break;
          }
        }
        if (steps > limit) break;
        let j = removeCount - 1;
        while (j >= 0 && pick[j] === used.length - 1) j--;
        if (j < 0) break;
        pick[j]!++;
        for (let l = j + 1; l < removeCount; l++) pick[l] = pick[j]!;
      }
    }
  }
  return x;
}

/** Most servers one exchange of {@link improveByExchange} takes away. */
const EXCHANGE_MAX_REMOVED = 3;

/** An integer cover from a solver's values: rounded, and topped up if rounding left a hair uncovered. */
function fromValues(configs: readonly ServerConfig[], demand: Demand, values: Record<string, number>): number[] {
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  const x = configs.map((_, i) => Math.max(0, Math.round(values[`x${i}`] ?? 0)));
  return covers(capacityOf(configs, x, models), demand) ? x : greedyCover(configs, demand, x);
}

const asStart = (x: readonly number[]) => Object.fromEntries(x.map((v, i) => [`x${i}`, v]));

/**
 * Required servers (DESIGN §4.4.3): minimise Σ_p x_p subject to Σ_p x_p · q_{p,m} ≥ D_m for
 * every model, x_p ∈ ℕ, over the candidate configurations (dedicated and accepted pairs).
 *
 * With a MILP solver the solve runs in phases, each with a fixed, deterministic amount of work
 * ({@link SOLVE_WORK_LIMITS}: iteration, step and node counts), never "as much as time allows":
 * 1. `lp` — the LP relaxation (HiGHS, iteration limit). Its dual gives the lower bound ⌈LP⌉
 *    (see `lowerBound`) and the prices of the cover searches; its optimum x* the start of the rest.
 * 2. `rounding` — ⌊x*⌋ topped up greedily and ⌈x*⌉ pruned, then an exchange local search.
 * 3. `neighbourhood` — exact searches for a cover with one server fewer than the best so far,
 *    restricted to x ≥ ⌊x*⌋ − radius for growing radii (see {@link searchCovers}).
 * 4. `branch-and-bound` — HiGHS on the full MILP, started from the best answer, its own
 *    heuristics off, node limit: `milp` when it proves optimality.
 * 5. `exhaustive` — the search of phase 3 over the whole problem: when it finishes without
 *    finding a cover with one server fewer, the best answer is proved optimal.
 * 6. `highs-search` — HiGHS again on the MILP as first posed (rows scaled by demand, no start,
 *    its heuristics on), node limit: a second search path that proves some inputs the first
 *    cannot.
 * An answer that meets the lower bound, or a proof, ends the solve. The dedicated and greedy
 * covers are always computed too (small, bounded work), and the answer is the best of the
 * phases that completed and those covers, ties going to the earlier one. So the answer depends
 * only on the input and on which phases completed, never on how fast they ran.
 *
 * The time limit (`timeLimitMs`, measured by `now` from `startedAt`) is a hard safety stop: it
 * is checked before each phase and inside long loops, and HiGHS gets the remaining time as its
 * own `time_limit`. A phase cut short by it is discarded as a whole (never a "best so far",
 * which would depend on machine speed) and later phases do not start; the result is then
 * `milp-timeout` with a note naming the phases lost. The work limits are sized so that each
 * phase takes at most about a quarter of the default limit on the development machine (see
 * {@link SOLVE_WORK_LIMITS}), so there the clock never decides.
 *
 * Without a solver, or when the LP relaxation fails, the greedy or dedicated cover (`greedy`).
 * Whatever the route, the answer is never worse than one model per server, and no step's time
 * or memory grows with the number of servers (demand is bounded by {@link validateDemand}).
 * Throws {@link InfeasibleDemandError} when a demanded model has no configuration — checked up
 * front, so nothing ever loops on such demand.
 */
export function solveRequiredServers(
  configs: readonly ServerConfig[],
  demand: Demand,
  options: RequiredServersOptions = {},
): RequiredServers {
  validateDemand(
    demand,
    m => configs.find(c => c.kind === 'dedicated' && c.tenants[0]!.model === m)?.tenants[0]!.qpsMax,
  );
  const infeasible = findInfeasibleDemand(configs, demand, options.unplaceable);
  if (infeasible.length) throw new InfeasibleDemandError(infeasible);
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  if (!(timeLimitMs > 0)) throw invalidArgument('timeLimitMs', `must be > 0, got ${timeLimitMs}`);
  const now = options.now ?? (() => performance.now());
  const entered = now();
  const deadline = (options.startedAt ?? entered) + timeLimitMs;
  const remaining = () => deadline - now();
  const models = Object.keys(demand).filter(m => demand[m]! > 0);
  // Only configurations that serve some demanded model can be in an optimal solution.
  const useful = configs.filter(c => c.tenants.some(t => t.qps > 0 && demand[t.model]! > 0));

  type Answer = { source: AnswerSource; x: number[] };
  // Candidate answers in tie-break order; the phases add theirs as they complete.
  const answers: Answer[] = [];
  const phases: SolvePhaseReport[] = [];
  let lowerBound: number | undefined;
  let proved: string | undefined;
  let failure: string | undefined;
  let stoppedBy: 'clock' | 'nodes' | 'error' | undefined;
  /** Deterministic limits that ended a phase before it could prove optimality, for the note. */
  const limitsHit: string[] = [];
  const best = () => answers.reduce<Answer | undefined>((b, a) => (!b || sum(a.x) < sum(b.x) ? a : b), undefined);
  const boundMet = () => lowerBound !== undefined && best() !== undefined && sum(best()!.x) <= lowerBound;

  if (models.length === 0) {
    answers.push({ source: 'none', x: useful.map(() => 0) });
    proved = 'no demand';
  } else if (options.solver) {
    const solver = options.solver;
    const name = solver.name;
    const rows = coverRows(useful, demand);
    let lp: number[] | undefined;
    let prices: number[] | undefined;
    type PhaseResult = { x?: number[]; detail?: string; outcome?: 'failed' | 'not-applicable' };

    /**
     * Runs one phase unless the answer is already proved or time is up; `body` returns the
     * phase's answer, or throws {@link Cut} when the clock stops it (the phase is then discarded).
     */
    const phase = (p: SolvePhaseName, body: () => PhaseResult): void => {
      if (proved || boundMet()) {
        phases.push({ phase: p, outcome: 'not-needed', ms: 0 });
        return;
      }
      if (stoppedBy === 'clock' || remaining() <= 0) {
        stoppedBy = 'clock';
        phases.push({ phase: p, outcome: 'skipped', ms: 0 });
        return;
      }
      const t = now();
      try {
        const r = body();
        const report: SolvePhaseReport = { phase: p, outcome: r.outcome ?? 'completed', ms: now() - t };
        if (r.x) {
          report.servers = sum(r.x);
          if (p !== 'lp') answers.push({ source: p as AnswerSource, x: r.x });
        }
        if (r.detail) report.detail = r.detail;
        phases.push(report);
      } catch (err) {
        if (!(err instanceof Cut)) throw err;
        stoppedBy = 'clock';
        phases.push({ phase: p, outcome: 'cut', detail: err.message, ms: now() - t });
      }
    };
    const checkClock = () => {
      if (remaining() <= 0) throw new Cut(`time limit of ${timeLimitMs} ms reached`);
    };
    /** A HiGHS solve with the remaining time as its safety net; one that ran into it is cut. */
    const milp = (text: string, limits: MilpLimits): MilpOutcome => {
      const out = solver.solveLp(text, Math.max(1, remaining()), limits);
      if (out.status === 'time-limit') throw new Cut(`${name} stopped at the time limit of ${timeLimitMs} ms`);
      return out;
    };
    /** The exact cover search for one server fewer than the best so far, within `maxSteps`. */
    const search = (servers: number, lower: readonly number[] | undefined, maxSteps: number, order: RowOrder) =>
      searchCovers(rows, useful.length, prices!, servers - 1, lower, maxSteps, order, checkClock);
    const verified = (x: number[]) => fromValues(useful, demand, asStart(x));

    phase('lp', () => {
      const out = milp(coverLp(useful, demand, { relax: true }), { maxIterations: SOLVE_WORK_LIMITS.lpIterations });
      if (out.status !== 'optimal' || !out.values) {
        failure = `${name}: ${out.status} (${out.message}) in the LP relaxation`;
        return { outcome: 'failed', detail: `${out.status} (${out.message})` };
      }
      const values = out.values;
      lp = useful.map((_, i) => Math.max(0, values[`x${i}`] ?? 0));
      prices = safeDuals(rows, useful.length, out);
      lowerBound = ceilBound(prices ? rows.reduce((s, row, r) => s + prices![r]! * row.rhs, 0) : sum(lp));
      return { detail: `lower bound ${lowerBound}` };
    });
    if (!lp && stoppedBy === 'clock') {
      phases.push(
        { phase: 'rounding', outcome: 'skipped', ms: 0 },
        { phase: 'neighbourhood', outcome: 'skipped', ms: 0 },
      );
    }
    if (lp) {
      const x = lp;
      phase('rounding', () => ({ x: roundLp(useful, demand, x, lowerBound!, checkClock) }));
      if (prices) {
        phase('neighbourhood', () => {
          const details: string[] = [];
          let found: number[] | undefined;
          for (const { radius, order } of SOLVE_WORK_LIMITS.neighbourhoods) {
            const incumbent = Math.min(sum(best()!.x), found ? sum(found) : Infinity);
            if (incumbent <= lowerBound!) break;
            const lower = x.map(v => Math.max(0, Math.floor(v + 1e-9) - radius));
            const r = search(incumbent, lower, SOLVE_WORK_LIMITS.neighbourhoodSteps, order);
            if (r.status === 'not-applicable')
              return { outcome: 'not-applicable', detail: 'a demanded model has no single-model configuration' };
            details.push(`radius ${radius} ${order}: ${r.status} (${r.steps} steps)`);
            if (r.status === 'found') {
              const y = verified(r.x);
              if (!found || sum(y) < sum(found)) found = y;
            }
          }
          return { ...(found ? { x: found } : {}), detail: details.join('; ') };
        });
      }
    }
    /** A HiGHS branch-and-bound phase: `milp` when it proves optimality, else its incumbent. */
    const branchAndBound = (p: 'branch-and-bound' | 'highs-search', text: string, limits: MilpLimits) =>
      phase(p, () => {
        const out = milp(text, limits);
        if (out.status === 'optimal' && out.values) {
          proved = `optimal: ${describe(p)} proved it (${out.nodes ?? '?'} nodes)`;
          return { x: fromValues(useful, demand, out.values), detail: `proved optimal (${out.nodes ?? '?'} nodes)` };
        }
        if (out.bound !== undefined && Number.isFinite(out.bound))
          lowerBound = Math.max(lowerBound ?? 0, ceilBound(out.bound));
        if (out.status === 'work-limit') {
          stoppedBy = 'nodes';
          limitsHit.push(`${describe(p)} at its node limit (${limits.maxNodes})`);
          return {
            ...(out.values ? { x: fromValues(useful, demand, out.values) } : {}),
            detail: `node limit (${out.nodes ?? limits.maxNodes} nodes)`,
          };
        }
        stoppedBy ??= 'error';
        failure ??= `${name}: ${out.status} (${out.message}) in ${describe(p)}`;
        return { outcome: 'failed', detail: `${out.status} (${out.message})` };
      });
    branchAndBound('branch-and-bound', coverLp(useful, demand), {
      maxNodes: SOLVE_WORK_LIMITS.branchAndBoundNodes,
      heuristics: false,
      start: asStart(best()?.x ?? greedyCover(useful, demand)),
    });
    if (prices) {
      phase('exhaustive', () => {
        const r = search(sum(best()!.x), undefined, SOLVE_WORK_LIMITS.exhaustiveSteps, 'fewest-free');
        if (r.status === 'not-applicable')
          return { outcome: 'not-applicable', detail: 'a demanded model has no single-model configuration' };
        if (r.status === 'none') {
          proved = `optimal: no cover with ${sum(best()!.x) - 1} servers exists (exhaustive search, ${r.steps} steps)`;
          return { detail: `proved optimal (${r.steps} steps)` };
        }
        if (r.status === 'limit')
          limitsHit.push(`the exhaustive search at its step limit (${SOLVE_WORK_LIMITS.exhaustiveSteps})`);
        return {
          ...(r.status === 'found' ? { x: verified(r.x) } : {}),
          detail: `${r.status === 'found' ? 'found one server fewer' : 'step limit'} (${r.steps} steps)`,
        };
      });
    } else if (stoppedBy === 'clock') {
      phases.push({ phase: 'exhaustive', outcome: 'skipped', ms: 0 });
    }
    // A second, independent search path: the MILP as the solver first posed it (rows scaled by
    // demand, no start, HiGHS's own heuristics on). It proves some inputs the first cannot.
    branchAndBound('highs-search', coverLp(useful, demand, { scaling: 'demand' }), {
      maxNodes: SOLVE_WORK_LIMITS.highsSearchNodes,
    });
  } else {
    failure = 'no MILP solver given';
  }

  // The two covers every solve has: bounded work, independent of the clock. One model per
  // server at its knee is always feasible, so the answer is never worse than that.
  const phaseAnswer = best();
  const dedicated = dedicatedCover(useful, demand);
  if (dedicated) answers.push({ source: 'dedicated', x: dedicated });
  if (models.length) answers.push({ source: 'greedy', x: greedyCover(useful, demand) });
  // Every answer is checked against the exact QPS before it can be chosen (the greedy cover
  // always passes: it stops only when every demand is covered).
  const valid = answers.filter(a => covers(capacityOf(useful, a.x, models), demand));
  answers.splice(0, answers.length, ...valid);
  const chosen = best()!;
  const proven = proved !== undefined || boundMet();
  const fromPhase = chosen.source !== 'greedy' && chosen.source !== 'dedicated' && chosen.source !== 'none';
  const solver: SolverKind = proven
    ? 'milp'
    : stoppedBy === 'clock' || stoppedBy === 'nodes' || fromPhase
      ? 'milp-timeout'
      : 'greedy';

  const notes: string[] = [];
  if (proved) notes.push(proved);
  else if (proven && lowerBound !== undefined)
    notes.push(`optimal: ${describe(chosen.source)} meets the LP bound ${lowerBound}`);
  if (!proven) {
    const lost = phases.filter(p => p.outcome === 'cut' || p.outcome === 'skipped');
    if (lost.length)
      notes.push(
        `time limit of ${timeLimitMs} ms reached: ${lost.map(p => `${p.phase} ${p.outcome === 'cut' ? 'cut' : 'not run'}`).join(', ')}`,
      );
    if (failure) notes.push(failure);
    if (limitsHit.length) notes.push(`not proved optimal: stopped by ${limitsHit.join(' and ')}`);
    notes.push(
      `${describe(chosen.source)} used${lowerBound !== undefined ? ` (${sum(chosen.x) - lowerBound} above the lower bound ${lowerBound})` : ''}`,
    );
  }
  if (!fromPhase && phaseAnswer && sum(phaseAnswer.x) > sum(chosen.x)) {
    notes.push(`the ${chosen.source} cover needed fewer servers than ${describe(phaseAnswer.source)} and was used`);
  }
  const x = chosen.x;
  const counts = useful
    .map((config, i) => ({ config, count: x[i]! }))
    .filter(c => c.count > 0)
    .sort((p, q) => q.count - p.count || (p.config.id < q.config.id ? -1 : 1));
  return {
    counts,
    servers: sum(x),
    solver,
    phase: chosen.source,
    phases,
    solveMs: now() - entered,
    capacity: capacityOf(useful, x, models),
    ...(lowerBound === undefined ? {} : { lowerBound }),
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

function describe(source: AnswerSource): string {
  switch (source) {
    case 'rounding':
      return 'the rounded LP relaxation';
    case 'neighbourhood':
      return 'the neighbourhood search';
    case 'exhaustive':
      return 'the exhaustive search';
    case 'highs-search':
      return 'HiGHS’s own search';
    case 'branch-and-bound':
      return 'branch-and-bound';
    case 'greedy':
      return 'the greedy cover';
    case 'dedicated':
      return 'the dedicated cover';
    case 'none':
      return 'no servers';
  }
}

/** x for one model per server: ⌈D_m / q_m⌉ copies of each model's dedicated configuration. */
function dedicatedCover(configs: readonly ServerConfig[], demand: Demand): number[] | undefined {
  const x = configs.map(() => 0);
  for (const [m, d] of Object.entries(demand)) {
    if (!(d > 0)) continue;
    const i = configs.findIndex(c => c.kind === 'dedicated' && c.tenants[0]!.model === m);
    if (i < 0) return undefined;
    // At least one server for any positive demand (a denormal demand / q rounds to 0).
    x[i] = Math.max(1, Math.ceil((d * (1 - COVER_TOLERANCE)) / configs[i]!.tenants[0]!.qps));
  }
  return x;
}

const sum = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0);

/** Mean EMU over the servers of a solution: Σ count · EMU_p / Σ count (0 for no servers). */
export function meanEmu(counts: readonly ConfigCount[]): number {
  const n = counts.reduce((s, c) => s + c.count, 0);
  return n ? counts.reduce((s, c) => s + c.count * c.config.emu, 0) / n : 0;
}
