import loadHighs, { type Highs } from 'highs';

/** Outcome of one MILP solve, independent of the solver library. */
export interface MilpOutcome {
  /** `optimal`: proved; `time-limit`: stopped early (values hold the incumbent, if any); `infeasible`; `error`. */
  status: 'optimal' | 'time-limit' | 'infeasible' | 'error';
  /** Value of every integer column by name, when a solution is available. */
  values?: Record<string, number>;
  /** Solver message for `error`, or HiGHS's status text. */
  message: string;
}

/**
 * A MILP solver for CPLEX-LP text. {@link loadMilpSolver} returns the HiGHS one; tests inject
 * fakes to exercise the time-limit and error paths.
 */
export interface MilpSolver {
  readonly name: string;
  solveLp(lp: string, timeLimitMs: number): MilpOutcome;
}

/**
 * Loads HiGHS (compiled to WebAssembly) once; solves are synchronous afterwards. The loader
 * reads `highs.wasm` from the package itself — the only file this library ever causes to be
 * read, and only here. Call it once at start and pass the solver to every plan.
 */
export async function loadMilpSolver(): Promise<MilpSolver> {
  return highsSolver(await loadHighs());
}

/** Wraps a loaded HiGHS instance as a {@link MilpSolver}. */
export function highsSolver(highs: Highs): MilpSolver {
  return {
    name: 'highs',
    solveLp(lp, timeLimitMs) {
      let res;
      try {
        // Objective values are whole servers: an absolute gap below 1 proves optimality, while
        // HiGHS's default relative gap (1e-4) would accept one extra server at 10,000 nodes.
        // The legacy solve() builds a fresh native instance per call, so a failed solve cannot
        // poison the next one.
        res = highs.solve(lp, {
          output_flag: false,
          time_limit: Math.max(0.001, timeLimitMs / 1000),
          mip_rel_gap: 0,
          mip_abs_gap: 0.999,
        });
      } catch (err) {
        return { status: 'error', message: (err as Error).message };
      }
      const values: Record<string, number> = {};
      let complete = true;
      for (const [name, col] of Object.entries(res.Columns)) {
        const v = (col as { Primal?: number }).Primal;
        if (typeof v === 'number' && Number.isFinite(v)) values[name] = v;
        else complete = false;
      }
      switch (res.Status) {
        case 'Optimal':
          return complete ? { status: 'optimal', values, message: res.Status } : { status: 'error', message: 'optimal without primal values' };
        case 'Time limit reached':
          return complete && Object.keys(values).length ? { status: 'time-limit', values, message: res.Status } : { status: 'time-limit', message: res.Status };
        case 'Infeasible':
          return { status: 'infeasible', message: res.Status };
        default:
          return { status: 'error', message: res.Status };
      }
    },
  };
}
