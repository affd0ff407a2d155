#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name> [args]` → bench/dist/<name>.js.
// Benchmarks print their figures for people and end with one JSON line for machines.
// They are not pass/fail tests: targets are compared by whoever reads the output.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(fileURLToPath(import.meta.url), '..', 'dist');
const [name, ...rest] = process.argv.slice(2);
const available = existsSync(dist)
  ? readdirSync(dist)
      .filter(f => f.endsWith('.js') && !f.includes('.test.'))
      .map(f => f.slice(0, -3))
  : [];
if (!name || name === '--help' || !available.includes(name)) {
  console.error(
    `usage: npm run bench -- <name> [args]\navailable: ${available.join(', ') || '(none built; run npm run build)'}`,
  );
  process.exit(name && name !== '--help' ? 1 : 0);
}
// Benchmarks move large payloads: same V8 flags and malloc tuning as the services and the test
// runner (libs/procs/src/payload-tuning.ts).
const { PAYLOAD_NODE_FLAGS, withMallocTuning } = await import(
  new URL('../libs/procs/dist/payload-tuning.js', import.meta.url).href
);
const res = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--expose-gc', ...PAYLOAD_NODE_FLAGS, join(dist, `${name}.js`), ...rest],
  { stdio: 'inherit', env: withMallocTuning(process.env) },
);
process.exit(res.status ?? 1);
