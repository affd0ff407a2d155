// A per-replica reference implementation of the first-fit baseline's definition, for the tests
// only (not exported from the package). It loops over every replica and every node, exactly
// as the definition reads, so it is slow and only fit for small instances; the tests compare
// firstFitBaseline (count-based) with it.
import { predictColocated } from './interference';
import { splitAt, type PairSearchResult } from './pair-search';
import { qpsAt, tenantMemoryBytes } from './profile';
import type { Demand } from './required-servers';
import { configId } from './server-config';

/**
 * How the reference checks memory: `merged` is the definition (an item fits when the node's
 * free memory covers what it adds, tables counted once per model per node); `as-baseline`
 * mirrors firstFitBaseline's documented policy: pack on cores alone and, when some node would
 * not fit in memory, pack again charging every replica its full memory request.
 */
export type ReferenceMemoryPolicy = 'merged' | 'as-baseline';

export interface ReferenceFirstFit {
  servers: number;
  /** [config id, count], sorted by id. */
  counts: [string, number][];
  /** Models whose demand is unmet after the last round, sorted. */
  unmet: string[];
  /** Whether any round packed with full memory requests (`as-baseline` only). */
  chargedAnyRound: boolean;
}

interface RefNode {
  /** Replicas per model. */
  replicas: Map<string, number>;
  freeCores: number;
  /** Free memory with tables counted once per model (the real use). */
  freeMemory: number;
  /** Free memory with every replica charged its full request. */
  freeCharged: number;
}

type Check = 'merged' | 'charged' | 'none';

export function referenceFirstFit(
  search: PairSearchResult,
  demand: Demand,
  options: { maxRounds?: number; memory?: ReferenceMemoryPolicy } = {},
): ReferenceFirstFit {
  const maxRounds = options.maxRounds ?? 50;
  const policy = options.memory ?? 'merged';
  const cores = search.nodeClass.cores;
  const limit = search.nodeClass.memoryBytes - search.options.reservedMemoryBytes;
  const models = Object.keys(demand)
    .filter(m => demand[m]! > 0)
    .sort();
  const size = new Map(
    models.map(m => [m, search.dedicated.find(c => c.tenants[0]!.model === m)!.tenants[0]!.workers]),
  );
  const request = new Map(models.map(m => [m, tenantMemoryBytes(search.profiles.get(m)!, size.get(m)!)]));
  const replicas = new Map(models.map(m => [m, Math.ceil((demand[m]! * (1 - 1e-9)) / search.profiles.get(m)!.qpsMax)]));

  // Decreasing cores, then memory; equal sizes round-robin in name order.
  const items = (): string[] => {
    const order = [...models].sort(
      (x, y) => size.get(y)! - size.get(x)! || request.get(y)! - request.get(x)! || (x < y ? -1 : 1),
    );
    const out: string[] = [];
    for (let i = 0; i < order.length;) {
      let j = i;
      while (
        j < order.length &&
        size.get(order[j]!) === size.get(order[i]!) &&
        request.get(order[j]!) === request.get(order[i]!)
      )
        j++;
      const group = order.slice(i, j);
      const left = new Map(group.map(m => [m, replicas.get(m)!]));
      for (let any = true; any;) {
        any = false;
        for (const m of group) {
          if (left.get(m)! > 0) {
            out.push(m);
            left.set(m, left.get(m)! - 1);
            any = true;
          }
        }
      }
      i = j;
    }
    return out;
  };

  const pack = (check: Check): RefNode[] => {
    const nodes: RefNode[] = [];
    for (const m of items()) {
      const p = search.profiles.get(m)!;
      const w = size.get(m)!;
      const fits = (n: RefNode) => {
        if (n.freeCores < w) return false;
        const had = (n.replicas.get(m) ?? 0) * w;
        if (check === 'merged') return n.freeMemory >= tenantMemoryBytes(p, had + w) - tenantMemoryBytes(p, had);
        if (check === 'charged') return n.freeCharged >= request.get(m)!;
        return true;
      };
      let node = nodes.find(fits);
      if (!node) {
        node = { replicas: new Map(), freeCores: cores, freeMemory: limit, freeCharged: limit };
        nodes.push(node);
      }
      const had = (node.replicas.get(m) ?? 0) * w;
      node.freeMemory -= tenantMemoryBytes(p, had + w) - tenantMemoryBytes(p, had);
      node.freeCharged -= request.get(m)!;
      node.freeCores -= w;
      node.replicas.set(m, (node.replicas.get(m) ?? 0) + 1);
    }
    return nodes;
  };

  // Throughput of one node as it runs: solo profile, the pair at its split, or the predictor.
  const evaluate = (node: RefNode): { id: string; qps: Map<string, number> } => {
    const tenants = [...node.replicas]
      .map(([m, r]) => ({ model: m, workers: r * size.get(m)! }))
      .sort((x, y) => (x.model < y.model ? -1 : 1));
    const id = configId(tenants);
    if (tenants.length === 1) {
      const t = tenants[0]!;
      return { id, qps: new Map([[t.model, qpsAt(search.profiles.get(t.model)!, t.workers)]]) };
    }
    if (tenants.length === 2) {
      const [a, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
      const s = splitAt(search, a.model, a.workers, b.model, b.workers);
      if (s) {
        return {
          id,
          qps: new Map([
            [a.model, s.qpsA],
            [b.model, s.qpsB],
          ]),
        };
      }
    }
    const pred = predictColocated(
      tenants.map(t => ({ profile: search.profiles.get(t.model)!, workers: t.workers })),
      search.nodeClass,
      search.options.interference,
    );
    return { id, qps: new Map(tenants.map((t, i) => [t.model, pred.qps[i]!])) };
  };

  let counts = new Map<string, number>();
  let unmet: string[] = [];
  let chargedAnyRound = false;
  for (let round = 0; round < maxRounds; round++) {
    let nodes: RefNode[];
    if (policy === 'merged') nodes = pack('merged');
    else {
      nodes = pack('none');
      if (nodes.some(n => n.freeMemory < 0)) {
        chargedAnyRound = true;
        nodes = pack('charged');
      }
    }
    counts = new Map();
    const capacity = new Map(models.map(m => [m, 0]));
    for (const n of nodes) {
      const { id, qps } = evaluate(n);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      for (const [m, q] of qps) capacity.set(m, capacity.get(m)! + q);
    }
    unmet = models.filter(m => capacity.get(m)! < demand[m]! * (1 - 1e-9));
    if (!unmet.length) break;
    for (const m of unmet) {
      const had = replicas.get(m)!;
      const perReplica = capacity.get(m)! / had;
      const more = Math.max(1, Math.ceil(((demand[m]! - capacity.get(m)!) / Math.max(perReplica, 1e-12)) * (1 - 1e-9)));
      replicas.set(m, had + more);
    }
  }
  return {
    servers: [...counts.values()].reduce((s, c) => s + c, 0),
    counts: [...counts].sort(([x], [y]) => (x < y ? -1 : 1)),
    unmet,
    chargedAnyRound,
  };
}
