import loadHighs, { type Highs } from 'highs';
import { coverLp, solveRequiredServers } from './required-servers';
import type { ServerConfig } from './server-config';

/** Outcome of one LP or MILP solve, independent of the solver library. */
export interface MilpOutcome {
  /**
   * `optimal`: proved optimal; `work-limit`: stopped by a deterministic limit of
   * {@link MilpLimits} (node or iteration count; values hold the incumbent, if any);
   * `time-limit`: stopped by the wall-clock safety limit (values, if any, depend on machine
   * speed); `infeasible`; `error`.
   */
  status: 'optimal' | 'work-limit' | 'time-limit' | 'infeasible' | 'error';
  /** Value of every column by name, when a solution is available. */
  values?: Record<string, number>;
  /** Dual value of every row by name, for an LP (no integrality section) solved to optimality. */
  duals?: Record<string, number>;
  /** Branch-and-bound nodes processed (MILP), when the solver reports it. */
  nodes?: number;
  /** The solver's proved lower bound on the objective (MILP), when it reports one. */
  bound?: number;
  /** Solver message for `error`, or the solver's status text. */
  message: string;
}

/**
 * Deterministic limits of one solve: the same limits on the same input give the same answer on
 * any machine, unlike a time limit.
 */
export interface MilpLimits {
  /** Most branch-and-bound nodes (HiGHS `mip_max_nodes`). */
  maxNodes?: number;
  /** Most simplex iterations of an LP (HiGHS `simplex_iteration_limit`; not MILP sub-problems). */
  maxIterations?: number;
  /** A feasible integer solution by column name, handed to branch-and-bound as its first incumbent. */
  start?: Readonly<Record<string, number>>;
  /**
   * Run the solver's own primal heuristics (HiGHS: RINS, RENS, feasibility jump, root
   * reduced-cost fixing sub-MIPs). Default true. Off when the caller already has a good
   * incumbent and wants branch-and-bound for the proof: they can dominate a small model's time.
   */
  heuristics?: boolean;
}

/**
 * A MILP solver for CPLEX-LP text. {@link loadMilpSolver} returns the HiGHS one; tests inject
 * fakes to exercise the time-limit and error paths. `timeLimitMs` is a safety net only: an
 * answer that ran into it is `time-limit`, and callers that need determinism discard it.
 */
export interface MilpSolver {
  readonly name: string;
  solveLp(lp: string, timeLimitMs: number, limits?: MilpLimits): MilpOutcome;
}

/**
 * Loads HiGHS (compiled to WebAssembly) once; solves are synchronous afterwards. The loader
 * reads `highs.wasm` from the package itself — the only file this library ever causes to be
 * read, and only here. Call it once at start and pass the solver to every plan.
 *
 * The first solves after loading run in V8's baseline tiers (WebAssembly and JavaScript), two
 * to three times slower than later ones; `warmUp` (default true) runs a few solves of a synthetic
 * cover problem here (about 1.4 s on the development VM) so that the first plan does not pay for
 * it — and is not cut by its time limit, which would make a cold start's plan differ from a warm
 * one's. Pass `{ warmUp: false }` where start-up time matters more than the first plan.
 */
export async function loadMilpSolver(options: { warmUp?: boolean } = {}): Promise<MilpSolver> {
  const solver = highsSolver(await loadHighs());
  if (options.warmUp ?? true) warmUp(solver);
  return solver;
}

const NO_HEURISTICS = {
  mip_heuristic_run_rins: false,
  mip_heuristic_run_rens: false,
  mip_heuristic_run_root_reduced_cost: false,
  mip_heuristic_run_feasibility_jump: false,
} as const;

/** HiGHS model status codes (highs.constants.modelStatus) this wrapper distinguishes. */
const STATUS = { optimal: 7, infeasible: 8, timeLimit: 13, iterationLimit: 14, solutionLimit: 16 } as const;

/** Wraps a loaded HiGHS instance as a {@link MilpSolver}. */
export function highsSolver(highs: Highs): MilpSolver {
  return {
    name: 'highs',
    solveLp(lp, timeLimitMs, limits = {}) {
      let model: ReturnType<Highs['createModel']> | undefined;
      try {
        // One fresh native instance per solve: a failed solve cannot poison the next one, and
        // no state (clocks, bases, random streams) carries over, so a solve depends on its input only.
        model = highs.createModel({ format: 'lp', data: lp });
        model.options.set({
          output_flag: false,
          time_limit: Math.max(0.001, timeLimitMs / 1000),
          // Objective values are whole servers: an absolute gap below 1 proves optimality, while
          // HiGHS's default relative gap (1e-4) would accept one extra server at 10,000 nodes.
          mip_rel_gap: 0,
          mip_abs_gap: 0.999,
          ...(limits.maxNodes === undefined ? {} : { mip_max_nodes: Math.max(0, Math.floor(limits.maxNodes)) }),
          ...(limits.maxIterations === undefined
            ? {}
            : { simplex_iteration_limit: Math.max(0, Math.floor(limits.maxIterations)) }),
          ...(limits.heuristics === false ? NO_HEURISTICS : {}),
        });
        const { numCols, numRows } = model.getDimensions();
        const colNames = Array.from({ length: numCols }, (_, i) => model!.getColName(i));
        if (limits.start) {
          const start = limits.start;
          model.setSolution({ colValue: colNames.map(n => start[n] ?? 0) });
        }
        const status = model.run().modelStatus as number;
        const isMip = /^\s*(general|generals|integer|integers)\s*$/im.test(lp);
        const values: Record<string, number> = {};
        let duals: Record<string, number> | undefined;
        const hasPrimal = Number(model.info.get('primal_solution_status')) === 2;
        if (hasPrimal) {
          const sol = model.getSolution();
          colNames.forEach((n, i) => (values[n] = sol.colValue[i]!));
          if (!isMip && status === STATUS.optimal && Number(model.info.get('dual_solution_status')) === 2) {
            duals = {};
            for (let r = 0; r < numRows; r++) duals[model.getRowName(r)] = sol.rowDual[r]!;
          }
        }
        const complete = hasPrimal && Object.values(values).every(Number.isFinite);
        const extra = {
          ...(complete ? { values } : {}),
          ...(duals ? { duals } : {}),
          ...(isMip ? mipInfo(model) : {}),
        };
        switch (status) {
          case STATUS.optimal:
            return complete
              ? { status: 'optimal', ...extra, message: 'Optimal' }
              : { status: 'error', message: 'optimal without primal values' };
          case STATUS.iterationLimit:
          case STATUS.solutionLimit:
            return {
              status: 'work-limit',
              ...extra,
              message: status === STATUS.iterationLimit ? 'Iteration limit reached' : 'Node limit reached',
            };
          case STATUS.timeLimit:
            return { status: 'time-limit', ...extra, message: 'Time limit reached' };
          case STATUS.infeasible:
            return { status: 'infeasible', message: 'Infeasible' };
          default:
            return { status: 'error', message: `HiGHS model status ${status}` };
        }
      } catch (err) {
        return { status: 'error', message: (err as Error).message };
      } finally {
        model?.dispose();
      }
    },
  };
}

function mipInfo(model: ReturnType<Highs['createModel']>): { nodes?: number; bound?: number } {
  const out: { nodes?: number; bound?: number } = {};
  try {
    out.nodes = Number(model.info.get('mip_node_count'));
    const bound = Number(model.info.get('mip_dual_bound'));
    if (Number.isFinite(bound)) out.bound = bound;
  } catch {
    // Not reported (e.g. presolve solved the model): the caller has its own bound.
  }
  return out;
}

/**
 * Runs the required-servers solve, and HiGHS with its own heuristics, on a synthetic 8-model
 * cover problem (two memory-bound models paired with six compute-bound ones, about 900 servers)
 * so that HiGHS's hot WebAssembly functions and the solve's own JavaScript are optimised before
 * the first real plan. Its answers are not used (and, being time-limited, may vary).
 */
function warmUp(solver: MilpSolver): void {
  const models = ['m0', 'm1', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
  const tenant = (model: string, qps: number) => ({
    model,
    workers: 1,
    qps,
    qpsMax: 100,
    kind: 'compute-bound' as const,
    profileSource: 'measured' as const,
  });
  const config = (tenants: ReturnType<typeof tenant>[]): ServerConfig => ({
    id: tenants.map(t => t.model).join('+'),
    kind: tenants.length === 1 ? 'dedicated' : 'pair',
    tenants,
    emu: tenants.reduce((s, t) => s + t.qps / t.qpsMax, 0),
    basis: tenants.length === 1 ? 'solo-profile' : 'predicted',
    predicted: tenants.length > 1,
    cores: tenants.length,
    memoryBytes: 0,
  });
  const configs = [
    ...models.map(m => config([tenant(m, 100)])),
    ...['m0', 'm1'].flatMap((m, i) =>
      models
        .slice(2)
        .map((c, j) => config([tenant(m, 86 + 0.7 * j - 9 * i * (j % 2)), tenant(c, 50 + 1.1 * j + 6 * i)])),
    ),
  ];
  for (let i = 0; i < 2; i++) {
    const demand = Object.fromEntries(models.map((m, k) => [m, (k < 2 ? 25_000 : 8_333.3) + 1_700 * i + 37 * k]));
    solveRequiredServers(configs, demand, { solver, timeLimitMs: 400 });
    // HiGHS with its own heuristics on (the solves above may end before their phase runs).
    solver.solveLp(coverLp(configs, demand, { scaling: 'demand' }), 400, { maxNodes: 200 });
  }
}
