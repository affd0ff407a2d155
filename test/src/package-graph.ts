/**
 * The workspace's package graph, for test/src/boundaries.test.ts: which @hera/* package uses
 * which, from both its package.json and what its files actually import (a declared dependency
 * nobody imports, or an import nobody declared, is an edge either way).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Folders of workspace packages, lowest layer first: a package may use its own layer and those below. */
export const LAYERS = ['libs', 'services', 'apps'] as const;

export interface WorkspacePackage {
  name: string;
  dir: string;
  /** Index in LAYERS. */
  layer: number;
}

/** name → names of the workspace packages it uses. */
export type PackageGraph = Map<string, Set<string>>;

interface Manifest {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** Every package the root package.json's workspaces name; throws on a folder with no layer. */
export function readWorkspace(root: string): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const pattern of manifest(root).workspaces ?? []) {
    const group = pattern.replace(/\/\*$/, '');
    const layer = (LAYERS as readonly string[]).indexOf(group);
    if (layer < 0 || group === pattern)
      throw new Error(`workspace "${pattern}" is not one of ${LAYERS.map(l => `${l}/*`).join(', ')}: give it a layer`);
    if (!existsSync(join(root, group))) continue;
    for (const d of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, d);
      if (existsSync(join(dir, 'package.json'))) out.push({ name: manifest(dir).name, dir, layer });
    }
  }
  return out;
}

function sourceFiles(dir: string, acc: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    if (f === 'node_modules' || f === 'dist') continue;
    const p = join(dir, f);
    if (statSync(p).isDirectory()) sourceFiles(p, acc);
    else if (/\.(ts|js|mjs|cjs)$/.test(f) && !f.endsWith('.d.ts')) acc.push(p);
  }
  return acc;
}

/** Declared dependencies and imports (static, require(), import()) between workspace packages. */
export function packageGraph(pkgs: readonly WorkspacePackage[]): PackageGraph {
  const byName = new Map(pkgs.map(p => [p.name, p]));
  const owner = (file: string) => pkgs.find(p => file === p.dir || file.startsWith(p.dir + sep));
  const graph: PackageGraph = new Map();
  for (const pkg of pkgs) {
    const uses = new Set<string>();
    const m = manifest(pkg.dir);
    for (const deps of [m.dependencies, m.devDependencies, m.optionalDependencies, m.peerDependencies]) {
      for (const name of Object.keys(deps ?? {})) if (byName.has(name)) uses.add(name);
    }
    for (const file of sourceFiles(pkg.dir)) {
      for (const { fileName: spec } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
        const target = spec.startsWith('.')
          ? owner(resolve(dirname(file), spec))
          : byName.get(spec.split('/').slice(0, 2).join('/'));
        if (target && target !== pkg) uses.add(target.name);
      }
    }
    graph.set(pkg.name, uses);
  }
  return graph;
}

/** Edges into a higher layer, as "from → to". */
export function upwardEdges(pkgs: readonly WorkspacePackage[], graph: PackageGraph): string[] {
  const layer = new Map(pkgs.map(p => [p.name, p.layer]));
  const out: string[] = [];
  for (const [from, uses] of graph) {
    for (const to of uses) if ((layer.get(to) ?? 0) > (layer.get(from) ?? 0)) out.push(`${from} → ${to}`);
  }
  return out;
}

/** One cycle as a path that ends where it starts, or undefined when the graph has none. */
export function findCycle(graph: PackageGraph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
