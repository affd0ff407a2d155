#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerStatus } from './commands/status';
import { registerUp } from './commands/up';

const program = new Command('hera')
  .description('Hera mesh: a multi-tenant inference server for recommendation models, with heterogeneity-aware placement')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerUp(program);
registerStatus(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode);
  }
  process.stderr.write(`hera: ${(err as Error).message}\n`);
  process.exit(1);
});
