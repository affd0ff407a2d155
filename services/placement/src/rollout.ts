import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import { HeraError, invalidArgument, isHeraError, quoted } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { inputsDiffer, type ModelInputs, type ModelRecord, type TensorSignature } from '@hera/model-schema';
import type { Plan, Rollout } from '@hera/proto';
import {
  QUEUES,
  queueOptions,
  rolloutJobId,
  tracedProcessor,
  withTraceContext,
  type RolloutJobData,
  type RolloutProgress,
} from '@hera/queues';
import type { Keyspace, ModelStore, NodeRecord, PlanStore } from '@hera/state';

/** How often a running rollout reads the node records. */
const POLL_MS = 250;
/** How long a rollback waits for the old version to serve alone again before the job reports. */
const ROLLBACK_WAIT_MS = 60_000;

const validName = (s: string) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s);

/**
 * A version's inputs as the model repository describes them (the layout of @hera/models
 * repository.ts, read directly: placement loads no engine). NOT_FOUND when the repository
 * does not hold the version; INVALID_ARGUMENT when its description is unreadable.
 */
export async function readVersionInputs(repo: string, model: string, version: string): Promise<ModelInputs> {
  const dir = join(repo, model);
  const current = join(dir, 'config.json');
  if (!existsSync(current)) throw new HeraError('NOT_FOUND', `model ${model} is not in the model repository ${repo}`);
  const candidates = [join(dir, version, 'config.json'), join(dir, version, 'model.json')];
  const path = candidates.find(p => existsSync(p));
  if (!path) throw new HeraError('NOT_FOUND', `model ${model} has no version ${quoted(version)} in ${repo}`);
  type Described = Partial<ModelInputs> & {
    version?: string;
    arch?: { layout?: string } & Partial<TensorSignature>;
  };
  let json: { modelTopology?: Described } & Described;
  try {
    json = JSON.parse(await fsp.readFile(path, 'utf8')) as typeof json;
  } catch (err) {
    throw invalidArgument('version', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  const d = path.endsWith('model.json') ? json.modelTopology : json;
  if (!d || typeof d.denseDim !== 'number' || !Array.isArray(d.tables))
    throw invalidArgument('version', `${path} does not describe the model's inputs (denseDim, tables)`);
  // A copied directory still naming its source version would load that one's files.
  if (d.version !== version) throw invalidArgument('version', `${path} names version ${quoted(String(d.version))}`);
  return {
    denseDim: d.denseDim,
    denseDatatype: d.denseDatatype,
    tables: d.tables.map(t => ({ name: t.name, rows: t.rows, lookups: t.lookups })),
    tensors: d.arch?.layout === 'tensors' ? { inputs: d.arch.inputs ?? [], outputs: d.arch.outputs ?? [] } : undefined,
  };
}

export interface RolloutDeps {
  models: Pick<ModelStore, 'get' | 'put'>;
  plans: Pick<PlanStore, 'get' | 'update' | 'explanation'>;
  nodes: { live(): Promise<NodeRecord[]> };
  /** The model repository (HERA_MODEL_REPO), as the node agents see it. */
  repo: string;
  /** A rollout whose tenants do not all serve the new version this long after the plan is rolled back. */
  timeoutMs: number;
  log: Logger;
}

/** The plan with `version` for every tenant of `model`; throws PRECONDITION when it places none. */
function withVersion(current: Plan | undefined, model: string, version: string): Plan {
  if (!current) throw new HeraError('PRECONDITION', 'no plan is applied: apply one before rolling out');
  let placed = 0;
  const nodes = (current.nodes ?? []).map(n => ({
    ...n,
    tenants: (n.tenants ?? []).map(t => {
      if (t.model !== model) return t;
      placed++;
      return { ...t, version };
    }),
  }));
  if (placed === 0) throw new HeraError('PRECONDITION', `the applied plan places no tenant of ${model}`);
  return { ...current, nodes, createdAtMs: Date.now() };
}

/** The nodes the plan places `model` on (unplaced entries have no node). */
function plannedNodes(plan: Plan | undefined, model: string): string[] {
  return (plan?.nodes ?? [])
    .filter(n => n.nodeId && (n.tenants ?? []).some(t => t.model === model))
    .map(n => n.nodeId!);
}

/**
 * The job: the version is checked, the ModelRecord and then the plan name it (nodes
 * start it beside the old one; see the worker README "Version rollouts"), and the job
 * waits until every planned tenant serves it with no old host left. A node reporting
 * that the version failed to start, or the timeout, rolls back: record and plan name
 * the old version again (which kept serving) and the job fails with the reason.
 */
export async function runRollout(
  data: RolloutJobData,
  deps: RolloutDeps,
  progress: (p: RolloutProgress) => Promise<void>,
): Promise<{ version: string; tenants: number }> {
  const { model, version, fromVersion } = data;
  const { models, plans, log } = deps;
  await progress({ phase: 'checking', tenants: 0, tenantsDone: 0 });
  const record = await models.get(model);
  if (!record) throw new HeraError('NOT_FOUND', `model ${quoted(model)} is not registered`);
  await checkVersion(deps.repo, record, version);
  await models.put({ ...record, version });
  let applied: Plan;
  try {
    const r = await plans.update(async current => ({
      plan: withVersion(current, model, version),
      explanation: (await plans.explanation()) ?? {},
    }));
    applied = r.plan!;
  } catch (err) {
    await models.put({ ...record, version: fromVersion });
    throw err;
  }
  const nodes = plannedNodes(applied, model);
  log.info({ model, from: fromVersion, to: version, nodes }, 'rollout: plan names the new version');
  await progress({ phase: 'switching', tenants: nodes.length, tenantsDone: 0 });

  const deadline = Date.now() + deps.timeoutMs;
  let failure = '';
  for (;;) {
    const s = await standing(deps, nodes, model, version);
    await progress({ phase: 'switching', tenants: nodes.length, tenantsDone: s.done });
    if (s.failed) {
      failure = s.failed;
      break;
    }
    if (s.done === nodes.length) {
      await progress({ phase: 'done', tenants: nodes.length, tenantsDone: nodes.length });
      log.info({ model, version, tenants: nodes.length }, 'rollout done');
      return { version, tenants: nodes.length };
    }
    if (Date.now() >= deadline) {
      failure = `not every tenant served ${version} within ${deps.timeoutMs} ms (${s.done} of ${nodes.length}: ${s.waiting})`;
      break;
    }
    await new Promise(r => setTimeout(r, POLL_MS));
  }

  // Roll back: the old version never stopped serving where the new one failed.
  log.warn({ model, from: fromVersion, to: version, failure }, 'rollout failed; rolling back');
  await progress({ phase: 'rolling-back', tenants: nodes.length, tenantsDone: 0 });
  await models.put({ ...record, version: fromVersion });
  await plans.update(async current => ({
    plan: withVersion(current, model, fromVersion),
    explanation: (await plans.explanation()) ?? {},
  }));
  const until = Date.now() + ROLLBACK_WAIT_MS;
  for (;;) {
    const s = await standing(deps, nodes, model, fromVersion);
    if (s.done === nodes.length || Date.now() >= until) break;
    await new Promise(r => setTimeout(r, POLL_MS));
  }
  await progress({ phase: 'rolled-back', tenants: nodes.length, tenantsDone: 0 });
  throw new UnrecoverableError(`rollout of ${model} to version ${version} failed: ${failure}; ${fromVersion} serves`);
}

async function checkVersion(repo: string, record: ModelRecord, version: string): Promise<void> {
  const next = await readVersionInputs(repo, record.name, version);
  const why = inputsDiffer(record, next);
  if (why)
    throw invalidArgument(
      'version',
      `${record.name} version ${version} takes other inputs than the serving ${record.version} (${why})`,
    );
}

/** How the planned tenants of `model` stand against `version`. */
async function standing(
  deps: RolloutDeps,
  nodes: string[],
  model: string,
  version: string,
): Promise<{ done: number; failed: string; waiting: string }> {
  const live = new Map((await deps.nodes.live()).map(n => [n.nodeId, n]));
  let done = 0;
  const waiting: string[] = [];
  for (const id of nodes) {
    const t = live.get(id)?.tenants?.[model];
    if (t?.failedVersion === version)
      return { done, failed: `node ${id}: ${t.rolloutError || 'the new version did not start'}`, waiting: '' };
    if (t && t.state === 'serving' && t.version === version && !t.pendingVersion && !t.retiring) done++;
    else
      waiting.push(
        `${id}: ${t ? `${t.state} ${t.version ?? '?'}${t.pendingVersion ? ` (starting ${t.pendingVersion})` : ''}${t.retiring ? ` (${t.retiring} old host(s) draining)` : ''}` : 'no record'}`,
      );
  }
  return { done, failed: '', waiting: waiting.join('; ') };
}

/** StartRollout / GetRollout and the `rollout` queue's consumer. */
export class Rollouts {
  #worker: Worker<RolloutJobData> | undefined;

  constructor(
    private readonly deps: RolloutDeps,
    private readonly queue: Queue<RolloutJobData>,
    private readonly bull: { keys: Keyspace; connection: ConnectionOptions },
  ) {}

  start(): void {
    this.#worker = new Worker<RolloutJobData>(
      QUEUES.rollout,
      tracedProcessor(QUEUES.rollout, job =>
        runRollout(job.data, this.deps, p => job.updateProgress({ ...p })).catch(err => {
          // Nothing about a rollout gets better by running it again: fail it with the reason.
          if (isHeraError(err)) throw new UnrecoverableError((err as Error).message);
          throw err;
        }),
      ),
      // One rollout at a time: each rewrites the plan.
      { ...queueOptions(this.bull.keys, this.bull.connection), concurrency: 1 },
    );
    this.#worker.on('error', err => this.deps.log.warn({ err }, 'rollout worker error'));
    this.#worker.on('failed', (job, err) =>
      this.deps.log.warn({ job: job?.id, err: err.message }, 'rollout job failed'),
    );
  }

  async stop(): Promise<void> {
    await this.#worker?.close();
  }

  /** StartRollout: checks what can be checked now, then queues the job (or returns the running one). */
  async request(model: string, version: string): Promise<Rollout> {
    if (!model) throw invalidArgument('model', 'must not be empty');
    if (!validName(model)) throw invalidArgument('model', `${quoted(model)} is not a valid model name`);
    if (!version) throw invalidArgument('version', 'must not be empty');
    if (!validName(version)) throw invalidArgument('version', `${quoted(version)} is not a valid version`);
    const record = await this.deps.models.get(model);
    if (!record) throw new HeraError('NOT_FOUND', `model ${quoted(model)} is not registered`);
    // A rollout moves one served version to another; a set of them is changed by its policy
    // (LoadModel), which rolls the tenants make-before-break the same way.
    if ((record.versions?.length ?? 0) > 1)
      throw new HeraError(
        'PRECONDITION',
        `${model} serves versions ${record.versions!.join(', ')} under its version policy: change the policy instead (hera models load ${model} --version-policy …)`,
      );
    const running = (await this.queue.getJobs(['active', 'waiting', 'delayed', 'prioritized'])).filter(
      j => j?.data?.model === model,
    );
    const same = running.find(j => j.data.version === version);
    if (same) return this.#toRollout(same);
    if (running.length)
      throw new HeraError(
        'PRECONDITION',
        `${model} is being rolled out to version ${running[0]!.data.version} (rollout ${running[0]!.id}); wait for it`,
      );
    await checkVersion(this.deps.repo, record, version);
    const plan = await this.deps.plans.get();
    withVersion(plan, model, version); // throws PRECONDITION without a plan placing the model
    const id = rolloutJobId(model, version);
    const job = await this.queue.add(
      'rollout',
      withTraceContext<RolloutJobData>({ model, version, fromVersion: record.version }),
      { jobId: id, attempts: 1, removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } },
    );
    this.deps.log.info({ model, from: record.version, to: version, id }, 'rollout requested');
    return this.#toRollout(job);
  }

  async get(id: string): Promise<Rollout> {
    if (!id) throw invalidArgument('id', 'must not be empty');
    const job = await this.queue.getJob(id);
    if (!job) throw new HeraError('NOT_FOUND', `no rollout ${quoted(id)}`);
    return this.#toRollout(job);
  }

  async #toRollout(job: Job<RolloutJobData>): Promise<Rollout> {
    const state = await job.getState();
    const p = (typeof job.progress === 'object' ? job.progress : undefined) as RolloutProgress | undefined;
    return {
      id: job.id ?? '',
      model: job.data.model,
      fromVersion: job.data.fromVersion,
      toVersion: job.data.version,
      state: state === 'prioritized' || state === 'delayed' ? 'waiting' : state,
      phase: p?.phase ?? '',
      tenants: p?.tenants ?? 0,
      tenantsDone: p?.tenantsDone ?? 0,
      error: state === 'failed' ? job.failedReason : '',
      startedAtMs: job.timestamp,
      finishedAtMs: job.finishedOn ?? 0,
    };
  }
}
