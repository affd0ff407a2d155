import { dedicatedBaseline, dedicatedUnits, firstFitBaseline, randomBaseline, type StrategyResult } from './baselines';
import { searchPairs, type PairSearchOptions, type PairSearchResult } from './pair-search';
import type { ProfileSet } from './profile';
import {
  meanEmu,
  solveRequiredServers,
  validateDemand,
  type Demand,
  type RequiredServers,
  type RequiredServersOptions,
} from './required-servers';

/**
 * `timeLimitMs` (default 800 ms) bounds the whole Hera solve — pair search and required
 * servers — measured by `now` (default `performance.now`); the baselines are comparisons and
 * run outside it.
 */
export interface ClusterPlanOptions extends Omit<RequiredServersOptions, 'unplaceable' | 'startedAt'> {
  pairSearch?: PairSearchOptions;
  /** A search already done for this profile set and options (saves recomputing it per plan). */
  search?: PairSearchResult;
  /** Seed of the random co-location baseline. Default 1. */
  seed?: number;
  /** Also compute the baselines. Default true. */
  baselines?: boolean;
  /** Repacking rounds of the first-fit baseline. Default 50. */
  firstFitMaxRounds?: number;
}

/** Hera's answer for a demand, and the baselines' on the same inputs. */
export interface ClusterPlan {
  nodeClass: string;
  demand: Record<string, number>;
  /** The whole profile set planned with (the search sees only the demanded models of it). */
  set: ProfileSet;
  search: PairSearchResult;
  /** Wall time of the pair search, ms (0 when a search was passed in). */
  searchMs: number;
  /** Hera's required servers (DESIGN §4.4.3). */
  hera: RequiredServers & { meanEmu: number; demandEmu: number };
  /** Hera first, then dedicated, random and first-fit (when baselines are on). */
  strategies: StrategyResult[];
}

/**
 * The matcher end to end, without touching nodes: pair search, required servers for the
 * demand (MILP with greedy fallback), and the baselines on the same profiles and demand.
 * The pair search and the solve share one time limit (`timeLimitMs`, by `now`): the solve gets
 * what the search left, and when the search alone used it up the solve still returns its
 * fallback cover at once (`milp-timeout`, the note says so). Deterministic: the same input gives
 * the same plan on any machine fast enough to finish the solve's phases within the limit.
 * Throws InfeasibleDemandError (PRECONDITION) naming every model whose demand no
 * configuration can serve; INVALID_ARGUMENT for a malformed demand.
 */
export function planCluster(set: ProfileSet, demand: Demand, options: ClusterPlanOptions = {}): ClusterPlan {
  validateDemand(demand);
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  // Only demanded models take part: a pair with an undemanded partner would run it for nothing.
  const demanded = (m: string) => (demand[m] ?? 0) > 0;
  const search =
    options.search ??
    searchPairs(
      {
        ...set,
        models: set.models.filter(p => demanded(p.model)),
        pairs: set.pairs.filter(p => demanded(p.a) && demanded(p.b)),
      },
      options.pairSearch,
    );
  validateDemand(demand, m => search.profiles.get(m)?.qpsMax);
  const searchMs = options.search ? 0 : now() - t0;
  const required = solveRequiredServers(search.candidates, demand, {
    ...(options.solver ? { solver: options.solver } : {}),
    ...(options.timeLimitMs === undefined ? {} : { timeLimitMs: options.timeLimitMs }),
    now,
    startedAt: t0,
    unplaceable: search.unplaceable,
  });
  const units = dedicatedUnits(search, demand);
  const hera = {
    ...required,
    meanEmu: meanEmu(required.counts),
    demandEmu: required.servers ? units / required.servers : 0,
  };
  const strategies: StrategyResult[] = [
    {
      strategy: 'hera',
      servers: hera.servers,
      meanEmu: hera.meanEmu,
      demandEmu: hera.demandEmu,
      solveMs: searchMs + hera.solveMs,
      solver: hera.solver,
      counts: hera.counts,
      predicted: hera.counts.some(c => c.config.predicted),
      unmet: [],
      ...(hera.note === undefined ? {} : { note: hera.note }),
    },
  ];
  if (options.baselines ?? true) {
    strategies.push(
      dedicatedBaseline(search, demand),
      randomBaseline(search, demand, { seed: options.seed ?? 1 }),
      firstFitBaseline(
        search,
        demand,
        options.firstFitMaxRounds === undefined ? {} : { maxRounds: options.firstFitMaxRounds },
      ),
    );
  }
  return { nodeClass: set.nodeClass.name, demand: { ...demand }, set, search, searchMs, hera, strategies };
}
