import { createClient, unaryCall, untracedMetadata } from '@hera/grpc';
import { configId } from '@hera/hera';
import { gatewayTarget, PayloadPool, runLoad, type LoadSummary } from '@hera/loadgen';
import {
  loadProtos,
  type ConfigExplanation__Output,
  type ModelDemand,
  type PlacementServiceClient,
  type Plan__Output,
  type PredictorCheck__Output,
  type ProfilerServiceClient,
  type StrategyResult__Output,
} from '@hera/proto';
import { waitFor } from '@hera/procs';
import { connectRedis, Keyspace, listLive, ModelStore, type ModelRecord, type NodeRecord } from '@hera/state';
import { watchJob } from './commands/profile';

/** The paper's headline (DESIGN §1, §4.3), printed beside ours, never aimed at. */
export const PAPER = { emuGain: 1.373, serversSaved: 0.26 } as const;

export interface ReproduceOptions {
  profiler: string;
  placement: string;
  gateway: string;
  redisUrl: string;
  prefix: string;
  /** Models to profile, plan and drive; empty = every registered model. */
  models: readonly string[];
  /** Judge against each model's SLA × this (profiles included). */
  slaFactor: number;
  /**
   * Profile through the gateway (the path the live check drives), or straight to the hosts. On a
   * machine where the gateway shares the tenants' cores only `gateway` measures what the live
   * check can get; it needs a cluster without an applied plan.
   */
  via: 'gateway' | 'worker';
  /** Quick profiler jobs (short points, coarser precision). */
  quick: boolean;
  /** Re-measure solo profiles even where one at this SLA is stored. */
  reprofile: boolean;
  /** Measure pairs (false: use the pair profiles already stored). */
  pairs: boolean;
  /** Same-class control pairs and splits per pair for StartPairProfiles. */
  controls: number;
  splitsPerPair: number;
  /** Demand of the strategy comparison: a uniform mix worth this many dedicated servers. */
  units: number;
  /** Measured seconds of live load per round, and unmeasured seconds before them. */
  seconds: number;
  warmupSeconds: number;
  /** Distinct configurations of Hera's plan checked live, pairs first. */
  maxConfigs: number;
  /**
   * Measured pair splits Hera's plan does not use (it found dedicated servers better) checked
   * live as well, highest measured EMU first: so co-location is checked on live load even where
   * the plan has none (as on 2 cores).
   */
  pairChecks: number;
  say: (line: string) => void;
}

/** One tenant of one node during a live round. */
export interface LiveTenant {
  model: string;
  workers: number;
  /** What the plan expects this node to serve (q_{p,m}), and what was offered to the cluster for it. */
  plannedQps: number;
  offeredQps: number;
  /** Queries answered within the SLA per second (this node's share), and their share of those sent. */
  withinSlaQps: number;
  attainment: number;
  p95Ms: number;
  slaMs: number;
  errors: Record<string, number>;
  /** The tenant host's own view over its sliding window (queue + compute, no gateway). */
  hostQps: number;
  hostP95Ms: number;
}

export interface LiveNode {
  nodeId: string;
  config: string;
  basis: string;
  planEmu: number;
  /** Σ tenants' within-SLA QPS / QPSmax: the EMU the node delivered. */
  measuredEmu: number;
  tenants: LiveTenant[];
}

export interface LiveRound {
  /** The configuration this round set out to check, and the plan version that applied it. */
  config: string;
  /** `plan`: a configuration of Hera's plan; `measured-pair`: a measured pair the plan does not use. */
  why: 'plan' | 'measured-pair';
  planVersion: number;
  nodes: LiveNode[];
}

export interface ReproductionReport {
  nodeClass: string;
  nodes: number;
  cores: number;
  models: string[];
  slaFactor: number;
  via: 'gateway' | 'worker';
  solo: { model: string; knee: number; qpsMax: number; kind: string; how: 'measured now' | 'stored' }[];
  soloFailures: string[];
  pairsMeasured: number;
  pairFailures: string[];
  predictor: PredictorCheck__Output | null;
  demandUnits: number;
  strategies: StrategyResult__Output[];
  heraConfigs: ConfigExplanation__Output[];
  live: LiveRound[];
  summary: {
    /**
     * Worst and mean SLA attainment of the co-located tenants of Hera's plan, at the planned
     * rates (undefined when the plan co-locates nothing).
     */
    coLocatedAttainment?: { min: number; mean: number };
    /** The same over the measured pairs the plan does not use, at their measured rates. */
    measuredPairAttainment?: { min: number; mean: number };
    allAttainment?: { min: number; mean: number };
    /** |measured EMU − plan EMU| / plan EMU per node and round. */
    planVsLiveEmuError?: { mean: number; max: number };
    emuGainVsDedicated: number;
    serversSavedVsDedicated: number;
  };
}

const stats = (xs: readonly number[]) =>
  xs.length
    ? { mean: xs.reduce((s, x) => s + x, 0) / xs.length, max: Math.max(...xs), min: Math.min(...xs) }
    : undefined;

/**
 * The proof on live nodes (DESIGN §4.4 step 6): profiles the models alone and in the pairs the
 * matcher considers, compares Hera with the baselines on those measured profiles, then checks
 * Hera's configurations against live load: for each distinct configuration of the plan (pairs
 * first), it sets a demand of exactly that configuration's per-server QPS on every registered
 * node, applies the plan Hera makes for it, and drives every model's planned rate at once through
 * the gateway, reporting per node and tenant the throughput within SLA, the SLA attainment and
 * the delivered EMU beside the plan's. One configuration per round, so a cluster with fewer
 * nodes than the plan's servers still checks every configuration it uses.
 *
 * It re-plans the cluster it runs against (the demand before it is restored and re-applied at
 * the end): run it on a cluster you may disturb.
 */
export async function reproduce(o: ReproduceOptions): Promise<ReproductionReport> {
  const proto = loadProtos().proto;
  const profiler: ProfilerServiceClient = createClient(proto.hera.profiler.v1.ProfilerService, o.profiler, {
    defaultDeadlineMs: 30_000,
  });
  const placement: PlacementServiceClient = createClient(proto.hera.placement.v1.PlacementService, o.placement, {
    defaultDeadlineMs: 120_000,
  });
  const redis = await connectRedis(o.redisUrl, { name: 'hera-reproduce', offlineQueue: true });
  const keys = new Keyspace(o.prefix);
  let previousDemand: ModelDemand[] | undefined;
  try {
    const registry = new Map((await new ModelStore(redis, keys).list()).map(m => [m.name, m]));
    const nodes = (await listLive<NodeRecord>(redis, keys.nodes(), m => keys.node(m))).live.sort((a, b) =>
      a.nodeId.localeCompare(b.nodeId),
    );
    if (!nodes.length) throw new Error('no node is registered');
    const nodeClass = majority(nodes.map(n => n.nodeClass));
    const classNodes = nodes.filter(n => n.nodeClass === nodeClass);
    const models = o.models.length ? [...o.models] : [...registry.keys()].sort();
    for (const m of models)
      if (!registry.has(m))
        throw new Error(`model ${m} is not registered; registered: ${[...registry.keys()].join(', ')}`);
    if (models.length < 2) throw new Error('needs at least two models');
    o.say(
      `node class ${nodeClass}: ${classNodes.length} node(s) of ${classNodes[0]!.cores} cores; models ${models.join(', ')}; SLA × ${o.slaFactor}; profiles measured ${o.via === 'gateway' ? 'through the gateway' : 'straight to the hosts'}`,
    );
    previousDemand = (await unaryCall(placement, 'GetDemand', {})).demands;
    if (o.via === 'gateway') {
      const applied = await unaryCall(placement, 'GetPlan', {}).then(
        r => r.plan,
        () => undefined,
      );
      if (applied)
        throw new Error(
          `this cluster has an applied plan (v${applied.version}): the gateway routes only its tenants, so profiling through it would fail; use --via worker, or a cluster started with \`hera up --no-plan\``,
        );
    }

    // 1. Solo profiles, at the SLA the rest is judged by.
    const slaOf = (m: string) => registry.get(m)!.slaMs * o.slaFactor;
    const stored = (await unaryCall(profiler, 'ListProfiles', { nodeClass })).profiles;
    const solo: ReproductionReport['solo'] = [];
    const soloFailures: string[] = [];
    for (const m of models) {
      const have = stored.find(
        p => p.model === m && Math.abs(p.slaMs - slaOf(m)) <= 1e-9 * p.slaMs && (p.via || 'worker') === o.via,
      );
      if (have && !o.reprofile) {
        solo.push({ model: m, knee: have.knee, qpsMax: have.qpsMax, kind: have.kind, how: 'stored' });
        continue;
      }
      o.say(`profiling ${m} alone (${o.quick ? 'quick' : 'full'}, p95 ≤ ${slaOf(m)} ms)`);
      try {
        const { jobId } = await unaryCall(profiler, 'StartProfile', {
          model: m,
          quick: o.quick,
          slaFactor: o.slaFactor,
          nodeId: classNodes[0]!.nodeId,
          via: o.via,
        });
        await watchJob(profiler, jobId, m.padEnd(6));
        const p = (await unaryCall(profiler, 'GetProfile', { model: m, nodeClass })).profile!;
        solo.push({ model: m, knee: p.knee, qpsMax: p.qpsMax, kind: p.kind, how: 'measured now' });
        o.say(`  ${m}: QPS(n) = ${p.points.map(x => x.qps.toFixed(1)).join(', ')} (${p.kind}, knee ${p.knee})`);
      } catch (err) {
        soloFailures.push(`${m}: ${(err as Error).message}`);
        o.say(`  ${m} not profiled: ${(err as Error).message}`);
      }
    }
    const profiled = solo.map(s => s.model);
    if (profiled.length < 2)
      throw new Error(
        `only ${profiled.length} model(s) could be profiled at SLA × ${o.slaFactor}: ${soloFailures.join('; ')}`,
      );

    // 2. Pairs the matcher considers, measured co-located.
    let pairsMeasured = 0;
    const pairFailures: string[] = [];
    if (o.pairs) {
      const r = await unaryCall(profiler, 'StartPairProfiles', {
        models: profiled,
        controls: o.controls,
        splitsPerPair: o.splitsPerPair,
        quick: o.quick,
        slaFactor: o.slaFactor,
        nodeId: classNodes[0]!.nodeId,
        via: o.via,
      });
      o.say(
        `measuring ${r.jobs.length} pair(s): ${r.jobs.map(j => `${j.modelA}+${j.modelB} (${j.role}; ${j.splits.map(s => `${s.workersA}:${s.workersB}`).join(', ')})`).join(', ')}`,
      );
      for (const j of r.jobs) {
        try {
          await watchJob(profiler, j.jobId, `${j.modelA}+${j.modelB}`);
          pairsMeasured++;
        } catch (err) {
          pairFailures.push(`${j.modelA}+${j.modelB}: ${(err as Error).message}`);
          o.say(`  ${j.modelA}+${j.modelB} not measured: ${(err as Error).message}`);
        }
      }
    }
    const pairsStored = (await unaryCall(profiler, 'ListPairProfiles', { nodeClass })).pairProfiles.filter(
      p => profiled.includes(p.modelA) && profiled.includes(p.modelB),
    );
    if (!o.pairs) pairsMeasured = pairsStored.length;

    // 3. Hera against the baselines on the measured profiles, for a uniform mix.
    await unaryCall(placement, 'SetDemand', {
      demands: profiled.map(model => ({ model, qps: 0, dedicatedUnits: o.units / profiled.length })),
      replace: true,
    });
    const dry = await unaryCall(placement, 'Plan', { nodeClass });
    const explained = await unaryCall(placement, 'Explain', { dryRun: true });
    const strategies = dry.strategies;
    const by = (s: string) => strategies.find(x => x.strategy === s);
    const hera = by('hera')!;
    const dedicated = by('dedicated')!;
    o.say(
      `uniform mix worth ${o.units} dedicated servers: ${strategies.map(s => `${s.strategy} ${s.servers} (mean EMU ${s.meanEmu.toFixed(3)})`).join(', ')}`,
    );

    // 4. Every distinct configuration Hera uses, checked live, pairs first; then measured pairs
    //    the plan does not use.
    const configs = [...explained.configs]
      .sort((x, y) => y.tenants.length - x.tenants.length || y.count - x.count)
      .slice(0, o.maxConfigs);
    const inPlan = new Set(configs.map(c => c.config));
    const extra = (explained.predictor?.rows ?? [])
      .map(r => ({
        id: configId([
          { model: r.modelA, workers: r.workersA },
          { model: r.modelB, workers: r.workersB },
        ]),
        emu: r.measuredEmu,
        ok: r.measuredQpsA > 0 && r.measuredQpsB > 0,
      }))
      .filter(r => r.ok && !inPlan.has(r.id))
      .sort((x, y) => y.emu - x.emu)
      .slice(0, o.pairChecks);
    const qpsMax = new Map(
      (await unaryCall(profiler, 'ListProfiles', { nodeClass })).profiles
        .filter(p => profiled.includes(p.model))
        .map(p => [p.model, p.qpsMax]),
    );
    const live: LiveRound[] = [];
    for (const c of configs)
      live.push(await liveRound(o, c.config, 'plan', placement, redis, keys, classNodes, registry, qpsMax));
    for (const r of extra)
      live.push(await liveRound(o, r.id, 'measured-pair', placement, redis, keys, classNodes, registry, qpsMax));

    const perTenant = (why: LiveRound['why'] | undefined, pred: (n: LiveNode) => boolean) =>
      live
        .filter(r => !why || r.why === why)
        .flatMap(r => r.nodes.filter(pred).flatMap(n => n.tenants.map(t => t.attainment)));
    const coLocated = stats(perTenant('plan', n => n.tenants.length > 1));
    const measuredPairs = stats(perTenant('measured-pair', n => n.tenants.length > 1));
    const all = stats(perTenant(undefined, () => true));
    const emuErrors = stats(
      live.flatMap(r => r.nodes.filter(n => n.planEmu > 0).map(n => Math.abs(n.measuredEmu - n.planEmu) / n.planEmu)),
    );
    return {
      nodeClass,
      nodes: classNodes.length,
      cores: classNodes[0]!.cores,
      models: profiled,
      slaFactor: o.slaFactor,
      via: o.via,
      solo,
      soloFailures,
      pairsMeasured,
      pairFailures,
      predictor: explained.predictor ?? null,
      demandUnits: o.units,
      strategies,
      heraConfigs: explained.configs,
      live,
      summary: {
        ...(coLocated ? { coLocatedAttainment: { min: coLocated.min, mean: coLocated.mean } } : {}),
        ...(measuredPairs ? { measuredPairAttainment: { min: measuredPairs.min, mean: measuredPairs.mean } } : {}),
        ...(all ? { allAttainment: { min: all.min, mean: all.mean } } : {}),
        ...(emuErrors ? { planVsLiveEmuError: { mean: emuErrors.mean, max: emuErrors.max } } : {}),
        emuGainVsDedicated: dedicated.meanEmu > 0 ? hera.meanEmu / dedicated.meanEmu : 0,
        serversSavedVsDedicated: dedicated.servers > 0 ? 1 - hera.servers / dedicated.servers : 0,
      },
    };
  } finally {
    if (previousDemand) {
      // Put the cluster back as it was planned before.
      await unaryCall(placement, 'SetDemand', { demands: previousDemand, replace: true })
        .then(() => (previousDemand!.length ? unaryCall(placement, 'Apply', {}) : undefined))
        .catch(err => o.say(`could not restore the previous demand: ${(err as Error).message}`));
    }
    profiler.close();
    placement.close();
    redis.disconnect();
  }
}

/**
 * One configuration pinned on every node of the class (ApplyRequest.pinned), every model driven
 * at the plan's QPS for it through the gateway at once.
 */
async function liveRound(
  o: ReproduceOptions,
  config: string,
  why: LiveRound['why'],
  placement: PlacementServiceClient,
  redis: Parameters<typeof listLive>[0],
  keys: Keyspace,
  nodes: readonly NodeRecord[],
  registry: ReadonlyMap<string, ModelRecord>,
  qpsMax: ReadonlyMap<string, number>,
): Promise<LiveRound> {
  const { plan } = await unaryCall(placement, 'Apply', { pinned: [{ config, count: nodes.length }] });
  const applied = plan as Plan__Output;
  const onNodes = applied.nodes.filter(n => n.nodeId && !n.overcommitted);
  const rates = new Map<string, number>();
  for (const n of onNodes) for (const [m, q] of Object.entries(n.qps)) rates.set(m, (rates.get(m) ?? 0) + q);
  const demands = [...rates.entries()].map(([model, qps]) => ({ model, qps }));
  o.say(
    `live check of ${config} (${why === 'plan' ? "in Hera's plan" : 'a measured pair the plan does not use'}; ${onNodes[0]?.basis ?? ''}) on ${onNodes.length} node(s), plan v${applied.version}: ${demands.map(d => `${d.model} ${d.qps.toFixed(1)} qps`).join(', ')}`,
  );
  // Every model routed by the gateway (its hosts started and warmed) before the load starts.
  const oip = createClient(loadProtos().proto.inference.GRPCInferenceService, o.gateway, { defaultDeadlineMs: 5_000 });
  try {
    await waitFor(
      async () => {
        const ready = await Promise.all(
          demands.map(d =>
            unaryCall(oip, 'ModelReady', { name: d.model }, { metadata: untracedMetadata() }).then(
              x => x.ready,
              () => false,
            ),
          ),
        );
        return ready.every(Boolean);
      },
      300_000,
      `the gateway to route ${demands.map(d => d.model).join(', ')}`,
    );
  } finally {
    oip.close();
  }
  const slaMs = new Map(demands.map(d => [d.model, registry.get(d.model)!.slaMs * o.slaFactor]));
  const results = new Map<string, LoadSummary>();
  await Promise.all(
    demands.map(async (d, i) => {
      const target = gatewayTarget(o.gateway, d.model, new PayloadPool(registry.get(d.model)!, 1024, 40 + i));
      try {
        const s = await runLoad(target.send, {
          rate: d.qps,
          seed: 70 + i,
          durationMs: o.seconds * 1000,
          warmupMs: o.warmupSeconds * 1000,
          timeoutMs: 2 * slaMs.get(d.model)!,
          slaMs: slaMs.get(d.model)!,
          maxInFlight: 20_000,
        });
        results.set(d.model, s);
      } finally {
        target.close();
      }
    }),
  );
  // The hosts' own view, per node (queue + compute over their sliding window).
  const host = new Map<string, Map<string, { qps: number; p95Ms: number }>>();
  for (const n of nodes) {
    const cl = createClient(loadProtos().proto.hera.worker.v1.WorkerService, n.endpoint, { maxAttempts: 1 });
    try {
      const s = await unaryCall(cl, 'GetStatus', {}, { deadlineMs: 3_000 });
      host.set(
        n.nodeId,
        new Map(s.tenants.map(t => [t.allocation!.model, { qps: t.servedQps, p95Ms: t.latency?.p95Ms ?? 0 }])),
      );
    } catch {
      // A node that does not answer reports no host figures.
    } finally {
      cl.close();
    }
  }
  const liveNodes: LiveNode[] = onNodes.map(n => {
    const tenants: LiveTenant[] = (n.tenants ?? []).map(t => {
      const s = results.get(t.model);
      // The gateway spreads a model's queries over its replicas: each node is credited its
      // share in proportion to the QPS the plan expects of it.
      const share = (n.qps[t.model] ?? 0) / (rates.get(t.model) || 1);
      const h = host.get(n.nodeId)?.get(t.model);
      return {
        model: t.model,
        workers: t.workers,
        plannedQps: n.qps[t.model] ?? 0,
        offeredQps: s ? s.offeredQps * share : 0,
        withinSlaQps: s ? ((s.withinSla ?? 0) / (s.durationMs / 1000)) * share : 0,
        attainment: s?.attainment ?? 0,
        p95Ms: s?.p95Ms ?? 0,
        slaMs: slaMs.get(t.model) ?? 0,
        errors: s?.errors ?? {},
        hostQps: h?.qps ?? 0,
        hostP95Ms: h?.p95Ms ?? 0,
      };
    });
    const measuredEmu = tenants.reduce(
      (sum, t) => sum + ((qpsMax.get(t.model) ?? 0) > 0 ? t.withinSlaQps / qpsMax.get(t.model)! : 0),
      0,
    );
    return { nodeId: n.nodeId, config: n.config, basis: n.basis, planEmu: n.emu, measuredEmu, tenants };
  });
  for (const n of liveNodes) {
    o.say(
      `  ${n.nodeId} ${n.config}: EMU plan ${n.planEmu.toFixed(3)}, live ${n.measuredEmu.toFixed(3)}; ` +
        n.tenants
          .map(
            t =>
              `${t.model} ${t.withinSlaQps.toFixed(1)} of ${t.plannedQps.toFixed(1)} qps within ${t.slaMs} ms (attainment ${(t.attainment * 100).toFixed(1)}%, p95 ${t.p95Ms.toFixed(1)} ms)`,
          )
          .join('; '),
    );
  }
  return { config, why, planVersion: Number(applied.version), nodes: liveNodes };
}

function majority(xs: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}
