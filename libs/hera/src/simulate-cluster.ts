import { invalidArgument } from '@hera/errors';
import type { StrategyResult } from './baselines';
import { dedicatedUnits } from './baselines';
import { mapConfigsToNodes, type RegisteredNode } from './node-mapping';
import { planCluster, type ClusterPlan, type ClusterPlanOptions } from './plan';
import type { ProfileSet } from './profile';
import type { Demand } from './required-servers';
import { describeBasis } from './server-config';

/** Largest simulated cluster. */
export const MAX_SIMULATED_NODES = 10_000;

export interface SimulationOptions extends ClusterPlanOptions {
  /** Nodes of the set's node class in the simulated cluster (1..10,000). */
  clusterSize: number;
}

/** One strategy's line of the simulator's table. */
export interface SimulatedStrategy extends Omit<StrategyResult, 'counts'> {
  /** 1 − servers / dedicated servers. */
  serversSavedVsDedicated: number;
  /** Whether the cluster has that many nodes. */
  fitsCluster: boolean;
}

export interface SimulationReport {
  nodeClass: string;
  clusterSize: number;
  demand: Record<string, number>;
  /** Σ_m D_m / QPSmax_m: servers the demand is worth at one model per server, before rounding. */
  dedicatedUnits: number;
  strategies: SimulatedStrategy[];
  /** Hera's configurations and counts, most used first. */
  heraConfigs: { config: string; count: number; emu: number; predicted: boolean; basis: string }[];
  /** Hera's plan mapped onto the simulated nodes. */
  mapping: { placed: number; unplaced: number; idle: number; mapMs: number };
  /** Pair search + required servers, ms (what a re-plan costs). */
  heraSolveMs: number;
  plan: ClusterPlan;
}

/**
 * The cluster simulator behind `hera simulate` and `bench placement`: plans `demand` on a
 * cluster of `clusterSize` identical nodes of the set's class, with Hera and every baseline, and
 * maps Hera's plan onto the simulated nodes. Pure: the caller loads the profile set.
 */
export function simulateCluster(set: ProfileSet, demand: Demand, options: SimulationOptions): SimulationReport {
  const n = options.clusterSize;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SIMULATED_NODES) {
    throw invalidArgument('clusterSize', `must be an integer in 1..${MAX_SIMULATED_NODES}, got ${n}`);
  }
  const plan = planCluster(set, demand, options);
  const dedicated = plan.strategies.find(s => s.strategy === 'dedicated');
  const strategies = plan.strategies.map(({ counts: _counts, ...s }) => ({
    ...s,
    serversSavedVsDedicated: dedicated && dedicated.servers ? 1 - s.servers / dedicated.servers : 0,
    fitsCluster: s.servers <= n,
  }));
  const nodes: RegisteredNode[] = Array.from({ length: n }, (_, i) => ({
    nodeId: `node-${String(i).padStart(5, '0')}`,
    nodeClass: set.nodeClass.name,
    cores: set.nodeClass.cores,
    memoryBytes: set.nodeClass.memoryBytes,
  }));
  const t0 = performance.now();
  const mapped = mapConfigsToNodes(plan.hera.counts, nodes, { nodeClass: set.nodeClass.name });
  const mapMs = performance.now() - t0;
  return {
    nodeClass: set.nodeClass.name,
    clusterSize: n,
    demand: plan.demand,
    dedicatedUnits: dedicatedUnits(plan.search, demand),
    strategies,
    heraConfigs: plan.hera.counts.map(c => ({
      config: c.config.id,
      count: c.count,
      emu: c.config.emu,
      predicted: c.config.predicted,
      basis: describeBasis(c.config),
    })),
    mapping: {
      placed: mapped.assignments.length,
      unplaced: mapped.unplaced.reduce((s, u) => s + u.count, 0),
      idle: mapped.idleNodes.length,
      mapMs,
    },
    heraSolveMs: plan.searchMs + plan.hera.solveMs,
    plan,
  };
}
