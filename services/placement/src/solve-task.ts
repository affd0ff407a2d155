import {
  checkPredictor,
  describeBasis,
  explainPlan,
  explainPredictor,
  pinnedConfig,
  planCluster,
  searchPairs,
  type ConfigCount,
  type ConfigExplanation,
  type MilpSolver,
  type PredictorCheck,
  type ProfileSet,
} from '@hera/hera';
import type { PredictorCheck as PredictorCheckMessage, StrategyResult } from '@hera/proto';

/**
 * The CPU-heavy part of a plan, as one task for the solver thread: plain data in, plain data
 * out (structured-cloned across the thread boundary), no I/O. The planner gathers the inputs
 * from Redis and maps the answer onto nodes.
 */
export type SolveTask =
  | {
      kind: 'solve';
      set: ProfileSet;
      /** QPS per demanded model (> 0). */
      demand: Record<string, number>;
      timeLimitMs: number;
    }
  | {
      kind: 'pinned';
      set: ProfileSet;
      /** Counts already resolved (0 = one per node is the planner's business). */
      pins: readonly { config: string; count: number }[];
    };

export interface SolveOutcome {
  counts: ConfigCount[];
  servers: number;
  meanEmu: number;
  /** "milp", "milp-timeout", "greedy" or "pinned". */
  solver: string;
  explanation: ConfigExplanation[];
  strategies: StrategyResult[];
  predictor: PredictorCheckMessage;
}

/** The predictor check as hera.placement.v1.PredictorCheck. */
function predictorMessage(c: PredictorCheck): PredictorCheckMessage {
  return {
    splits: c.splits,
    qpsErrorMean: c.qpsError?.mean ?? 0,
    qpsErrorMax: c.qpsError?.max ?? 0,
    emuErrorMean: c.emuError?.mean ?? 0,
    emuErrorMax: c.emuError?.max ?? 0,
    rows: c.rows.map(r => ({
      modelA: r.a,
      modelB: r.b,
      workersA: r.workersA,
      workersB: r.workersB,
      predictedQpsA: r.predictedQpsA,
      predictedQpsB: r.predictedQpsB,
      measuredQpsA: r.measuredQpsA,
      measuredQpsB: r.measuredQpsB,
      predictedEmu: r.predictedEmu,
      measuredEmu: r.measuredEmu,
    })),
  };
}

/** Runs one task. Throws HeraErrors as the algorithms do (INVALID_ARGUMENT, PRECONDITION). */
export function runSolveTask(task: SolveTask, solver: MilpSolver): SolveOutcome {
  if (task.kind === 'pinned') return pinned(task.set, task.pins);
  // Demand nothing can serve throws InfeasibleDemandError: PRECONDITION, naming the models.
  const cluster = planCluster(task.set, task.demand, { solver, timeLimitMs: task.timeLimitMs });
  return {
    counts: cluster.hera.counts,
    servers: cluster.hera.servers,
    meanEmu: cluster.hera.meanEmu,
    solver: cluster.hera.solver,
    explanation: explainPlan(cluster),
    strategies: cluster.strategies.map(s => ({
      strategy: s.strategy,
      servers: s.servers,
      meanEmu: s.meanEmu,
      solveMs: s.solveMs,
      solver: s.solver,
    })),
    predictor: predictorMessage(explainPredictor(cluster)),
  };
}

/**
 * Exactly the given configurations (ApplyRequest.pinned), valued from the profiles as the
 * matcher values them.
 */
function pinned(set: ProfileSet, pins: readonly { config: string; count: number }[]): SolveOutcome {
  const search = searchPairs(set);
  const counts = pins.map((p, i) => ({
    config: pinnedConfig(search, p.config, `pinned[${i}].config`),
    count: p.count,
  }));
  const servers = counts.reduce((s, c) => s + c.count, 0);
  const explanation: ConfigExplanation[] = counts.map(({ config, count }) => ({
    config: config.id,
    count,
    emu: config.emu,
    predicted: config.predicted,
    basis: describeBasis(config),
    reason: 'pinned by the operator (ApplyRequest.pinned): placed as given, not solved for the demand',
    countReason: `×${count}: as pinned`,
    alternatives: [],
    tenants: config.tenants.map(t => ({ ...t })),
  }));
  return {
    counts,
    servers,
    meanEmu: servers ? counts.reduce((s, c) => s + c.count * c.config.emu, 0) / servers : 0,
    solver: 'pinned',
    explanation,
    strategies: [],
    predictor: predictorMessage(
      checkPredictor(
        { nodeClass: search.nodeClass, models: [...search.profiles.values()], pairs: search.pairProfiles },
        search.options.interference,
      ),
    ),
  };
}
