import { HeraError, invalidArgument } from '@hera/errors';
import { predictColocated } from './interference';
import { pairConfig, splitAt, type PairSearchResult } from './pair-search';
import { qpsAt, tenantMemoryBytes } from './profile';
import { seededRandom } from './prng';
import { findInfeasibleDemand, InfeasibleDemandError, meanEmu, validateDemand, type ConfigCount, type Demand } from './required-servers';
import { configId, serverConfig, type ServerConfig } from './server-config';

/** The strategies compared on the same profiles and demand (DESIGN §4.4.4). */
export type StrategyName = 'hera' | 'dedicated' | 'random' | 'first-fit';

/** Servers and EMU one strategy needs for a demand. */
export interface StrategyResult {
  strategy: StrategyName;
  servers: number;
  /** Mean over servers of each server's EMU (its capability, Σ QPS^co / QPSmax). */
  meanEmu: number;
  /**
   * Demand carried per server, in dedicated-server units: Σ_m (D_m / QPSmax_m) / servers.
   * Unlike meanEmu it does not reward capacity that no demand uses.
   */
  demandEmu: number;
  solveMs: number;
  /** `milp`, `milp-timeout` or `greedy` for Hera; `baseline` for the others. */
  solver: string;
  counts: ConfigCount[];
  /** True when any server's throughput comes from the solo-profile predictor. */
  predicted: boolean;
  /** Demand left unmet (first-fit only, when its repair loop hits its limit). */
  unmet: { model: string; qps: number }[];
  note?: string;
}

/** Dedicated-server units of a demand: Σ_m D_m / QPSmax_m. */
export function dedicatedUnits(search: PairSearchResult, demand: Demand): number {
  return Object.entries(demand).reduce((s, [m, d]) => s + (d > 0 ? d / search.profiles.get(m)!.qpsMax : 0), 0);
}

function result(
  strategy: StrategyName,
  search: PairSearchResult,
  demand: Demand,
  tally: Map<string, ConfigCount>,
  t0: number,
  extra: Partial<StrategyResult> = {},
): StrategyResult {
  const counts = [...tally.values()].filter(c => c.count > 0).sort((p, q) => q.count - p.count || (p.config.id < q.config.id ? -1 : 1));
  const servers = counts.reduce((s, c) => s + c.count, 0);
  return {
    strategy,
    servers,
    meanEmu: meanEmu(counts),
    demandEmu: servers ? dedicatedUnits(search, demand) / servers : 0,
    solveMs: performance.now() - t0,
    solver: 'baseline',
    counts,
    predicted: counts.some(c => c.config.predicted),
    unmet: [],
    ...extra,
  };
}

function add(tally: Map<string, ConfigCount>, config: ServerConfig, n = 1): void {
  const c = tally.get(config.id);
  if (c) c.count += n;
  else tally.set(config.id, { config, count: n });
}

function checkFeasible(search: PairSearchResult, demand: Demand): void {
  validateDemand(demand, m => search.profiles.get(m)?.qpsMax);
  const infeasible = findInfeasibleDemand(search.dedicated, demand, search.unplaceable);
  if (infeasible.length) throw new InfeasibleDemandError(infeasible);
}

/** Dedicated baseline: one model per server at its knee, ⌈D_m / QPSmax_m⌉ servers per model. */
export function dedicatedBaseline(search: PairSearchResult, demand: Demand): StrategyResult {
  const t0 = performance.now();
  checkFeasible(search, demand);
  const tally = new Map<string, ConfigCount>();
  for (const [m, d] of Object.entries(demand)) {
    if (!(d > 0)) continue;
    const c = search.dedicated.find(x => x.tenants[0]!.model === m)!;
    add(tally, c, Math.ceil((d * (1 - 1e-9)) / c.tenants[0]!.qps));
  }
  return result('dedicated', search, demand, tally, t0);
}

/**
 * Random co-location baseline (seeded): server by server, pick a model with open demand
 * uniformly, then a partner uniformly among the other models with open demand, and give the
 * pair its best split (or a dedicated server when no split fits or no partner is left). It gets
 * Hera's split search but not Hera's partner choice or its "must beat dedicated" rule, so the
 * difference to Hera is the value of choosing partners.
 */
export function randomBaseline(search: PairSearchResult, demand: Demand, options: { seed?: number } = {}): StrategyResult {
  const t0 = performance.now();
  checkFeasible(search, demand);
  const rnd = seededRandom(options.seed ?? 1);
  const remaining = new Map(Object.entries(demand).filter(([, d]) => d > 0));
  const tally = new Map<string, ConfigCount>();
  const pairConfigs = new Map<string, ServerConfig | undefined>();
  const dedicated = new Map(search.dedicated.map(c => [c.tenants[0]!.model, c]));
  // Each server covers at least one model's dedicated share or a positive pair share; cap the
  // loop anyway so a pathological profile fails loudly instead of spinning.
  const cap = 10 * Math.ceil(dedicatedUnits(search, demand)) + 10_000;
  for (let servers = 0; remaining.size; servers++) {
    if (servers > cap) throw new HeraError('INTERNAL', 'random baseline did not converge');
    const open = [...remaining.keys()].sort();
    const a = open[Math.floor(rnd() * open.length)]!;
    const others = open.filter(m => m !== a);
    let config = dedicated.get(a)!;
    if (others.length) {
      const b = others[Math.floor(rnd() * others.length)]!;
      const [x, y] = a < b ? [a, b] : [b, a];
      const key = `${x}+${y}`;
      if (!pairConfigs.has(key)) {
        const ev = search.pairs.find(p => p.a === x && p.b === y);
        const best = ev?.best;
        pairConfigs.set(
          key,
          best && best.qpsA > 0 && best.qpsB > 0
            ? pairConfig(search.profiles.get(x)!, search.profiles.get(y)!, best, ev.kindA, ev.kindB)
            : undefined,
        );
      }
      config = pairConfigs.get(key) ?? config;
    }
    add(tally, config);
    for (const t of config.tenants) {
      const r = remaining.get(t.model);
      if (r === undefined) continue;
      if (r - t.qps <= demand[t.model]! * 1e-9) remaining.delete(t.model);
      else remaining.set(t.model, r - t.qps);
    }
  }
  return result('random', search, demand, tally, t0, { note: `seed ${options.seed ?? 1}` });
}

interface Bin {
  tenants: Map<string, number>;
  freeCores: number;
  freeMemory: number;
}

/**
 * First-fit bin packing by cores: each model is cut into replicas of n*_m workers (its
 * dedicated size) and the replicas are packed first-fit-decreasing by cores (and memory) —
 * interference-blind, as a core-request scheduler would. Two replicas of one model on a node
 * merge into one tenant (tables load once per node). Each packed server's real throughput is
 * then predicted with the same co-location model Hera uses; models left short get more
 * replicas (sized by the throughput their replicas actually achieved) and everything is
 * repacked, up to `maxRounds` times. Demand still unmet after that is reported in `unmet`.
 */
export function firstFitBaseline(search: PairSearchResult, demand: Demand, options: { maxRounds?: number } = {}): StrategyResult {
  const t0 = performance.now();
  checkFeasible(search, demand);
  const maxRounds = options.maxRounds ?? 50;
  if (!(maxRounds >= 1)) throw invalidArgument('maxRounds', `must be ≥ 1, got ${maxRounds}`);
  const node = search.nodeClass;
  const memoryLimit = node.memoryBytes - search.options.reservedMemoryBytes;
  const models = Object.keys(demand).filter(m => demand[m]! > 0).sort();
  const size = new Map(models.map(m => [m, search.dedicated.find(c => c.tenants[0]!.model === m)!.tenants[0]!.workers]));
  const replicas = new Map(models.map(m => [m, Math.ceil((demand[m]! * (1 - 1e-9)) / search.profiles.get(m)!.qpsMax)]));
  let tally = new Map<string, ConfigCount>();
  let unmet: { model: string; qps: number }[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const items = models.flatMap(m => Array.from({ length: replicas.get(m)! }, () => m));
    items.sort((x, y) => size.get(y)! - size.get(x)! || (x < y ? -1 : x > y ? 1 : 0));
    const bins = packFirstFit(search, items, size, memoryLimit);
    tally = new Map();
    const cache = new Map<string, ServerConfig>();
    const capacity = new Map(models.map(m => [m, 0]));
    for (const b of bins) {
      const config = binConfig(search, b, cache);
      add(tally, config);
      for (const t of config.tenants) capacity.set(t.model, capacity.get(t.model)! + t.qps);
    }
    unmet = models.filter(m => capacity.get(m)! < demand[m]! * (1 - 1e-9)).map(m => ({ model: m, qps: demand[m]! - capacity.get(m)! }));
    if (!unmet.length) break;
    for (const u of unmet) {
      const perReplica = capacity.get(u.model)! / replicas.get(u.model)!;
      replicas.set(u.model, replicas.get(u.model)! + Math.max(1, Math.ceil(u.qps / Math.max(perReplica, 1e-12))));
    }
  }
  return result('first-fit', search, demand, tally, t0, unmet.length ? { unmet, note: `demand unmet after ${maxRounds} repacking rounds` } : {});
}

/**
 * First-fit: each item goes to the lowest-numbered bin with enough free cores and memory.
 * Bins are indexed by their free-core count so a 10,000-node packing stays fast; within a
 * free-core list bins stay in creation order, so the earliest fitting bin is the first one
 * (over all lists with enough cores) whose memory also fits.
 */
function packFirstFit(
  search: PairSearchResult,
  items: readonly string[],
  size: ReadonlyMap<string, number>,
  memoryLimit: number,
): Bin[] {
  const cores = search.nodeClass.cores;
  const bins: Bin[] = [];
  const byFree: number[][] = Array.from({ length: cores + 1 }, () => []);
  const insertSorted = (list: number[], v: number) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, v);
  };
  for (const m of items) {
    const p = search.profiles.get(m)!;
    const w = size.get(m)!;
    let chosen = -1;
    for (let c = w; c <= cores; c++) {
      const list = byFree[c]!;
      for (const i of list) {
        if (chosen >= 0 && i > chosen) break;
        const b = bins[i]!;
        const had = b.tenants.get(m) ?? 0;
        if (b.freeMemory >= tenantMemoryBytes(p, had + w) - tenantMemoryBytes(p, had)) {
          chosen = i;
          break;
        }
      }
    }
    if (chosen < 0) {
      bins.push({ tenants: new Map([[m, w]]), freeCores: cores - w, freeMemory: memoryLimit - tenantMemoryBytes(p, w) });
      insertSorted(byFree[cores - w]!, bins.length - 1);
      continue;
    }
    const b = bins[chosen]!;
    const list = byFree[b.freeCores]!;
    list.splice(list.indexOf(chosen), 1);
    const had = b.tenants.get(m) ?? 0;
    b.freeMemory -= tenantMemoryBytes(p, had + w) - tenantMemoryBytes(p, had);
    b.tenants.set(m, had + w);
    b.freeCores -= w;
    insertSorted(byFree[b.freeCores]!, chosen);
  }
  return bins;
}

/** The configuration of one packed bin, with throughput from the co-location model. */
function binConfig(search: PairSearchResult, bin: Bin, cache: Map<string, ServerConfig>): ServerConfig {
  const entries = [...bin.tenants.entries()].sort(([x], [y]) => (x < y ? -1 : 1));
  const id = configId(entries.map(([model, workers]) => ({ model, workers })));
  let config = cache.get(id);
  if (!config) {
    config = evaluateBin(search, entries, id);
    cache.set(id, config);
  }
  return config;
}

function evaluateBin(search: PairSearchResult, entries: readonly [string, number][], id: string): ServerConfig {
  const kindOf = (m: string) => search.kinds.get(m)!.kind;
  if (entries.length === 1) {
    const [model, workers] = entries[0]!;
    const p = search.profiles.get(model)!;
    return serverConfig([{ profile: p, workers, qps: qpsAt(p, workers), kind: kindOf(model) }], 'solo-profile');
  }
  if (entries.length === 2) {
    // Measured where the profiler measured this split, predicted (and calibrated) elsewhere.
    const [[a, na], [b, nb]] = entries as [[string, number], [string, number]];
    const s = splitAt(search, a, na, b, nb);
    if (s) return pairConfig(search.profiles.get(a)!, search.profiles.get(b)!, s, kindOf(a), kindOf(b));
  }
  const tenants = entries.map(([model, workers]) => ({ profile: search.profiles.get(model)!, workers }));
  const pred = predictColocated(tenants, search.nodeClass, search.options.interference);
  const config = serverConfig(tenants.map((t, i) => ({ ...t, qps: pred.qps[i]!, kind: kindOf(t.profile.model) })), 'predicted');
  if (config.id !== id) throw new HeraError('INTERNAL', `bin ${id} evaluated as ${config.id}`);
  return config;
}
