import { HeraError, invalidArgument } from '@hera/errors';
import { mulberry32 } from '@hera/stats';
import { predictColocated } from './interference';
import { pairConfig, splitAt, type PairSearchResult } from './pair-search';
import { qpsAt, tenantMemoryBytes } from './profile';
import {
  findInfeasibleDemand,
  InfeasibleDemandError,
  meanEmu,
  validateDemand,
  type ConfigCount,
  type Demand,
} from './required-servers';
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
  const counts = [...tally.values()]
    .filter(c => c.count > 0)
    .sort((p, q) => q.count - p.count || (p.config.id < q.config.id ? -1 : 1));
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

/** One cell (a, b, nA) of the random baseline: its server and the QPS it gives models a and b (by index). */
interface Cell {
  config: ServerConfig;
  a: number;
  qpsA: number;
  b: number;
  qpsB: number;
}

/** Rounds the random baseline may take (it needs about models × log2(servers)); a guard, not a knob. */
const RANDOM_MAX_ROUNDS = 100_000;

/**
 * Random co-location baseline (seeded; DESIGN §4.4.4): random partners at random splits, with
 * neither Hera's partner choice nor its split search. The process it samples, server by server:
 * draw a model `a` uniformly among the models with open (unmet) demand, a partner `b` uniformly
 * among the other open models, and a split nA uniform in 1..N−1, nB = N − nA (N = the node's
 * cores: a random co-location fills the node). The server runs `a:nA + b:nB` at the throughput
 * {@link splitAt} gives (measured where the profiler measured that split, predicted and calibrated
 * elsewhere); when that split does not fit the node's memory or a tenant would serve nothing at
 * its worker count, the server is a dedicated server of `a` (its knee configuration) instead.
 * Once a single model is open, its remaining demand R gets ⌈R / QPSmax⌉ dedicated servers. A
 * model is closed when its remaining demand is at most 1e-9 of its demand, so every demand is met.
 *
 * Count-based: servers are drawn in rounds, never one at a time, so time and memory do not grow
 * with the number of servers. With k ≥ 2 open models each of the k(k−1)(N−1) cells (a, b, nA)
 * is equally likely for every server. Let c_m be model m's expected QPS per server over the
 * cells and t = min_m R_m / c_m the servers that would close the first model in expectation. A
 * round draws B = max(1, ⌊t/2⌋) servers by seeded stratified sampling: every cell gets
 * ⌊B / cells⌋ of them and the B mod cells left over go to distinct cells drawn without
 * replacement (a partial Fisher–Yates shuffle on `mulberry32(seed)`); then remaining demand is
 * updated and closed models leave the open set. The model nearest to closing has about half its
 * need left after a round, so a run takes about k · log2(servers) rounds of O(k² · N) work
 * (cells are evaluated once per pair); near the end rounds draw single servers, exactly like the
 * server-by-server process. Within a round the open set does not change, which is where batches
 * differ from that process: a model whose share of a round comes out well above its expectation
 * (B/2 of what the nearest-to-closing model needs) can get more than it still needed, where the
 * one-by-one process would have stopped drawing it. Same seed, same answer on any machine.
 */
export function randomBaseline(
  search: PairSearchResult,
  demand: Demand,
  options: { seed?: number } = {},
): StrategyResult {
  const t0 = performance.now();
  checkFeasible(search, demand);
  const seed = options.seed ?? 1;
  const rnd = mulberry32(seed);
  const cores = search.nodeClass.cores;
  const dedicated = new Map(search.dedicated.map(c => [c.tenants[0]!.model, c]));
  const kindOf = (m: string) => search.kinds.get(m)!.kind;
  const models = Object.keys(demand)
    .filter(m => demand[m]! > 0)
    .sort();
  const remaining = models.map(m => demand[m]!);
  const closedBelow = models.map(m => demand[m]! * 1e-9);
  const tally = new Map<string, ConfigCount>();
  // The server each cell (a, b, nA) puts on a node — the pair at that split, or a dedicated `a`
  // — with the QPS it gives each tenant, by model index; built when the pair is first open.
  // A one-core node has no split: every cell of such a node is a dedicated server of `a`.
  const splits = cores >= 2 ? Array.from({ length: cores - 1 }, (_, i) => i + 1) : [0];
  const cellTable = new Map<number, Cell[]>();
  const cellsOf = (i: number, j: number): Cell[] => {
    const key = i * models.length + j;
    let cells = cellTable.get(key);
    if (!cells) {
      const [a, b] = [models[i]!, models[j]!];
      cells = splits.map(nA => {
        const s = nA >= 1 ? splitAt(search, a, nA, b, cores - nA) : undefined;
        if (!s) return { config: dedicated.get(a)!, a: i, qpsA: dedicated.get(a)!.tenants[0]!.qps, b: j, qpsB: 0 };
        return {
          config: pairConfig(search.profiles.get(a)!, search.profiles.get(b)!, s, kindOf(a), kindOf(b)),
          a: i,
          qpsA: s.qpsA,
          b: j,
          qpsB: s.qpsB,
        };
      });
      cellTable.set(key, cells);
    }
    return cells;
  };
  let open = models.map((_, i) => i);
  for (let round = 1; open.length; round++) {
    if (round > RANDOM_MAX_ROUNDS) throw new HeraError('INTERNAL', 'random baseline did not converge');
    if (open.length === 1) {
      const i = open[0]!;
      const config = dedicated.get(models[i]!)!;
      const q = config.tenants[0]!.qps;
      const r = remaining[i]!;
      let n = Math.max(1, Math.ceil((r - closedBelow[i]!) / q));
      while (r - n * q > closedBelow[i]!) n++;
      add(tally, config, n);
      break;
    }
    const cells: Cell[] = [];
    for (const i of open) for (const j of open) if (i !== j) cells.push(...cellsOf(i, j));
    const perServer = new Float64Array(models.length);
    for (const c of cells) {
      perServer[c.a]! += c.qpsA;
      perServer[c.b]! += c.qpsB;
    }
    let t = Infinity;
    for (const i of open) {
      if (!(perServer[i]! > 0)) throw new HeraError('INTERNAL', `random baseline: no cell serves ${models[i]}`);
      t = Math.min(t, remaining[i]! / (perServer[i]! / cells.length));
    }
    const batch = Math.max(1, Math.floor(t / 2));
    const each = Math.floor(batch / cells.length);
    const counts = new Array<number>(cells.length).fill(each);
    const extra = batch - each * cells.length;
    if (extra > 0) {
      const order = Array.from(cells.keys());
      for (let k = 0; k < extra; k++) {
        const pick = k + Math.floor(rnd() * (order.length - k));
        [order[k], order[pick]] = [order[pick]!, order[k]!];
        counts[order[k]!]! += 1;
      }
    }
    cells.forEach((c, k) => {
      const n = counts[k]!;
      if (!n) return;
      add(tally, c.config, n);
      remaining[c.a]! -= n * c.qpsA;
      remaining[c.b]! -= n * c.qpsB;
    });
    open = open.filter(i => remaining[i]! > closedBelow[i]!);
  }
  return result('random', search, demand, tally, t0, { note: `seed ${seed}` });
}

/**
 * Most replicas the repair loop gives one model: more never helps a model whose replicas serve
 * (almost) nothing, and it keeps every count and position an exact integer in a double.
 */
const MAX_REPLICAS = 2 ** 40;

/**
 * First-fit decreasing as a resource-request bin packer (e.g. Kubernetes with requests) does it
 * (DESIGN §4.4.4), blind to interference and mixing models on nodes. Each model's replicas are
 * items sized by the cores and memory of its dedicated configuration at the knee (cores n*_m,
 * memory `tenantMemoryBytes(p, n*_m)`), ⌈D_m / QPSmax_m⌉ of them to start with. Items are taken in
 * decreasing order of cores, then of memory; replicas of equal size (cores and memory) from
 * different models are interleaved round-robin in model-name order (a, b, c, a, b, c, …; when
 * one model runs out the others continue). Each item goes to the lowest-index node with enough
 * free cores and free memory (the node's memory less `reservedMemoryBytes`), or to a new node.
 * Two replicas of one model on a node merge into one tenant (its tables load once, so the second
 * adds `tenantMemoryBytes(p, had + w) − tenantMemoryBytes(p, had)`). Each packed node's throughput
 * is then evaluated as it runs: one tenant at its solo QPS(workers) (merged replicas may exceed
 * the knee), two at `splitAt` (measured or predicted), three or more with the co-location
 * predictor (basis `predicted`). Models left short get more replicas (sized by the throughput
 * their replicas actually achieved) and everything is repacked, up to `maxRounds` times
 * (default 50). Demand still unmet after that is reported in `unmet`.
 *
 * Count-based: there is no array or loop with one element per replica or per node. Items of one
 * size fill nodes in order — each node with room takes ⌊free / size⌋ consecutive items of the
 * round-robin sequence before the next node gets any — so a run of identical nodes (in creation
 * order) takes a window of that periodic sequence per node, and node i's window starts at
 * residue s + i·c (mod k): node contents repeat with period k / gcd(k, c). Nodes are kept as such
 * runs, each a common base plus one periodic window per size class; a run is split only where
 * the sequence changes (a model runs out) or a size class ends, so the number of runs grows with
 * models and classes, not with replicas, and a run's distinct nodes are enumerated over the
 * least common multiple of its windows' periods (at most Landau's g(models)). Time and memory do
 * not depend on the demand's magnitude.
 *
 * Memory. The packing is first done on cores alone. When every node it produces fits in memory
 * (tables counted once per node), that is exactly the packing the memory-checking definition
 * above gives: node contents only grow, so the node first-fit picks on cores passed the memory
 * check too. When some node would not fit, the packing is redone with each replica charged its
 * full memory request `tenantMemoryBytes(p, n*_m)`, as a resource-request scheduler (which does
 * not know two replicas share tables) would: a conservative simplification — no node ever
 * exceeds its memory, though merged replicas would have needed less and merge-aware first-fit
 * might have used fewer nodes. The result's note says when that happened.
 */
export function firstFitBaseline(
  search: PairSearchResult,
  demand: Demand,
  options: { maxRounds?: number } = {},
): StrategyResult {
  const t0 = performance.now();
  checkFeasible(search, demand);
  const maxRounds = options.maxRounds ?? 50;
  if (!(maxRounds >= 1)) throw invalidArgument('maxRounds', `must be ≥ 1, got ${maxRounds}`);
  const cores = search.nodeClass.cores;
  const memoryLimit = search.nodeClass.memoryBytes - search.options.reservedMemoryBytes;
  const models = Object.keys(demand)
    .filter(m => demand[m]! > 0)
    .sort();
  const size = new Map(
    models.map(m => [m, search.dedicated.find(c => c.tenants[0]!.model === m)!.tenants[0]!.workers]),
  );
  const classes = sizeClasses(search, models, size);
  const replicas = new Map(models.map(m => [m, Math.ceil((demand[m]! * (1 - 1e-9)) / search.profiles.get(m)!.qpsMax)]));
  let tally = new Map<string, ConfigCount>();
  let unmet: { model: string; qps: number }[] = [];
  let charged = false;
  for (let round = 0; round < maxRounds; round++) {
    let runs = packRuns(classes, replicas, cores, memoryLimit, false);
    charged = !runs.every(run =>
      [...nodeTypes(run)].every(([content]) => nodeMemory(search, content, size) <= memoryLimit),
    );
    if (charged) runs = packRuns(classes, replicas, cores, memoryLimit, true);
    tally = new Map();
    const cache = new Map<string, ServerConfig>();
    const capacity = new Map(models.map(m => [m, 0]));
    for (const run of runs) {
      for (const [content, n] of nodeTypes(run)) {
        const entries = [...content.entries()]
          .map(([m, items]): [string, number] => [m, items * size.get(m)!])
          .sort(([x], [y]) => (x < y ? -1 : 1));
        const config = binConfig(search, entries, cache);
        add(tally, config, n);
        for (const t of config.tenants) capacity.set(t.model, capacity.get(t.model)! + n * t.qps);
      }
    }
    unmet = models
      .filter(m => capacity.get(m)! < demand[m]! * (1 - 1e-9))
      .map(m => ({ model: m, qps: demand[m]! - capacity.get(m)! }));
    if (!unmet.length) break;
    for (const u of unmet) {
      const had = replicas.get(u.model)!;
      const perReplica = capacity.get(u.model)! / had;
      const more = Math.max(1, Math.ceil((u.qps / Math.max(perReplica, 1e-12)) * (1 - 1e-9)));
      replicas.set(u.model, Math.min(MAX_REPLICAS, had + more));
    }
  }
  const notes = [
    ...(charged ? ['memory binds: each replica is charged its full memory request (tables not shared)'] : []),
    ...(unmet.length ? [`demand unmet after ${maxRounds} repacking rounds`] : []),
  ];
  return result('first-fit', search, demand, tally, t0, {
    ...(unmet.length ? { unmet } : {}),
    ...(notes.length ? { note: notes.join('; ') } : {}),
  });
}

/** Replicas of equal cores and memory: taken round-robin over `models` (name order). */
interface SizeClass {
  cores: number;
  memory: number;
  models: string[];
}

/** The size classes of the replicas, in first-fit-decreasing order: cores, then memory, decreasing. */
function sizeClasses(
  search: PairSearchResult,
  models: readonly string[],
  size: ReadonlyMap<string, number>,
): SizeClass[] {
  const classes = new Map<string, SizeClass>();
  for (const m of models) {
    const w = size.get(m)!;
    const memory = tenantMemoryBytes(search.profiles.get(m)!, w);
    const key = `${w}/${memory}`;
    const c = classes.get(key);
    if (c) c.models.push(m);
    else classes.set(key, { cores: w, memory, models: [m] });
  }
  return [...classes.values()].sort((x, y) => y.cores - x.cores || y.memory - x.memory);
}

/** Memory a node with `content` (replicas per model) needs, each model's tables loaded once. */
function nodeMemory(
  search: PairSearchResult,
  content: ReadonlyMap<string, number>,
  size: ReadonlyMap<string, number>,
): number {
  let bytes = 0;
  for (const [m, items] of content) bytes += tenantMemoryBytes(search.profiles.get(m)!, items * size.get(m)!);
  return bytes;
}

/**
 * The items one periodic window gives each node of a run: node i gets `take` consecutive items
 * of a round-robin over `models`, starting at residue (start + i · take) mod k.
 */
interface Window {
  models: readonly string[];
  start: number;
  take: number;
}

/**
 * `count` consecutive nodes (creation order). Node i holds `base` plus, for every window, the
 * items of that window at i (replicas per model). All nodes of a run have the same free cores and
 * the same charged memory, since each took the same number of items of each size class.
 */
interface NodeRun {
  count: number;
  base: ReadonlyMap<string, number>;
  windows: readonly Window[];
  freeCores: number;
  /** Memory left when each replica is charged its full request (used only when memory binds). */
  freeMemory: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Nodes after which a window's contents repeat. */
function windowPeriod(w: Window): number {
  const k = w.models.length;
  return k / gcd(k, w.take % k);
}

/** Residue of the first item node i of a run gets from window w. */
function windowStart(w: Window, i: number): number {
  const k = w.models.length;
  return (w.start + (i % k) * (w.take % k)) % k;
}

/** Adds to `into` the items of a round-robin over `models` from residue `start`, `take` long. */
function addWindow(into: Map<string, number>, models: readonly string[], start: number, take: number): void {
  const k = models.length;
  const full = Math.floor(take / k);
  const extra = take - full * k;
  for (let j = 0; j < k; j++) {
    const n = full + ((j - start + k) % k < extra ? 1 : 0);
    if (n) into.set(models[j]!, (into.get(models[j]!) ?? 0) + n);
  }
}

/** Contents of node i of a run (replicas per model). */
function nodeAt(run: NodeRun, i: number): Map<string, number> {
  const content = new Map(run.base);
  for (const w of run.windows) addWindow(content, w.models, windowStart(w, i), w.take);
  return content;
}

/** Nodes from..from+count−1 of a run, as a run. */
function sliceRun(run: NodeRun, from: number, count: number): NodeRun {
  return { ...run, count, windows: run.windows.map(w => ({ ...w, start: windowStart(w, from) })) };
}

/** The distinct nodes of a run with how many nodes of the run are like each (Σ = count). */
function* nodeTypes(run: NodeRun): Generator<[Map<string, number>, number]> {
  const period = run.windows.reduce((l, w) => {
    const p = windowPeriod(w);
    return (l / gcd(l, p)) * p;
  }, 1);
  const distinct = Math.min(period, run.count);
  for (let i = 0; i < distinct; i++) yield [nodeAt(run, i), Math.floor((run.count - 1 - i) / period) + 1];
}

/**
 * One size class's items in round-robin order, consumed front to back. The sequence is a list
 * of phases: while every model has items left they take turns; when the model with the fewest
 * runs out, the others continue, and so on.
 */
class RoundRobin {
  private readonly phases: { models: readonly string[]; length: number }[] = [];
  private phase = 0;
  private pos = 0;
  /** Items not yet consumed. */
  left = 0;

  constructor(models: readonly string[], counts: ReadonlyMap<string, number>) {
    const levels = [...new Set(models.map(m => counts.get(m)!).filter(n => n > 0))].sort((x, y) => x - y);
    let previous = 0;
    for (const level of levels) {
      const active = models.filter(m => counts.get(m)! >= level);
      const length = active.length * (level - previous);
      this.phases.push({ models: active, length });
      this.left += length;
      previous = level;
    }
  }

  /** How many nodes taking `c` items each the current phase fills completely. */
  wholeNodes(c: number): number {
    return this.left > 0 ? Math.floor((this.phases[this.phase]!.length - this.pos) / c) : 0;
  }

  /** Consumes `nodes` × `c` items within the current phase; the window they form. */
  takeNodes(nodes: number, c: number): Window {
    const ph = this.phases[this.phase]!;
    const w = { models: ph.models, start: this.pos % ph.models.length, take: c };
    this.advance(nodes * c);
    return w;
  }

  /** Consumes `n` items (possibly across phases), adding them to `into`. */
  takeItems(n: number, into: Map<string, number>): void {
    while (n > 0) {
      const ph = this.phases[this.phase]!;
      const m = Math.min(n, ph.length - this.pos);
      addWindow(into, ph.models, this.pos % ph.models.length, m);
      this.advance(m);
      n -= m;
    }
  }

  private advance(n: number): void {
    this.pos += n;
    this.left -= n;
    if (this.pos === this.phases[this.phase]!.length) {
      this.phase++;
      this.pos = 0;
    }
  }
}

/**
 * First-fit of every size class, largest first, over runs of nodes. With `chargeMemory`, each
 * replica also uses its class's full memory request; otherwise memory is not checked here (the
 * caller checks the result).
 */
function packRuns(
  classes: readonly SizeClass[],
  replicas: ReadonlyMap<string, number>,
  cores: number,
  memoryLimit: number,
  chargeMemory: boolean,
): NodeRun[] {
  let runs: NodeRun[] = [];
  for (const cls of classes) {
    const items = new RoundRobin(cls.models, replicas);
    const perNode = (run: NodeRun) =>
      Math.min(
        Math.floor(run.freeCores / cls.cores),
        chargeMemory && cls.memory > 0 ? Math.floor(run.freeMemory / cls.memory) : Infinity,
      );
    const next: NodeRun[] = [];
    for (const run of runs) {
      const c = items.left > 0 ? perNode(run) : 0;
      if (c > 0) fillRun(run, c, cls, items, next);
      else next.push(run);
    }
    if (items.left > 0) {
      const empty: NodeRun = {
        count: Infinity,
        base: new Map(),
        windows: [],
        freeCores: cores,
        freeMemory: memoryLimit,
      };
      const c = perNode(empty);
      if (!(c >= 1))
        throw new HeraError('INTERNAL', `first-fit: a ${cls.models.join('/')} replica does not fit an empty node`);
      fillRun(empty, c, cls, items, next);
    }
    runs = next;
  }
  return runs;
}

/**
 * Fills the nodes of `run` in order, each with `c` items of the class (fewer for the last node
 * if the items run out), appending the resulting runs to `out`. An infinite run stands for the
 * new nodes first-fit opens at the end.
 */
function fillRun(run: NodeRun, c: number, cls: SizeClass, items: RoundRobin, out: NodeRun[]): void {
  let offset = 0;
  while (offset < run.count && items.left > 0) {
    const whole = Math.min(run.count - offset, items.wholeNodes(c));
    if (whole > 0) {
      const w = items.takeNodes(whole, c);
      out.push(withWindow(sliceRun(run, offset, whole), w, cls));
      offset += whole;
    } else {
      // One node whose items span a phase boundary, or the last items of the class.
      const take = Math.min(c, items.left);
      const base = nodeAt(run, offset);
      items.takeItems(take, base);
      out.push({
        count: 1,
        base,
        windows: [],
        freeCores: run.freeCores - take * cls.cores,
        freeMemory: run.freeMemory - take * cls.memory,
      });
      offset += 1;
    }
  }
  if (offset < run.count && Number.isFinite(run.count)) out.push(sliceRun(run, offset, run.count - offset));
}

/** A run whose every node took `w.take` items of the class as window `w`. */
function withWindow(run: NodeRun, w: Window, cls: SizeClass): NodeRun {
  const freeCores = run.freeCores - w.take * cls.cores;
  const freeMemory = run.freeMemory - w.take * cls.memory;
  if (run.count === 1 || windowPeriod(w) === 1) {
    // Every node gets the same items: fold them into the base.
    const single = run.count === 1;
    const base = single ? nodeAt(run, 0) : new Map(run.base);
    addWindow(base, w.models, w.start, w.take);
    return { count: run.count, base, windows: single ? [] : run.windows, freeCores, freeMemory };
  }
  return { ...run, windows: [...run.windows, w], freeCores, freeMemory };
}

/** The configuration of one packed node (tenants sorted by model), with throughput as it runs. */
function binConfig(
  search: PairSearchResult,
  entries: readonly [string, number][],
  cache: Map<string, ServerConfig>,
): ServerConfig {
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
  const config = serverConfig(
    tenants.map((t, i) => ({ ...t, qps: pred.qps[i]!, kind: kindOf(t.profile.model) })),
    'predicted',
  );
  if (config.id !== id) throw new HeraError('INTERNAL', `bin ${id} evaluated as ${config.id}`);
  return config;
}
