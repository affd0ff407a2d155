import { isDeepStrictEqual } from 'node:util';
import cliProgress from 'cli-progress';
import { checkHealth, createClient, isServiceError, statusName, unaryCall, untracedMetadata } from '@hera/grpc';
import { keepRegistryFields, toModelRecord, ZOO_MODELS } from '@hera/model-schema';
import { buildRepository, listRepository, readModelConfig } from '@hera/models';
import { loadProtos } from '@hera/proto';
import { waitFor, waitForRedis } from '@hera/procs';
import { connectRedis, Keyspace, listLive, ModelStore, type NodeRecord } from '@hera/state';

export interface InitOptions {
  /** Model repository the node agents read (built into when models are missing). */
  repo: string;
  models: string[];
  scale: number;
  demandUnits: number;
  /** Set a default demand, apply a plan and wait until the models are served; false stops after registering. */
  plan: boolean;
  redisUrl: string;
  prefix: string;
  placement: string;
  /**
   * Judge "served" at this gateway (every model ModelReady, then its readiness); without one,
   * by the node records in Redis (every model has a serving tenant), which is what gateways route by.
   */
  gateway?: string;
  /** Node agents to wait for before planning (a plan made on fewer nodes is overcommitted). */
  nodes: number;
  timeoutMs: number;
  say: (line: string) => void;
  tty: boolean;
}

/** What one run did; a second run against a cluster that is already right builds, registers and sets nothing. */
export interface InitResult {
  built: string[];
  /** Models whose record was missing or different (and was written). */
  registered: string[];
  /** Whether a default demand was set (only when none was). */
  demandSet: boolean;
  /** The applied plan's version and whether this run changed it; absent with `plan: false` or when placement refused. */
  plan?: { version: number; changed: boolean; overcommitted: number };
  /** Every model routed (gateway) or serving on a node; false when no plan was applied. */
  served: boolean;
  /** Why nothing was planned, when placement refused (e.g. profiles of another engine). */
  noPlan?: string;
}

/**
 * Makes a running cluster serve the model zoo, idempotently; both `hera up` (after it started
 * the services) and `hera cluster init` (a one-shot against a cluster started by compose or
 * Kubernetes) run this, and only this:
 *
 * 1. waits for Redis, placement's health and (to plan) `nodes` live node agents;
 * 2. builds the models missing from the repository (small scale);
 * 3. registers the models whose record is missing or differs;
 * 4. sets a default demand (some fraction of a dedicated server per model) unless one is set;
 * 5. applies a plan: placement writes a new version only when the placement changes;
 * 6. waits until every model is served.
 *
 * Placement refusing to plan the models from profiles of another engine (models built for ONNX
 * Runtime on a cluster that has only the shipped TF.js sets) is said and returned (`noPlan`):
 * the cluster keeps running for them to be profiled.
 */
export async function initCluster(o: InitOptions): Promise<InitResult> {
  const result: InitResult = { built: [], registered: [], demandSet: false, served: false };
  await waitForRedis(o.redisUrl, o.timeoutMs);
  await waitFor(
    async () => (await checkHealth(o.placement, '', 1_000)) === 'SERVING',
    o.timeoutMs,
    `placement health at ${o.placement}`,
    250,
  );

  const have = new Set((await listRepository(o.repo)).map(e => e.name));
  const missing = o.models.filter(m => !have.has(m));
  if (missing.length) {
    o.say(`building ${missing.join(', ')} at scale ${o.scale} into ${o.repo} (once; later starts reuse it)`);
    await buildWithProgress(o.repo, o.scale, missing, o.tty, o.say);
    result.built = missing;
  }
  const configs = await Promise.all(o.models.map(m => readModelConfig(o.repo, m)));
  const redis = await connectRedis(o.redisUrl, { name: 'hera-init', offlineQueue: true });
  const keys = new Keyspace(o.prefix);
  try {
    const store = new ModelStore(redis, keys);
    const stored = await Promise.all(configs.map(c => store.get(c.name)));
    // The registry's fields (policy, unload, measured class, served set) survive a restart.
    const records = configs.map((c, i) => keepRegistryFields(toModelRecord(c), stored[i]));
    // Only what differs: an unchanged record rewritten would still be announced to every gateway.
    const changed = records.filter((r, i) => !isDeepStrictEqual(stored[i], r));
    await store.put(...changed);
    result.registered = changed.map(r => r.name);
    o.say(
      changed.length
        ? `registered ${changed.map(r => r.name).join(', ')}${changed.length < records.length ? ` (${records.length - changed.length} already registered)` : ''}`
        : `all ${records.length} models already registered`,
    );
    if (!o.plan) return result;
    if (o.nodes > 0) {
      const live = await waitFor(
        async () => {
          const { live } = await listLive<NodeRecord>(redis, keys.nodes(), m => keys.node(m));
          return live.length >= o.nodes ? live : undefined;
        },
        o.timeoutMs,
        `${o.nodes} node agent(s) to register`,
        250,
      );
      if (live.some(n => n.cgroupMode === 'none'))
        o.say(
          `node(s) without cgroups, tenants unconfined: ${live
            .filter(n => n.cgroupMode === 'none')
            .map(n => n.nodeId)
            .join(', ')} (hera status says why)`,
        );
    }
  } finally {
    redis.disconnect();
  }

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
      result.demandSet = true;
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
        result.noPlan = err.details;
        return result;
      }
      throw err;
    }
    const { plan, changed } = applied;
    const over = plan!.nodes.filter(n => n.overcommitted).length;
    result.plan = { version: Number(plan!.version), changed, overcommitted: over };
    o.say(
      `plan v${plan!.version} ${changed ? 'applied' : 'unchanged'}: ${plan!.serversNeeded} servers' worth on ${new Set(plan!.nodes.map(n => n.nodeId)).size} node(s)` +
        (over ? ` — ${over} configuration(s) overcommitted for want of nodes (see \`hera plan explain\`)` : ''),
    );
  } finally {
    placement.close();
  }

  if (o.gateway) await waitRouted(o.gateway, o.models, o.timeoutMs, o.say);
  else await waitServingOnNodes(o.redisUrl, o.prefix, o.models, o.timeoutMs);
  result.served = true;
  return result;
}

/** Every model ModelReady at the gateway, then the gateway's readiness (it also needs any other model the plan places). */
async function waitRouted(gateway: string, models: string[], timeoutMs: number, say: (l: string) => void) {
  const oip = createClient(loadProtos().proto.inference.GRPCInferenceService, gateway, { defaultDeadlineMs: 5_000 });
  try {
    await waitFor(
      async () => {
        const ready = await Promise.all(
          models.map(m =>
            // Polls: kept out of the traces (a Triton client's ModelReady is still traced).
            unaryCall(oip, 'ModelReady', { name: m }, { metadata: untracedMetadata() }).then(
              r => r.ready,
              () => false,
            ),
          ),
        );
        return ready.every(Boolean);
      },
      timeoutMs,
      `the gateway to route ${models.join(', ')}`,
    );
  } finally {
    oip.close();
  }
  // Demand kept in a persisted Redis may place models beyond these: a miss is worth a line, not a failure.
  await waitFor(async () => (await checkHealth(gateway, '', 1_000)) === 'SERVING', 10_000, 'gateway readiness').catch(
    () => say('the gateway is not ready yet: it does not route every model of the plan (npx hera status)'),
  );
}

/** Every model has a serving tenant on a live node (what gateways route by). */
async function waitServingOnNodes(redisUrl: string, prefix: string, models: string[], timeoutMs: number) {
  const redis = await connectRedis(redisUrl, { name: 'hera-init', offlineQueue: true });
  const keys = new Keyspace(prefix);
  try {
    await waitFor(
      async () => {
        const { live } = await listLive<NodeRecord>(redis, keys.nodes(), m => keys.node(m));
        const serving = new Set(
          live.flatMap(n => Object.entries(n.tenants).filter(([, t]) => t.state === 'serving')).map(([m]) => m),
        );
        return models.every(m => serving.has(m));
      },
      timeoutMs,
      `node agents to serve ${models.join(', ')}`,
      250,
    );
  } finally {
    redis.disconnect();
  }
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
