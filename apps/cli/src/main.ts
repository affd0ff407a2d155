#!/usr/bin/env node
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DEFAULT_DATA_DIR } from './cluster-file';
import { configureCliSecurity } from './local-security';

// `hera … | head` closes our stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('hera')
  .description(
    'Hera mesh: a multi-tenant inference server for recommendation models, with heterogeneity-aware placement',
  )
  .version('0.1.0')
  // Options after a subcommand are the subcommand's (`hera models import … --version 2`).
  .enablePositionalOptions()
  .showHelpAfterError()
  .exitOverride()
  // Every command's clients use the same TLS and token (see local-security.ts).
  .hook('preAction', (_program, command) => {
    const o = command.opts<{ dataDir?: string }>();
    configureCliSecurity(o.dataDir ?? DEFAULT_DATA_DIR);
  });

// Every module in commands/ exports `register(program)`; adding a command is adding a file.
const commandsDir = join(__dirname, 'commands');
for (const file of readdirSync(commandsDir)
  .filter(f => f.endsWith('.js') && !f.includes('.test.'))
  .sort()) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(commandsDir, file)) as { register?: (p: Command) => void };
  mod.register?.(program);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(`hera: ${(err as Error).message}\n`);
  process.exit(1);
});
