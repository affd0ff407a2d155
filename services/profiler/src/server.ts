import type { Queue } from 'bullmq';
import type { RedisClient } from '@hera/state';
import { MAX_ITEMS } from '@hera/model-schema';
import { HeraError, invalidArgument } from '@hera/errors';
import { serverStream, unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { measuredNodeClass, profileSetFromMeasurements, selectPairsToProfile } from '@hera/hera';
import { services, type JobProgress, type ProfilerServiceHandlers } from '@hera/proto';
import { DEFAULT_JOB_OPTIONS, profileJobId, withTraceContext, type ProfileJobData } from '@hera/queues';
import { listLive, type Keyspace, type ModelStore, type NodeRecord, type ProfileStore } from '@hera/state';
import type { JobProgressData } from './profile-job';

/**
 * Bounds of ProfilerService requests, in one place (the proto comments and the README quote
 * them). Sub-batch sizes are bounded by MAX_ITEMS (@hera/model-schema), what a tenant host accepts at
 * once; worker counts and splits by the node's cores, each listed once.
 */
export const PROFILER_LIMITS = {
  /**
   * sla_factor: 0 means 1, else within these. Below a hundredth of its SLA no model meets it;
   * 20 × the slowest zoo SLA (400 ms) is already a whole 8-s measurement point.
   */
  minSlaFactor: 0.01,
  maxSlaFactor: 20,
  /** sub_batch_sizes: each size is a rate search at every worker count (the default tries 3). */
  maxSubBatchSizes: 8,
  /** StartPairProfiles.splits_per_pair (a 16-core node has 15 splits per pair). */
  maxSplitsPerPair: 64,
  /** StartPairProfiles.controls. */
  maxControls: 64,
} as const;

/** INVALID_ARGUMENT for the first entry of `list` (by `key`) that repeats an earlier one. */
function checkDistinct<T>(field: string, list: readonly T[], key: (x: T) => string): void {
  const seen = new Set<string>();
  for (const [i, x] of list.entries()) {
    const k = key(x);
    if (seen.has(k)) throw invalidArgument(`${field}[${i}]`, `${k} is listed twice`);
    seen.add(k);
  }
}

/** WatchJob and CancelJob name a job. */
function checkJobId(id: string): void {
  if (!id) throw invalidArgument('job_id', 'must not be empty');
}

const ACTIVE = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** The public state of a job: BullMQ's, with failures by cancellation called what they are. */
async function jobState(
  queue: Queue<ProfileJobData>,
  id: string,
): Promise<{ state: string; progress?: JobProgressData; error?: string } | undefined> {
  const job = await queue.getJob(id);
  if (!job) return undefined;
  const raw = await job.getState();
  const state =
    raw === 'failed' && job.failedReason === 'cancelled'
      ? 'cancelled'
      : ACTIVE.has(raw)
        ? raw === 'active'
          ? 'active'
          : 'waiting'
        : raw;
  const progress =
    typeof job.progress === 'object' && job.progress !== null ? (job.progress as JobProgressData) : undefined;
  return { state, ...(progress ? { progress } : {}), ...(state === 'failed' ? { error: job.failedReason } : {}) };
}

/** hera.profiler.v1.ProfilerService. */
export function profilerService(deps: {
  redis: RedisClient;
  keys: Keyspace;
  queue: Queue<ProfileJobData>;
  profiles: ProfileStore;
  models: ModelStore;
  log: Logger;
}): ServiceBinding {
  const { redis, keys, queue, profiles, models, log } = deps;

  const pickNode = async (nodeId: string): Promise<NodeRecord> => {
    const nodes = (await listLive<NodeRecord>(redis, keys.nodes(), m => keys.node(m))).live;
    const node = nodeId
      ? nodes.find(n => n.nodeId === nodeId)
      : nodes.sort((a, b) => a.nodeId.localeCompare(b.nodeId))[0];
    if (!node)
      throw new HeraError(
        'NOT_FOUND',
        nodeId ? `node ${nodeId} is not registered` : 'no node is registered to profile on',
      );
    return node;
  };
  const checkFactor = (f: number) => {
    const { minSlaFactor: min, maxSlaFactor: max } = PROFILER_LIMITS;
    if (f !== 0 && !(f >= min && f <= max))
      throw invalidArgument('sla_factor', `must be 0 (= 1) or in ${min}..${max}, got ${f}`);
  };
  const parseVia = (v: string): ProfileJobData['via'] => {
    if (v === '' || v === 'worker') return undefined;
    if (v === 'gateway') return 'gateway';
    throw invalidArgument('via', `must be "worker" or "gateway", got ${JSON.stringify(v)}`);
  };
  /** Queues a job; the same request while one is queued or running gets that job (idempotent). */
  const enqueue = async (data: ProfileJobData): Promise<{ jobId: string; existing: boolean }> => {
    const jobId = profileJobId(data);
    const prior = await jobState(queue, jobId);
    if (prior && (prior.state === 'waiting' || prior.state === 'active')) return { jobId, existing: true };
    if (prior) await (await queue.getJob(jobId))?.remove();
    await redis.del(keys.profileCancel(jobId));
    // The id hashes the request alone; the trace context (this call's span) joins after.
    await queue.add('profile', withTraceContext(data), { ...DEFAULT_JOB_OPTIONS, jobId });
    log.info({ jobId, data }, 'profile job queued');
    return { jobId, existing: false };
  };

  const impl: ProfilerServiceHandlers = {
    StartProfile: unary(log, 'StartProfile', async req => {
      // What needs no lookup first: a malformed request costs nothing.
      if (!req.model) throw invalidArgument('model', 'must not be empty');
      if (req.pairModel && req.pairModel === req.model) throw invalidArgument('pair_model', 'must differ from model');
      if (req.pairModel && req.splits.length === 0)
        throw invalidArgument('splits', 'a pair profile needs at least one split (e.g. 1:1)');
      if (!req.pairModel && req.splits.length) throw invalidArgument('splits', 'only for a pair (set pair_model)');
      checkFactor(req.slaFactor);
      const via = parseVia(req.via);
      if (req.subBatchSizes.length > PROFILER_LIMITS.maxSubBatchSizes)
        throw invalidArgument(
          'sub_batch_sizes',
          `at most ${PROFILER_LIMITS.maxSubBatchSizes} sizes, got ${req.subBatchSizes.length}`,
        );
      for (const [i, b] of req.subBatchSizes.entries()) {
        if (!Number.isInteger(b) || b < 1 || b > MAX_ITEMS)
          throw invalidArgument(`sub_batch_sizes[${i}]`, `must be in 1..${MAX_ITEMS}, got ${b}`);
      }
      checkDistinct('sub_batch_sizes', req.subBatchSizes, String);
      // Listed once each, worker counts and splits are at most as many as the node's cores.
      checkDistinct('worker_counts', req.workerCounts, String);
      checkDistinct('splits', req.splits, s => `${s.workersA}:${s.workersB}`);
      for (const m of [req.model, req.pairModel].filter(Boolean)) {
        if (!(await models.get(m))) throw new HeraError('NOT_FOUND', `model ${m} is not registered`);
      }
      const node = await pickNode(req.nodeId);
      for (const [i, n] of req.workerCounts.entries()) {
        if (!Number.isInteger(n) || n < 1 || n > node.cores)
          throw invalidArgument(
            `worker_counts[${i}]`,
            `must be in 1..${node.cores} (cores of ${node.nodeId}), got ${n}`,
          );
      }
      for (const [i, s] of req.splits.entries()) {
        if (s.workersA < 1 || s.workersB < 1 || s.workersA + s.workersB > node.cores)
          throw invalidArgument(`splits[${i}]`, `${s.workersA}:${s.workersB} does not fit ${node.cores} cores`);
      }
      const data: ProfileJobData = {
        model: req.model,
        nodeId: node.nodeId,
        quick: req.quick,
        ...(req.pairModel
          ? { pairModel: req.pairModel, splits: req.splits.map(s => ({ workersA: s.workersA, workersB: s.workersB })) }
          : {}),
        ...(req.workerCounts.length ? { workerCounts: [...req.workerCounts] } : {}),
        ...(req.subBatchSizes.length ? { subBatchSizes: [...req.subBatchSizes] } : {}),
        ...(req.slaFactor && req.slaFactor !== 1 ? { slaFactor: req.slaFactor } : {}),
        ...(via ? { via } : {}),
      };
      return enqueue(data);
    }),
    StartPairProfiles: unary(log, 'StartPairProfiles', async req => {
      checkFactor(req.slaFactor);
      const via = parseVia(req.via);
      const factor = req.slaFactor > 0 ? req.slaFactor : 1;
      // A pair has at most as many splits as fit the node (one on 2 cores): more asked is all of them.
      if (req.splitsPerPair > PROFILER_LIMITS.maxSplitsPerPair)
        throw invalidArgument(
          'splits_per_pair',
          `must be at most ${PROFILER_LIMITS.maxSplitsPerPair}, got ${req.splitsPerPair}`,
        );
      if ((req.controls ?? 0) > PROFILER_LIMITS.maxControls)
        throw invalidArgument('controls', `must be at most ${PROFILER_LIMITS.maxControls}, got ${req.controls}`);
      for (const [i, m] of req.models.entries()) if (!m) throw invalidArgument(`models[${i}]`, 'must not be empty');
      // Listed once each, the models are at most as many as are registered.
      checkDistinct('models', req.models, String);
      const node = await pickNode(req.nodeId);
      const registry = new Map((await models.list()).map(m => [m.name, m]));
      for (const [i, m] of req.models.entries())
        if (!registry.has(m)) throw new HeraError('NOT_FOUND', `models[${i}]: model ${m} is not registered`);
      // Solo profiles measured against the SLA this job judges by (the model's SLA × factor).
      const wanted = new Set(req.models);
      const solo = (await profiles.list(node.nodeClass)).filter(p => {
        const m = registry.get(p.model);
        return (
          m &&
          (!wanted.size || wanted.has(p.model)) &&
          Math.abs(p.slaMs - m.slaMs * factor) <= 1e-9 * p.slaMs &&
          p.via === via
        );
      });
      if (solo.length < 2) {
        throw new HeraError(
          'PRECONDITION',
          `${solo.length} model(s) have a solo profile on node class ${node.nodeClass} at ${factor} × their SLA${via ? ' measured through the gateway' : ''}${wanted.size ? ` among ${[...wanted].join(', ')}` : ''}; pairs need two: profile them alone first (hera profile --all${factor !== 1 ? ` --sla-factor ${factor}` : ''}${via ? ' --via gateway' : ''})`,
        );
      }
      const set = profileSetFromMeasurements({
        nodeClass: measuredNodeClass({ name: node.nodeClass, cores: node.cores, memoryBytes: node.memoryBytes }),
        profiles: solo,
      });
      const selection = selectPairsToProfile(set, {
        splitsPerPair: req.splitsPerPair || 3,
        controls: req.controls ?? 2,
      });
      if (!selection.pairs.length)
        throw new HeraError(
          'PRECONDITION',
          `no pair of ${solo.map(p => p.model).join(', ')} has a split that fits node ${node.nodeId}`,
        );
      const jobs = [];
      for (const p of selection.pairs) {
        const data: ProfileJobData = {
          model: p.a,
          pairModel: p.b,
          splits: p.splits.map(s => ({
            workersA: s.workersA,
            workersB: s.workersB,
            predictedQpsA: s.predictedQpsA,
            predictedQpsB: s.predictedQpsB,
          })),
          nodeId: node.nodeId,
          quick: req.quick,
          ...(factor !== 1 ? { slaFactor: factor } : {}),
          ...(via ? { via } : {}),
        };
        const { jobId, existing } = await enqueue(data);
        jobs.push({ jobId, modelA: p.a, modelB: p.b, role: p.role, existing, splits: p.splits.map(s => ({ ...s })) });
      }
      return {
        jobs,
        skipped: selection.skipped.map(s => ({ modelA: s.a, modelB: s.b, reason: s.reason })),
        nodeClass: node.nodeClass,
      };
    }),
    ListPairProfiles: unary(log, 'ListPairProfiles', async req => {
      const all = await profiles.listPairs(req.nodeClass || '*');
      return {
        pairProfiles: all.sort((x, y) =>
          `${x.nodeClass}/${x.modelA}+${x.modelB}`.localeCompare(`${y.nodeClass}/${y.modelA}+${y.modelB}`),
        ),
      };
    }),
    GetProfile: unary(log, 'GetProfile', async req => {
      if (!req.model) throw invalidArgument('model', 'must not be empty');
      if (!req.nodeClass) throw invalidArgument('node_class', 'must not be empty');
      const profile = await profiles.get(req.nodeClass, req.model);
      if (!profile) throw new HeraError('NOT_FOUND', `no profile of ${req.model} on node class ${req.nodeClass}`);
      return { profile };
    }),
    ListProfiles: unary(log, 'ListProfiles', async req => ({ profiles: await profiles.list(req.nodeClass) })),
    CancelJob: unary(log, 'CancelJob', async req => {
      checkJobId(req.jobId);
      const job = await queue.getJob(req.jobId);
      if (!job) throw new HeraError('NOT_FOUND', `no job ${JSON.stringify(req.jobId)}`);
      const s = (await jobState(queue, req.jobId))!.state;
      if (s === 'waiting') {
        await job.remove();
        return { state: 'cancelled' };
      }
      if (s === 'active') {
        // The runner checks this between measurements, restores the node and ends the job.
        await redis.set(keys.profileCancel(req.jobId), '1', 'EX', 3_600);
        return { state: 'cancelling' };
      }
      return { state: s };
    }),
    WatchJob: serverStream(log, 'WatchJob', async (req, call) => {
      checkJobId(req.jobId);
      if (!(await queue.getJob(req.jobId))) throw new HeraError('NOT_FOUND', `no job ${JSON.stringify(req.jobId)}`);
      let last = '';
      while (!call.cancelled) {
        const s = await jobState(queue, req.jobId);
        const state = s?.state ?? 'cancelled'; // removed while waiting = cancelled
        const p = s?.progress;
        const msg: JobProgress = {
          jobId: req.jobId,
          state,
          fraction: state === 'completed' ? 1 : (p?.fraction ?? 0),
          point: p?.point ?? '',
          rateQps: p?.rateQps ?? 0,
          p95Ms: p?.p95Ms ?? 0,
          etaS: p?.etaS ?? 0,
          error: s?.error ?? '',
        };
        const key = JSON.stringify(msg);
        if (key !== last) {
          call.write(msg);
          last = key;
        }
        if (state === 'completed' || state === 'failed' || state === 'cancelled') return;
        await new Promise(r => setTimeout(r, 250));
      }
    }),
  };
  return { name: 'hera.profiler.v1.ProfilerService', definition: services().profiler, implementation: impl };
}
