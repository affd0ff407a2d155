#!/usr/bin/env node
// A committed launcher, so that `npm install` links this bin before anything is built
// (npm skips bins whose file is missing, and dist/ comes from `npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  console.error(`${main} is missing: run \`npm run build\` at the repository root first`);
  process.exit(1);
}
// Commands that generate load move large payloads: they run with the V8 flags and malloc
// tuning the services use (libs/procs payload-tuning.ts); V8 flags only take effect at start,
// so such a command re-runs itself once with them.
const LOAD_COMMANDS = new Set(['loadgen', 'reproduce']);
if (LOAD_COMMANDS.has(process.argv[2]) && !process.env.HERA_PAYLOAD_TUNED) {
  const { PAYLOAD_NODE_FLAGS, withMallocTuning } = require('@hera/procs');
  const { spawnSync } = require('node:child_process');
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, ...PAYLOAD_NODE_FLAGS, __filename, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...withMallocTuning(process.env), HERA_PAYLOAD_TUNED: '1' },
    },
  );
  process.exit(r.status ?? (r.signal ? 1 : 0));
}
require(main);
