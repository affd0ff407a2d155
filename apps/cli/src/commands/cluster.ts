import { join } from 'node:path';
import { Command } from 'commander';
import { ALL_MODELS, initCluster } from '../cluster-init';
import { DEFAULT_DATA_DIR, resolveTarget } from '../cluster-file';
import { serviceAddress } from '../gateway-target';

interface InitFlags {
  redisUrl?: string;
  dataDir: string;
  prefix?: string;
  placement?: string;
  gateway?: string;
  repo?: string;
  models: string;
  scale: number;
  demandUnits: number;
  plan: boolean;
  nodes: number;
  timeout: number;
  json: boolean;
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${v}`);
  return n;
};

/** Parses a --models list ("none" = no models); throws naming unknown models. */
export function parseModels(list: string): string[] {
  const models =
    list === 'none'
      ? []
      : list
          .split(',')
          .map(s => s.trim())
          .filter(Boolean);
  const unknown = models.filter(m => !ALL_MODELS.includes(m));
  if (unknown.length) throw new Error(`--models: unknown ${unknown.join(', ')}; the zoo has ${ALL_MODELS.join(', ')}`);
  return models;
}

/**
 * The checks `hera cluster init` makes of its flags before it connects to anything; returns
 * the models. Throws naming the flag.
 */
export function checkInitFlags(o: Pick<InitFlags, 'models' | 'scale' | 'demandUnits'>): string[] {
  const models = parseModels(o.models);
  if (models.length === 0) throw new Error('--models: nothing to initialise');
  if (!(o.scale > 0 && o.scale <= 1)) throw new Error('--scale must be in (0, 1]');
  // Zero would plan nothing, and "served" would never come.
  if (!(o.demandUnits > 0 && Number.isFinite(o.demandUnits)))
    throw new Error(`--demand-units must be a positive number, got ${o.demandUnits}`);
  return models;
}

/**
 * `hera cluster init`'s flags as the command reads them from `args` (its arguments after
 * `cluster init`), checked as it checks them, without running it: for manifests that spell
 * its command line (the Kubernetes init Job). Throws on an unknown flag, a stray argument or
 * a bad value.
 */
export function parseInitArgs(args: readonly string[]): InitFlags {
  const program = new Command('hera').exitOverride();
  register(program);
  const init = program.commands.find(c => c.name() === 'cluster')!.commands.find(c => c.name() === 'init')!;
  init.exitOverride().configureOutput({ writeErr: () => {} });
  const { operands, unknown } = init.parseOptions([...args]);
  if (unknown.length || operands.length)
    throw new Error(`not a flag of hera cluster init: ${[...unknown, ...operands].join(' ')}`);
  const flags = init.opts<InitFlags>();
  checkInitFlags(flags);
  return flags;
}

export function register(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('operate a cluster that something else started (docker compose, Kubernetes)');
  cluster
    .command('init')
    .description(
      'make a running cluster serve the zoo, idempotently (the steps `hera up` runs after starting the services): ' +
        'wait for Redis, placement and the node agents; build missing models into the repository; register models; ' +
        'set a default demand unless one is set; apply a plan; wait until every model is served. ' +
        'A second run changes nothing that is already right (same plan version). Exit 0 when served.',
    )
    .option('--redis-url <url>', 'cluster Redis (default: $REDIS_URL, else the running `hera up`)')
    .option('--data-dir <dir>', 'data dir of a running `hera up` (to find it)', DEFAULT_DATA_DIR)
    .option('--prefix <prefix>', 'Redis key prefix (default: $HERA_REDIS_PREFIX, else hera)')
    .option('--placement <address>', 'placement service (default: $HERA_PLACEMENT, else 127.0.0.1:50053)')
    .option(
      '--gateway <address>',
      'judge "served" at this gateway: every model ModelReady (default: $HERA_GATEWAY, else 127.0.0.1:50051); ' +
        '"none": by the node records in Redis instead (when the gateway starts after this command)',
    )
    .option(
      '--repo <dir>',
      'model repository the node agents read, built into if models are missing (default: $HERA_MODEL_REPO, else <data-dir>/models)',
    )
    .option('--models <list>', 'models to build if missing, register, plan and serve', ALL_MODELS.join(','))
    .option('--scale <s>', 'table-row scale for models built now (0 < s ≤ 1)', Number, 0.01)
    .option('--demand-units <u>', 'default demand per model, in dedicated servers (set only when none is)', Number, 0.5)
    .option('--no-plan', 'register the models only: set no demand and apply no plan (e.g. to profile first)')
    .option('--nodes <n>', 'node agents that must be registered before planning', int, 1)
    .option('--timeout <seconds>', 'how long to wait for each of: services, nodes, models served', int, 300)
    .option('--json', 'print what the run did as JSON (built, registered, demandSet, plan, served)', false)
    .action(async (o: InitFlags) => {
      const models = checkInitFlags(o);
      const target = resolveTarget(o);
      const gateway = o.gateway === 'none' ? undefined : serviceAddress('gateway', o.gateway, o.dataDir);
      const say = (line: string) => process.stdout.write(`${o.json ? '# ' : ''}${line}\n`);
      const r = await initCluster({
        repo: o.repo ?? process.env['HERA_MODEL_REPO'] ?? join(o.dataDir, 'models'),
        models,
        scale: o.scale,
        demandUnits: o.demandUnits,
        plan: o.plan,
        redisUrl: target.redisUrl,
        prefix: target.prefix,
        placement: serviceAddress('placement', o.placement, o.dataDir),
        ...(gateway ? { gateway } : {}),
        nodes: o.nodes,
        timeoutMs: o.timeout * 1000,
        say,
        tty: !o.json && Boolean(process.stdout.isTTY),
      });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else if (r.served) say(`serving ${models.join(', ')}${gateway ? ` at ${gateway}` : ''}`);
      // Asked to plan and nothing was planned: the zoo is not served, which is this command's job.
      if (o.plan && !r.served) process.exitCode = 1;
    });
}
