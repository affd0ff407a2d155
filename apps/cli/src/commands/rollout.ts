import type { Command } from 'commander';
import { createClient, unaryCall } from '@hera/grpc';
import { loadProtos, type PlacementServiceClient, type Rollout__Output } from '@hera/proto';
import { DEFAULT_DATA_DIR } from '../cluster-file';
import { serviceAddress } from '../gateway-target';

export interface RolloutOptions {
  placement?: string;
  dataDir: string;
  /** Return once the rollout is queued instead of waiting for it. */
  wait: boolean;
  /** Give up waiting (the rollout goes on) after this many seconds. */
  timeout: number;
  json: boolean;
}

const POLL_MS = 500;

function line(r: Rollout__Output): string {
  const tenants = r.tenants ? ` ${r.tenantsDone}/${r.tenants} tenants` : '';
  return `rollout ${r.id}: ${r.model} ${r.fromVersion} → ${r.toVersion}: ${r.state}${r.phase ? ` (${r.phase})` : ''}${tenants}`;
}

/**
 * `hera models rollout MODEL VERSION`: PlacementService.StartRollout, then GetRollout until
 * the job completes or fails, printing each change of its progress. Exit code 1 when it failed
 * (the old version serves on).
 */
export async function rollout(
  model: string,
  version: string,
  o: RolloutOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<Rollout__Output> {
  const c: PlacementServiceClient = createClient(
    loadProtos().proto.hera.placement.v1.PlacementService,
    serviceAddress('placement', o.placement, o.dataDir),
    { defaultDeadlineMs: 30_000 },
  );
  try {
    let r = (await unaryCall(c, 'StartRollout', { model, version })).rollout!;
    let last = '';
    const say = () => {
      const l = line(r);
      if (l !== last && !o.json) out.write(`${l}\n`);
      last = l;
    };
    say();
    const until = Date.now() + o.timeout * 1000;
    while (o.wait && r.state !== 'completed' && r.state !== 'failed' && Date.now() < until) {
      await new Promise(res => setTimeout(res, POLL_MS));
      r = (await unaryCall(c, 'GetRollout', { id: r.id })).rollout!;
      say();
    }
    if (o.json) out.write(`${JSON.stringify(r, null, 2)}\n`);
    else if (r.state === 'failed') out.write(`failed: ${r.error}\n`);
    else if (r.state === 'completed') out.write(`${model} serves version ${r.toVersion}\n`);
    else if (o.wait) out.write(`still ${r.state} after ${o.timeout} s; follow it with the same command\n`);
    if (r.state === 'failed') process.exitCode = 1;
    return r;
  } finally {
    c.close();
  }
}

/** Adds `rollout` to the `models` command. */
export function registerRollout(models: Command): void {
  models
    .command('rollout')
    .description(
      'roll MODEL out to VERSION (a version in the repository) under traffic, as a placement job: each tenant ' +
        'starts the new version beside the serving one, the gateways move to it once it is warm, the old host ' +
        'drains and stops. A version that cannot start fails the rollout and the old one serves on. Waits and ' +
        'prints progress; the same command again follows a running rollout.',
    )
    .argument('<model>', 'a registered model')
    .argument('<version>', 'the version directory to serve (hera models list shows them)')
    .option('--placement <host:port>', 'placement address (default: $HERA_PLACEMENT, else the running `hera up`)')
    .option('--data-dir <dir>', 'data dir of `hera up`', DEFAULT_DATA_DIR)
    .option('--no-wait', 'return once the rollout is queued')
    .option('--timeout <s>', 'stop waiting after this many seconds (the rollout goes on)', Number, 600)
    .option('--json', 'print the final state as JSON', false)
    .action(async (model: string, version: string, o: RolloutOptions) => {
      await rollout(model, version, o);
    });
}
