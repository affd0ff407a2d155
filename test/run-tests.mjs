#!/usr/bin/env node
// Runs the compiled tests with Node's built-in runner (run `tsc -b` first; `npm test` does).
//
//   node test/run-tests.mjs            every test: unit, integration (*.int.test.js) and
//                                      end-to-end (*.e2e.test.js)
//   node test/run-tests.mjs --unit     unit tests only (no Redis, no child processes)
//   node test/run-tests.mjs <filter>   only files whose path contains <filter>
//
// Test files sit beside their code (libs/*/src, services/*/src, apps/*/src) and in test/src for
// cross-service tests; they compile to dist/. Files run one at a time: the end-to-end
// files measure latencies and overload behaviour, which a neighbour file's load on these
// 2 cores made flaky (unit files take seconds either way). Each integration file starts its
// own redis-server, so files share nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter(a => !a.startsWith('--'));

function walk(dir, acc = []) {
  if (!existsSync(dir)) return acc;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f === 'node_modules') continue;
    if (statSync(p).isDirectory()) walk(p, acc);
    else if (f.endsWith('.test.js')) acc.push(p);
  }
  return acc;
}
const dists = [
  ...['libs', 'services', 'apps'].flatMap(group =>
    readdirSync(join(root, group)).map(p => join(root, group, p, 'dist')),
  ),
  join(root, 'test', 'dist'),
  join(root, 'bench', 'dist'),
];
let files = dists.flatMap(d => walk(d)).sort();
if (unitOnly) files = files.filter(f => !/\.(int|e2e)\.test\.js$/.test(f));
if (filters.length) files = files.filter(f => filters.some(x => relative(root, f).includes(x)));
if (files.length === 0) {
  console.error('no test files found (did `tsc -b` run?)');
  process.exit(1);
}
const reporter = process.env.HERA_TEST_REPORTER ?? 'spec';
// Test files that generate load (the end-to-end ones) run with the runtime settings the
// services and load generators use (libs/procs payload-tuning.ts): without them the test
// process, sharing a core with the services, was the first thing to saturate.
const { PAYLOAD_NODE_FLAGS, withMallocTuning } = await import(join(root, 'libs', 'procs', 'dist', 'index.js'));
const res = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    ...PAYLOAD_NODE_FLAGS,
    '--test',
    `--test-reporter=${reporter}`,
    '--test-concurrency=1',
    '--test-timeout=600000',
    ...files.map(f => relative(root, f)),
  ],
  { stdio: 'inherit', cwd: root, env: withMallocTuning(process.env) },
);
process.exit(res.status ?? 1);
