import { invalidArgument } from '@hera/errors';
import type { ConfigCount } from './required-servers';
import { parseConfigId, type ServerConfig } from './server-config';

/** A node as the placement service knows it (a subset of the registered NodeRecord). */
export interface RegisteredNode {
  nodeId: string;
  nodeClass: string;
  cores: number;
  memoryBytes: number;
  labels?: Readonly<Record<string, string>>;
}

/** One configuration put on one node. */
export interface NodeAssignment {
  nodeId: string;
  config: ServerConfig;
  /**
   * `kept`: the node already ran exactly this configuration; `partial`: it ran some of these
   * tenants (same model), so only part of it moves; `new`: nothing in common.
   */
  movement: 'kept' | 'partial' | 'new';
}

/** Configurations that found no node, and why. */
export interface UnplacedConfig {
  config: ServerConfig;
  count: number;
  reason: string;
}

/** Tenant-level movement against the previous assignment. */
export interface MovementSummary {
  /** Tenants that stay with the same worker count. */
  kept: number;
  /** Tenants that stay on their node with a different worker count. */
  resized: number;
  /** Tenants that start on a node that did not run them. */
  started: number;
  /** Tenants that stop on a node (including nodes left idle). */
  stopped: number;
}

export interface NodeMapping {
  /** Sorted by node id. */
  assignments: NodeAssignment[];
  unplaced: UnplacedConfig[];
  /** Eligible nodes that got nothing. */
  idleNodes: string[];
  movement: MovementSummary;
}

export interface NodeMappingOptions {
  /** Only nodes of this class are used (the class the profiles describe). */
  nodeClass?: string;
  /** Only nodes carrying every one of these labels are used. */
  labelSelector?: Readonly<Record<string, string>>;
  /** The previous plan: nodeId → configuration id. Used to keep tenants where they are. */
  previous?: Readonly<Record<string, string>>;
  /** Memory kept free on every node. Default 0. */
  reservedMemoryBytes?: number;
}

/**
 * Maps configuration counts onto registered nodes (DESIGN §4.4.5) with minimal movement:
 *
 * 1. a node whose previous configuration is still wanted keeps it (`kept`);
 * 2. every other configuration goes to the free node whose previous tenants overlap it most
 *    (same model and worker count scores 2, same model 1) — `partial` when the score is > 0;
 * 3. then to the first free node (by id) that fits, `new`.
 *
 * A node is eligible when it matches the node class and label selector; a configuration fits
 * when the node has at least its cores and memory. What cannot be placed is reported with the
 * reason, never dropped silently. Deterministic for a given input.
 */
export function mapConfigsToNodes(
  counts: readonly ConfigCount[],
  nodes: readonly RegisteredNode[],
  options: NodeMappingOptions = {},
): NodeMapping {
  const reserved = options.reservedMemoryBytes ?? 0;
  if (!(reserved >= 0)) throw invalidArgument('reservedMemoryBytes', `must be ≥ 0, got ${reserved}`);
  const previous = options.previous ?? {};
  const seen = new Set<string>();
  for (const [i, n] of nodes.entries()) {
    if (seen.has(n.nodeId)) throw invalidArgument(`nodes[${i}].nodeId`, `${n.nodeId} is listed twice`);
    seen.add(n.nodeId);
  }
  const selector = Object.entries(options.labelSelector ?? {});
  const eligible = nodes
    .filter(
      n =>
        (options.nodeClass === undefined || n.nodeClass === options.nodeClass) &&
        selector.every(([k, v]) => n.labels?.[k] === v),
    )
    .sort((x, y) => (x.nodeId < y.nodeId ? -1 : x.nodeId > y.nodeId ? 1 : 0));
  const fits = (n: RegisteredNode, c: ServerConfig) => n.cores >= c.cores && n.memoryBytes - reserved >= c.memoryBytes;
  const remaining = new Map<string, ConfigCount>();
  for (const c of counts) {
    if (c.count <= 0) continue;
    const r = remaining.get(c.config.id);
    if (r) r.count += c.count;
    else remaining.set(c.config.id, { config: c.config, count: c.count });
  }
  const used = new Set<string>();
  const assignments: NodeAssignment[] = [];
  const assign = (n: RegisteredNode, c: ConfigCount, movement: NodeAssignment['movement']) => {
    used.add(n.nodeId);
    c.count -= 1;
    assignments.push({ nodeId: n.nodeId, config: c.config, movement });
  };
  // 1. Keep.
  for (const n of eligible) {
    const prev = previous[n.nodeId];
    const c = prev === undefined ? undefined : remaining.get(prev);
    if (c && c.count > 0 && fits(n, c.config)) assign(n, c, 'kept');
  }
  // 2. Partial reuse: index free nodes by the models they ran.
  const prevTenants = new Map<string, { model: string; workers: number }[]>();
  const byModel = new Map<string, RegisteredNode[]>();
  for (const n of eligible) {
    const prev = previous[n.nodeId];
    if (used.has(n.nodeId) || prev === undefined) continue;
    let tenants: { model: string; workers: number }[];
    try {
      tenants = parseConfigId(prev);
    } catch {
      continue; // an unreadable previous id only costs us the reuse
    }
    prevTenants.set(n.nodeId, tenants);
    for (const t of tenants) byModel.set(t.model, [...(byModel.get(t.model) ?? []), n]);
  }
  const order = [...remaining.values()].sort(
    (x, y) => y.config.cores - x.config.cores || (x.config.id < y.config.id ? -1 : 1),
  );
  for (const c of order) {
    while (c.count > 0) {
      let best: RegisteredNode | undefined;
      let bestScore = 0;
      const maxScore = 2 * c.config.tenants.length;
      for (const t of c.config.tenants) {
        if (bestScore === maxScore) break;
        for (const n of byModel.get(t.model) ?? []) {
          if (used.has(n.nodeId) || !fits(n, c.config)) continue;
          const score = c.config.tenants.reduce((s, ct) => {
            const pt = prevTenants.get(n.nodeId)!.find(p => p.model === ct.model);
            return s + (pt ? (pt.workers === ct.workers ? 2 : 1) : 0);
          }, 0);
          if (score > bestScore || (score === bestScore && best && n.nodeId < best.nodeId)) {
            best = n;
            bestScore = score;
            // Lists are in node-id order, so the first node with the top score is the answer.
            if (score === maxScore) break;
          }
        }
      }
      if (!best) break;
      assign(best, c, 'partial');
    }
  }
  // 3. Anything left goes to the first free node that fits.
  let cursor = 0;
  for (const c of order) {
    for (let i = cursor; i < eligible.length && c.count > 0; i++) {
      const n = eligible[i]!;
      if (used.has(n.nodeId) || !fits(n, c.config)) continue;
      assign(n, c, 'new');
    }
    while (cursor < eligible.length && used.has(eligible[cursor]!.nodeId)) cursor++;
  }
  const unplaced: UnplacedConfig[] = [];
  for (const c of order) {
    if (c.count <= 0) continue;
    const anyFits = eligible.some(n => fits(n, c.config));
    unplaced.push({
      config: c.config,
      count: c.count,
      reason: anyFits
        ? `${c.count} more node(s) needed: every eligible node${options.nodeClass ? ` of class ${options.nodeClass}` : ''} is taken`
        : `no eligible node has ${c.config.cores} cores and ${c.config.memoryBytes} bytes free`,
    });
  }
  assignments.sort((x, y) => (x.nodeId < y.nodeId ? -1 : x.nodeId > y.nodeId ? 1 : 0));
  return {
    assignments,
    unplaced,
    idleNodes: eligible.filter(n => !used.has(n.nodeId)).map(n => n.nodeId),
    movement: movementAgainst(assignments, previous),
  };
}

function movementAgainst(
  assignments: readonly NodeAssignment[],
  previous: Readonly<Record<string, string>>,
): MovementSummary {
  const m: MovementSummary = { kept: 0, resized: 0, started: 0, stopped: 0 };
  const now = new Map(assignments.map(a => [a.nodeId, a.config.tenants]));
  const parse = (id: string | undefined) => {
    if (id === undefined) return [];
    try {
      return parseConfigId(id);
    } catch {
      return [];
    }
  };
  for (const a of assignments) {
    const before = parse(previous[a.nodeId]);
    for (const t of a.config.tenants) {
      const p = before.find(b => b.model === t.model);
      if (!p) m.started++;
      else if (p.workers === t.workers) m.kept++;
      else m.resized++;
    }
  }
  for (const [nodeId, id] of Object.entries(previous)) {
    const tenants = now.get(nodeId) ?? [];
    for (const p of parse(id)) if (!tenants.some(t => t.model === p.model)) m.stopped++;
  }
  return m;
}
