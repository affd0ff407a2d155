import { dedicatedBaseline, dedicatedUnits, firstFitBaseline, randomBaseline, type StrategyResult } from './baselines';
import { searchPairs, type PairEvaluation, type PairSearchOptions, type PairSearchResult } from './pair-search';
import type { ModelKind, ProfileSet } from './profile';
import { meanEmu, solveRequiredServers, validateDemand, type Demand, type RequiredServers, type RequiredServersOptions } from './required-servers';
import type { ServerConfig } from './server-config';

export interface ClusterPlanOptions extends Omit<RequiredServersOptions, 'unplaceable'> {
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
 * Throws InfeasibleDemandError (PRECONDITION) naming every model whose demand no
 * configuration can serve; INVALID_ARGUMENT for a malformed demand.
 */
export function planCluster(set: ProfileSet, demand: Demand, options: ClusterPlanOptions = {}): ClusterPlan {
  validateDemand(demand);
  const t0 = performance.now();
  const search = options.search ?? searchPairs(set, options.pairSearch);
  validateDemand(demand, m => search.profiles.get(m)?.qpsMax);
  const searchMs = options.search ? 0 : performance.now() - t0;
  const required = solveRequiredServers(search.candidates, demand, {
    ...(options.solver ? { solver: options.solver } : {}),
    ...(options.timeLimitMs === undefined ? {} : { timeLimitMs: options.timeLimitMs }),
    unplaceable: search.unplaceable,
  });
  const units = dedicatedUnits(search, demand);
  const hera = { ...required, meanEmu: meanEmu(required.counts), demandEmu: required.servers ? units / required.servers : 0 };
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
      firstFitBaseline(search, demand, options.firstFitMaxRounds === undefined ? {} : { maxRounds: options.firstFitMaxRounds }),
    );
  }
  return { nodeClass: set.nodeClass.name, demand: { ...demand }, search, searchMs, hera, strategies };
}

/** Why a configuration is in the plan (the shape of hera.placement.v1.ConfigExplanation). */
export interface ConfigExplanation {
  config: string;
  count: number;
  emu: number;
  predicted: boolean;
  reason: string;
  alternatives: { config: string; emu: number; whyNot: string }[];
  tenants: { model: string; workers: number; qps: number; qpsMax: number; kind: ModelKind }[];
}

const f3 = (x: number) => x.toFixed(3);

/**
 * Explains every configuration Hera uses: its EMU, whether measured or predicted, the reason
 * it was chosen and the alternatives it beat (other splits of the same pair, other partners of
 * its models, and for dedicated servers the pairs that were rejected and why).
 */
export function explainPlan(plan: ClusterPlan, maxAlternatives = 5): ConfigExplanation[] {
  const { search } = plan;
  const used = new Set(plan.hera.counts.map(c => c.config.id));
  const pairId = (p: PairEvaluation, wa: number, wb: number) => `${p.a}:${wa}+${p.b}:${wb}`;
  const partnerAlternatives = (model: string, except?: PairEvaluation) =>
    search.pairs
      .filter(p => p !== except && (p.a === model || p.b === model) && p.best)
      .sort((x, y) => y.best!.emu - x.best!.emu)
      .map(p => ({
        config: pairId(p, p.best!.workersA, p.best!.workersB),
        emu: p.best!.emu,
        whyNot: p.accepted ? (used.has(p.config!.id) ? 'also used' : 'accepted, but the optimal cover did not need it') : p.reason,
      }));
  return plan.hera.counts.map(({ config, count }) => {
    const tenants = config.tenants.map(t => ({ model: t.model, workers: t.workers, qps: t.qps, qpsMax: t.qpsMax, kind: t.kind }));
    const base = { config: config.id, count, emu: config.emu, predicted: config.predicted, tenants };
    if (config.kind === 'pair') {
      const [x, y] = config.tenants as [ServerConfig['tenants'][0], ServerConfig['tenants'][0]];
      const ev = search.pairs.find(p => p.a === x.model && p.b === y.model)!;
      const alternatives = [
        ...ev.runnersUp.map(s => ({
          config: pairId(ev, s.workersA, s.workersB),
          emu: s.emu,
          whyNot: `lower EMU than the chosen split (${f3(s.emu)} < ${f3(config.emu)})`,
        })),
        ...partnerAlternatives(x.model, ev),
        ...partnerAlternatives(y.model, ev),
      ].slice(0, maxAlternatives);
      return { ...base, reason: `${x.kind} ${x.model} with ${y.kind} ${y.model}: ${ev.reason}`, alternatives };
    }
    const t = config.tenants[0]!;
    const profile = search.profiles.get(t.model)!;
    const accepted = search.pairs.filter(p => p.accepted && (p.a === t.model || p.b === t.model));
    const reason =
      t.workers === profile.knee
        ? `${t.model} (${t.kind}) alone at its knee n* = ${t.workers} serves QPSmax ${f3(t.qps)}; ${
            accepted.length ? 'the remaining demand was cheaper on dedicated servers than on its accepted pairs' : 'no partner beats two dedicated servers'
          }`
        : `${t.model} alone with ${t.workers} workers (memory does not allow its knee n* = ${profile.knee})`;
    return { ...base, reason, alternatives: partnerAlternatives(t.model).slice(0, maxAlternatives) };
  });
}
