/**
 * Dependencies point down (README, Layout): apps/ → services/ → libs/, with no cycle between
 * workspace packages. The package graph is checked here; each file's imports by eslint.config.mjs,
 * whose boundary rules are shown failing on deliberate violations below.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import {
  findCycle,
  packageGraph,
  readWorkspace,
  upwardEdges,
  type PackageGraph,
  type WorkspacePackage,
} from './package-graph';

const root = join(__dirname, '..', '..');

describe('workspace package graph', () => {
  const pkgs = readWorkspace(root);
  const graph = packageGraph(pkgs);

  it('finds the packages of every layer and the edges between them', () => {
    assert.ok(pkgs.some(p => p.name === '@hera/testing' && p.layer === 0));
    assert.ok(pkgs.some(p => p.name === '@hera/gateway-service' && p.layer === 1));
    assert.ok(pkgs.some(p => p.name === '@hera/cli' && p.layer === 2));
    assert.ok(graph.get('@hera/cli')?.has('@hera/gateway-service'));
    // Imported by its tests without being declared: imports count as edges too.
    assert.ok(graph.get('@hera/gateway-service')?.has('@hera/testing'));
  });

  it('has no edge from a lower layer into a higher one', () => {
    assert.deepEqual(upwardEdges(pkgs, graph), []);
  });

  it('has no cycle', () => {
    assert.equal(findCycle(graph), undefined);
  });

  it('keeps the engine out of what runs no model: the algorithms, the schema and the gateway', () => {
    const reach = (from: string, seen = new Set<string>()): Set<string> => {
      for (const to of graph.get(from) ?? []) if (!seen.has(to)) reach(to, seen.add(to));
      return seen;
    };
    assert.ok(reach('@hera/worker-service').has('@hera/models'), 'the check sees a real dependency on the engine');
    for (const pkg of ['@hera/hera', '@hera/model-schema', '@hera/gateway-service']) {
      assert.ok(graph.has(pkg), pkg);
      assert.ok(!reach(pkg).has('@hera/models'), `${pkg} reaches @hera/models: ${[...reach(pkg)].join(', ')}`);
    }
  });

  it('the checks catch an upward edge and a cycle', () => {
    const fake: WorkspacePackage[] = [
      { name: 'a', dir: '/libs/a', layer: 0 },
      { name: 'b', dir: '/libs/b', layer: 0 },
      { name: 's', dir: '/services/s', layer: 1 },
    ];
    const g: PackageGraph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['s'])],
      ['s', new Set(['a'])],
    ]);
    assert.deepEqual(upwardEdges(fake, g), ['b → s']);
    assert.deepEqual(findCycle(g), ['a', 'b', 's', 'a']);
    g.set('s', new Set());
    assert.equal(findCycle(g), undefined);
  });
});

describe('eslint boundary rules', () => {
  // Linted as the text of existing files, so the real config (type information included) applies.
  const eslint = new ESLint({ cwd: root });
  const boundaryErrors = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(root, file) });
    return result!.messages.filter(m => /may not depend on/.test(m.message)).map(m => `${m.line}: ${m.message}`);
  };

  it('fail on a library reaching services/ or apps/, however it is spelled', async () => {
    const code = [
      "import { up } from '@hera/cli';",
      'export { up };',
      "export * from '@hera/gateway-service/dist/config';",
      "export * from '../../../services/worker/src/config';",
      'export const main = (name: string) => require.resolve(`@hera/${name}-service/dist/main.js`);',
      "export const cli = () => require.resolve('@hera/cli/dist/main.js');",
      "export const later = () => import('../../../apps/cli/src/main');",
      "export const fine = () => require.resolve('@hera/procs');",
    ].join('\n');
    const errors = await boundaryErrors('libs/testing/src/services.ts', code);
    assert.deepEqual(
      errors.map(e => Number(e.split(':')[0])),
      [1, 3, 4, 5, 6, 7],
      errors.join('\n'),
    );
  });

  it('fail on a service reaching apps/, and allow it the libraries', async () => {
    const code = [
      "import { up } from '@hera/cli';",
      "import { startRedis } from '@hera/testing';",
      'export { up, startRedis };',
    ].join('\n');
    const errors = await boundaryErrors('services/profiler/src/config.ts', code);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /^1: .*services\/ may not depend on apps\//);
  });
});
