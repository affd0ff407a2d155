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
require(main);
