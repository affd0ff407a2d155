import type { Command } from 'commander';
import { checkHealth } from '@hera/grpc';

/** `hera health ADDRESS`: one gRPC health check; exit 0 only when SERVING (container healthchecks use it). */
export function register(program: Command): void {
  program
    .command('health')
    .description('check a service over grpc.health.v1; exits 0 when SERVING, 1 otherwise')
    .argument('<address>', 'host:port of a Hera service')
    .option('--service <name>', 'a fully qualified gRPC service name ("" = the whole server)', '')
    .option('--timeout <ms>', 'give up after this many milliseconds', v => Number(v), 2_000)
    .action(async (address: string, o: { service: string; timeout: number }) => {
      const status = await checkHealth(address, o.service, o.timeout);
      process.stdout.write(`${status}\n`);
      process.exitCode = status === 'SERVING' ? 0 : 1;
    });
}
