import cliProgress from 'cli-progress';
import { createClient, isServiceError, statusName, unaryCall, untracedMetadata } from '@hera/grpc';
import { toModelRecord, ZOO_MODELS } from '@hera/model-schema';
import { buildRepository, listRepository, readModelConfig } from '@hera/models';
import { loadProtos } from '@hera/proto';
import { waitFor } from '@hera/procs';
import { connectRedis, Keyspace, ModelStore } from '@hera/state';

export interface ServeOptions {
  repo: string;
  models: string[];
  scale: number;
  demandUnits: number;
  /** Set a default demand, apply a plan and wait for routes; false stops after registering. */
  plan: boolean;
  redisUrl: string;
  prefix: string;
  placement: string;
  gateway: string;
  timeoutMs: number;
  say: (line: string) => void;
  tty: boolean;
}

/**
 * Makes a fresh cluster serve the model zoo: builds the models missing from the
 * repository (small scale), registers them, sets a default demand (some fraction
 * of a dedicated server per model) unless one is set, applies a plan and waits
 * until the gateway routes every model. Returns whether a plan was applied: not when `plan` is
 * false, nor when placement refuses to plan the models from profiles of another engine (models
 * built for ONNX Runtime on a cluster that has only the shipped TF.js sets): that is said, and
 * the cluster keeps running for them to be profiled.
 */
export async function serveZoo(o: ServeOptions): Promise<boolean> {
  const have = new Set((await listRepository(o.repo)).map(e => e.name));
  const missing = o.models.filter(m => !have.has(m));
  if (missing.length) {
    o.say(`building ${missing.join(', ')} at scale ${o.scale} into ${o.repo} (once; later starts reuse it)`);
    await buildWithProgress(o.repo, o.scale, missing, o.tty, o.say);
  }
  const configs = await Promise.all(o.models.map(m => readModelConfig(o.repo, m)));
  const redis = await connectRedis(o.redisUrl, { name: 'hera-up', offlineQueue: true });
  try {
    await new ModelStore(redis, new Keyspace(o.prefix)).put(...configs.map(c => toModelRecord(c)));
  } finally {
    redis.disconnect();
  }
  o.say(`registered ${configs.length} models`);
  if (!o.plan) return false;

  const placement = createClient(loadProtos().proto.hera.placement.v1.PlacementService, o.placement, {
    defaultDeadlineMs: 60_000,
  });
  try {
    const { demands } = await unaryCall(placement, 'GetDemand', {});
    if (demands.length === 0) {
      await unaryCall(placement, 'SetDemand', {
        demands: o.models.map(model => ({ model, qps: 0, dedicatedUnits: o.demandUnits })),
        replace: true,
      });
      o.say(`default demand: ${o.demandUnits} of a dedicated server per model (change it with \`hera plan demand\`)`);
    }
    let applied;
    try {
      applied = await unaryCall(placement, 'Apply', {});
    } catch (err) {
      if (
        isServiceError(err) &&
        statusName(err.code) === 'FAILED_PRECONDITION' &&
        err.details.startsWith('profiles of another engine')
      ) {
        o.say(`no plan yet: ${err.details}`);
        return false;
      }
      throw err;
    }
    const { plan, changed } = applied;
    const over = plan!.nodes.filter(n => n.overcommitted).length;
    o.say(
      `plan v${plan!.version} ${changed ? 'applied' : 'unchanged'}: ${plan!.serversNeeded} servers' worth on ${new Set(plan!.nodes.map(n => n.nodeId)).size} node(s)` +
        (over ? ` — ${over} configuration(s) overcommitted for want of nodes (see \`hera plan explain\`)` : ''),
    );
  } finally {
    placement.close();
  }

  const oip = createClient(loadProtos().proto.inference.GRPCInferenceService, o.gateway, { defaultDeadlineMs: 5_000 });
  try {
    await waitFor(
      async () => {
        const ready = await Promise.all(
          o.models.map(m =>
            // Polls: kept out of the traces (a Triton client's ModelReady is still traced).
            unaryCall(oip, 'ModelReady', { name: m }, { metadata: untracedMetadata() }).then(
              r => r.ready,
              () => false,
            ),
          ),
        );
        return ready.every(Boolean);
      },
      o.timeoutMs,
      `the gateway to route ${o.models.join(', ')}`,
    );
  } finally {
    oip.close();
  }
  return true;
}

async function buildWithProgress(
  repo: string,
  scale: number,
  only: string[],
  tty: boolean,
  say: (l: string) => void,
): Promise<void> {
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: '  {model} [{bar}] {percentage}% {value}/{total} MiB', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let current = '';
  const mib = (b: number) => Math.round(b / (1 << 20));
  await buildRepository({
    repo,
    scale,
    only,
    onProgress: e => {
      if (e.model !== current) {
        if (bar && current) bar.stop();
        current = e.model;
        if (bar) bar.start(Math.max(1, mib(e.total)), 0, { model: e.model.padEnd(6) });
        else say(`  building ${e.model} (${mib(e.total)} MiB)`);
      }
      bar?.update(mib(e.done), { model: e.model.padEnd(6) });
    },
  });
  bar?.stop();
}

export const ALL_MODELS: readonly string[] = ZOO_MODELS;
