import { promises as fsp } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { Queue } from 'bullmq';
import { HeraError, invalidArgument, quoted } from '@hera/errors';
import { toStatus, unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import {
  describePolicy,
  inputsDiffer,
  inputsOf,
  isImported,
  joinVersions,
  recordVersions,
  servedVersions,
  toModelRecord,
  unservablePolicy,
  type ModelConfig,
  type ModelRecord,
  type VersionPolicy,
} from '@hera/model-schema';
import {
  checkImport,
  importModel,
  listVersions,
  nextVersion,
  modelDir,
  readModelConfig,
  readModelJson,
  setCurrentVersion,
  SIGNATURE_FILE,
  versionDir,
} from '@hera/models';
import {
  services,
  type ImportModelRequest__Output,
  type ImportModelResponse,
  type ModelRegistryServiceHandlers,
  type VersionPolicy as VersionPolicyMessage,
  type VersionPolicy__Output,
} from '@hera/proto';
import { DEFAULT_JOB_OPTIONS, profileJobId, withTraceContext, type ProfileJobData } from '@hera/queues';
import type { DemandStore, Keyspace, ModelStore, NodeRecord, RedisClient } from '@hera/state';
import type { Planner } from './planner';

/** Bounds of one upload (REGISTRY_* in config.ts, README "Model registry"). */
export interface RegistryLimits {
  maxFileBytes: number;
  maxImportBytes: number;
  maxFiles: number;
  /** An upload that sends nothing for this long is dropped (an abandoned client). */
  idleMs: number;
  /** LoadModel/UnloadModel wait at most this long when the call has no deadline. */
  waitMs: number;
}

export interface RegistryDeps {
  repo: string;
  models: ModelStore;
  demand: Pick<DemandStore, 'get'>;
  planner: Planner;
  redis: RedisClient;
  keys: Keyspace;
  profileQueue: Queue<ProfileJobData>;
  limits: RegistryLimits;
  log: Logger;
}

/** Under the repository, so staged files move into place by rename (one file system). */
export const STAGING_DIR = '.staging';
/** Largest signature a header may carry: the file is a few hundred bytes. */
const MAX_SIGNATURE_BYTES = 64 * 1024;
/** Margin before a call's deadline at which a waiting Load/Unload answers with what it has. */
const ANSWER_MARGIN_MS = 500;
const POLL_MS = 250;

/** proto VersionPolicy → the record's, undefined when unset; INVALID_ARGUMENT when not servable. */
export function policyFromMessage(
  m: VersionPolicy__Output | null | undefined,
  field: string,
): VersionPolicy | undefined {
  if (!m?.policyChoice) return undefined;
  const p: VersionPolicy =
    m.policyChoice === 'all'
      ? { all: true }
      : m.policyChoice === 'latest'
        ? { latest: m.latest?.numVersions ?? 0 }
        : { specific: [...(m.specific?.versions ?? [])] };
  const why = unservablePolicy(p);
  if (why) throw invalidArgument(field, why);
  return p;
}

export function policyToMessage(p: VersionPolicy | undefined): VersionPolicyMessage {
  if (!p) return { latest: { numVersions: 1 } };
  if ('all' in p) return { all: {} };
  if ('latest' in p) return { latest: { numVersions: p.latest } };
  return { specific: { versions: p.specific } };
}

/** A chunk's path: relative, inside the model directory, not one of the version's own files. */
function checkChunkPath(path: string, i: number): string {
  const field = `chunks[${i}].path`;
  if (!path) throw invalidArgument(field, 'must not be empty');
  if (path.includes('\0')) throw invalidArgument(field, `${quoted(path)} holds a NUL byte`);
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path))
    throw invalidArgument(field, `${quoted(path)} is absolute`);
  const parts = path.split(/[\\/]/);
  if (parts.some(p => p === '..')) throw invalidArgument(field, `${quoted(path)} leaves the model directory (..)`);
  const clean = parts.filter(p => p !== '' && p !== '.').join('/');
  if (!clean) throw invalidArgument(field, `${quoted(path)} names no file`);
  if (clean === SIGNATURE_FILE || clean === 'config.json')
    throw invalidArgument(field, `${quoted(path)}: the version directory keeps that name for its own file`);
  return clean;
}

/**
 * Whether a live node runs a tenant of `model` (serving: in that state, and serving the version
 * field `version` names when given — a changed version set counts once a host serves it all).
 */
function tenantsOf(nodes: readonly NodeRecord[], model: string, version?: string): { any: boolean; serving: boolean } {
  let any = false;
  let serving = false;
  for (const n of nodes) {
    const t = n.tenants[model];
    if (!t) continue;
    any = true;
    // An agent that reports no version (older) is taken at its word.
    if (t.state === 'serving' && (!version || !t.version || t.version === version)) serving = true;
  }
  return { any, serving };
}

/**
 * hera.placement.v1.ModelRegistryService (proto/hera/placement/v1/model_registry.proto): the
 * repository on the placement process's disk, the registry in Redis, automatic quick profiles.
 */
export class ModelRegistry {
  readonly #d: RegistryDeps;
  /** One import, load or unload per model at a time (versions are numbered, config.json replaced). */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(deps: RegistryDeps) {
    this.#d = { ...deps, repo: resolve(deps.repo) };
  }

  get stagingRoot(): string {
    return join(this.#d.repo, STAGING_DIR);
  }

  /** Removes what an earlier process left staged (it died mid-upload). */
  async sweepStaging(): Promise<void> {
    await fsp.rm(this.stagingRoot, { recursive: true, force: true });
  }

  async #locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.#locks.get(name) ?? Promise.resolve();
    const run = prior.catch(() => undefined).then(fn);
    this.#locks.set(name, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(name) === run) this.#locks.delete(name);
    }
  }

  /** Reads the upload into a staging directory, then imports it (see the proto). */
  async import(call: grpc.ServerReadableStream<ImportModelRequest__Output, ImportModelResponse>) {
    const { limits } = this.#d;
    await fsp.mkdir(this.stagingRoot, { recursive: true });
    const staging = await fsp.mkdtemp(join(this.stagingRoot, 'import-'));
    const source = join(staging, 'model');
    const signaturePath = join(staging, 'signature.json');
    let idle: NodeJS.Timeout | undefined;
    try {
      await fsp.mkdir(source);
      // The call ends (cancelled, deadline, connection gone) or falls silent: stop reading.
      const ended = new Promise<never>((_, reject) => {
        const cancelled = () =>
          reject(new HeraError('CANCELLED', 'the import was cancelled or its deadline passed; nothing was kept'));
        if (call.cancelled) cancelled();
        else call.once('cancelled', cancelled);
        call.once('error', err => reject(err));
      });
      const silent = () =>
        new Promise<never>((_, reject) => {
          clearTimeout(idle);
          idle = setTimeout(
            () =>
              reject(
                new HeraError(
                  'DEADLINE',
                  `the upload sent nothing for ${limits.idleMs} ms (REGISTRY_IDLE_MS); nothing was kept`,
                ),
              ),
            limits.idleMs,
          );
        });
      ended.catch(() => undefined);
      const it = call[Symbol.asyncIterator]() as AsyncIterator<ImportModelRequest__Output>;
      let header: ImportModelRequest__Output['header'];
      const sizes = new Map<string, number>();
      let total = 0;
      for (let i = -1; ;) {
        const quiet = silent();
        quiet.catch(() => undefined);
        const r = await Promise.race([it.next(), ended, quiet]);
        if (r.done) break;
        const msg = r.value;
        if (msg.part === 'header') {
          if (header) throw invalidArgument('header', 'sent twice: the header is the first message only');
          header = msg.header;
          continue;
        }
        if (!header) throw invalidArgument('header', 'missing: the first message must be the header');
        i++;
        const chunk = msg.chunk;
        if (!chunk) throw invalidArgument(`chunks[${i}]`, 'neither header nor chunk');
        const path = checkChunkPath(chunk.path, i);
        if (!sizes.has(path) && sizes.size >= limits.maxFiles)
          throw new HeraError(
            'OVERLOADED',
            `chunks[${i}].path: more than ${limits.maxFiles} files (REGISTRY_MAX_FILES)`,
          );
        const size = (sizes.get(path) ?? 0) + chunk.data.length;
        total += chunk.data.length;
        if (size > limits.maxFileBytes)
          throw new HeraError(
            'OVERLOADED',
            `${path}: more than ${limits.maxFileBytes} bytes (REGISTRY_MAX_FILE_BYTES); nothing was kept`,
          );
        if (total > limits.maxImportBytes)
          throw new HeraError(
            'OVERLOADED',
            `the upload is more than ${limits.maxImportBytes} bytes (REGISTRY_MAX_IMPORT_BYTES); nothing was kept`,
          );
        sizes.set(path, size);
        const target = join(source, path);
        await fsp.mkdir(dirname(target), { recursive: true });
        await fsp.appendFile(target, chunk.data);
      }
      clearTimeout(idle);
      if (!header) throw invalidArgument('header', 'missing: the upload sent no message');
      if (!header.name) throw invalidArgument('header.name', 'must not be empty');
      modelDirOrField(this.#d.repo, header.name, 'header.name');
      if (header.version && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(header.version))
        throw invalidArgument('header.version', `${quoted(header.version)} is not a valid version`);
      if (header.signature.length === 0)
        throw invalidArgument('header.signature', `must hold the signature JSON (${SIGNATURE_FILE})`);
      if (header.signature.length > MAX_SIGNATURE_BYTES)
        throw invalidArgument('header.signature', `more than ${MAX_SIGNATURE_BYTES} bytes`);
      const policy = policyFromMessage(header.versionPolicy, 'header.version_policy');
      await fsp.writeFile(signaturePath, header.signature);
      const name = header.name;
      return await this.#locked(name, async () => {
        const prev = await this.#d.models.get(name);
        const effective = policy ?? prev?.versionPolicy;
        let config: ModelConfig;
        try {
          const present = await listVersions(this.#d.repo, name);
          // Which versions will be served, the new one among them or not: checked before anything is written.
          const version = header.version || (await nextVersion(this.#d.repo, name));
          const set = servedVersions(effective, [...present, version]);
          if ('why' in set) throw invalidArgument('header.version_policy', set.why);
          const served = set.versions;
          // A caller gone while the upload waited for the lock gets nothing written.
          if (call.cancelled) throw new HeraError('CANCELLED', 'the import was cancelled; nothing was kept');
          config = await importModel({
            repo: this.#d.repo,
            source,
            name,
            version,
            signature: signaturePath,
            move: true,
            current: served.at(-1) === version,
          });
          let record: ModelRecord;
          try {
            record = await this.#register(name, served, effective, prev, 'header.version_policy');
          } catch (err) {
            // Refused after the files moved in (the served set's inputs differ): take the new
            // version out again, and the current version back, so nothing changed.
            await fsp.rm(versionDir(this.#d.repo, name, version), { recursive: true, force: true });
            if (prev) await setCurrentVersion(this.#d.repo, name, prev.version).catch(() => undefined);
            throw err;
          }
          await this.#rollIfPlanned(prev, record);
          // A quick profile of the version served when it is new to the registry (the policy may keep an older one).
          const profile = prev?.unloaded
            ? { note: `${name} is unloaded: no profile queued (load it first)` }
            : prev?.version === record.version
              ? { note: `the version policy keeps serving version ${record.version}: no profile queued` }
              : await this.#profile(name);
          return {
            name,
            version: config.version,
            servedVersion: record.version,
            sizeBytes: config.sizeBytes,
            profileJobId: profile.jobId ?? '',
            profileNodeId: profile.nodeId ?? '',
            profileNote: profile.note ?? '',
          };
        } catch (err) {
          throw stagingNamesOut(err, source, signaturePath);
        }
      });
    } finally {
      clearTimeout(idle);
      await fsp.rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Writes the registry record of the versions the policy serves, newest last (clears an
   * unload only when asked). The newest is the record's version; when several are served they
   * must take the same inputs (the gateway checks one schema per model), and the record's
   * size is their sum (every host loads each one). INVALID_ARGUMENT naming `field` otherwise.
   */
  async #register(
    name: string,
    served: readonly string[],
    policy: VersionPolicy | undefined,
    prev: ModelRecord | undefined,
    field: string,
    load = false,
  ): Promise<ModelRecord> {
    const newest = served.at(-1)!;
    const others = await Promise.all(served.slice(0, -1).map(v => readModelConfig(this.#d.repo, name, v)));
    // Checked before anything changes: a refused set leaves the current version as it was.
    const wanted = await readModelConfig(this.#d.repo, name, newest);
    for (const o of others) {
      const differs = inputsDiffer(inputsOf(o), inputsOf(wanted));
      if (differs)
        throw invalidArgument(
          field,
          `${describePolicy(policy)} would serve versions ${o.version} and ${newest} of ${name}, which take different inputs (${differs}); served versions must share them`,
        );
    }
    const config = await setCurrentVersion(this.#d.repo, name, newest);
    // A profile measured the version it ran: a new version's class is unknown until profiled.
    const record = toModelRecord(config, prev?.version === newest ? prev.kind : undefined);
    if (others.length) {
      record.versions = [...served];
      record.sizeBytes = others.reduce((sum, o) => sum + o.sizeBytes, config.sizeBytes);
    }
    if (policy) record.versionPolicy = policy;
    if (prev?.unloaded && !load) record.unloaded = true;
    await this.#d.models.put(record);
    this.#d.log.info({ model: name, versions: served, policy: describePolicy(policy) }, 'model registered');
    return record;
  }

  /**
   * A new version that changed the served set (latest N) of a model the applied plan places:
   * the plan is applied again, naming the new set, so its tenants roll to it make-before-break
   * (as LoadModel does). Best effort: the import stands when the plan cannot be applied now.
   */
  async #rollIfPlanned(prev: ModelRecord | undefined, record: ModelRecord): Promise<void> {
    if (!prev || prev.unloaded) return;
    const before = joinVersions(recordVersions(prev));
    const after = joinVersions(recordVersions(record));
    if (before === after) return;
    try {
      const plan = await this.#d.planner.current();
      if (!(plan?.nodes ?? []).some(n => (n.tenants ?? []).some(t => t.model === record.name))) return;
      const applied = await this.#d.planner.apply({});
      this.#d.log.info(
        { model: record.name, from: before, to: after, planVersion: Number(applied.plan.version) },
        'served versions changed: plan applied',
      );
    } catch (err) {
      this.#d.log.warn({ err, model: record.name }, 'served versions changed but the plan could not be applied now');
    }
  }

  /** Queues a quick profile of the model on the first live node (as `hera profile M --quick`). */
  async #profile(model: string): Promise<{ jobId?: string; nodeId?: string; note?: string }> {
    const nodes = (await this.#d.planner.nodes()).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
    const node = nodes[0];
    if (!node) return { note: 'no node is registered to profile on: profile it once one joins (hera profile)' };
    const data: ProfileJobData = { model, nodeId: node.nodeId, quick: true };
    const jobId = profileJobId(data);
    const q = this.#d.profileQueue;
    const prior = await q.getJob(jobId);
    if (prior) {
      const state = await prior.getState();
      if (['waiting', 'active', 'delayed', 'prioritized'].includes(state)) return { jobId, nodeId: node.nodeId };
      await prior.remove();
    }
    await this.#d.redis.del(this.#d.keys.profileCancel(jobId));
    await q.add('profile', withTraceContext(data), { ...DEFAULT_JOB_OPTIONS, jobId });
    this.#d.log.info({ jobId, model, nodeId: node.nodeId }, 'quick profile queued for a registered model');
    return { jobId, nodeId: node.nodeId };
  }

  /** Checks a version already in the repository as an import checks it. */
  async #checkStored(name: string, version: string): Promise<ModelConfig> {
    const config = await readModelConfig(this.#d.repo, name, version);
    if (isImported(config))
      await checkImport({
        repo: this.#d.repo,
        source: versionDir(this.#d.repo, name, version),
        name,
        version,
        existing: true,
      });
    else await readModelJson(this.#d.repo, name, version);
    return config;
  }

  async load(
    req: { name: string; versionPolicy: VersionPolicy__Output | null },
    deadline: number,
    signal: AbortSignal,
  ) {
    if (!req.name) throw invalidArgument('name', 'must not be empty');
    modelDirOrField(this.#d.repo, req.name, 'name');
    const asked = policyFromMessage(req.versionPolicy, 'version_policy');
    const name = req.name;
    const {
      version,
      set,
      profileJobId: jobId,
    } = await this.#locked(name, async () => {
      const present = await listVersions(this.#d.repo, name);
      if (present.length === 0)
        throw new HeraError('NOT_FOUND', `model ${name} is not in the model repository (${this.#d.repo})`);
      const prev = await this.#d.models.get(name);
      const policy = asked ?? prev?.versionPolicy;
      const set = servedVersions(policy, present);
      if ('why' in set)
        throw set.absent
          ? new HeraError('NOT_FOUND', `version_policy: ${set.why} (model ${name})`)
          : invalidArgument('version_policy', set.why);
      for (const v of set.versions) await this.#checkStored(name, v);
      const record = await this.#register(name, set.versions, policy, prev, 'version_policy', true);
      const fresh = !prev || prev.version !== record.version;
      const profile = fresh ? await this.#profile(name) : {};
      return { version: record.version, set: joinVersions(recordVersions(record)), profileJobId: profile.jobId ?? '' };
    });
    const answer = (served: boolean, reason: string, planVersion = 0) => ({
      name,
      version,
      served,
      reason,
      profileJobId: jobId,
      planVersion,
    });
    const d = (await this.#d.demand.get()).find(x => x.model === name);
    if (!d || !(d.qps > 0))
      return answer(false, `no demand: set one (hera plan demand ${name}=<qps>) and it is planned`);
    const current = await this.#d.planner.current();
    if (!current) return answer(false, 'no plan has been applied yet: apply one (hera plan apply)');
    // Without a profile it cannot be planned: wait for the queued one, within the deadline.
    const by = this.#waitUntil(deadline);
    while (!(await this.#profiled(name))) {
      if (Date.now() + POLL_MS > by || signal.aborted)
        return answer(
          false,
          `no profile yet on the cluster's node class${jobId ? ` (quick profile ${jobId} queued)` : ''}: it is planned once profiled (hera plan apply)`,
          Number(current.version),
        );
      await sleep(POLL_MS);
    }
    const { plan } = await this.#d.planner.apply({}, signal);
    const planVersion = Number(plan.version);
    for (;;) {
      if (tenantsOf(await this.#d.planner.nodes(), name, set).serving) return answer(true, '', planVersion);
      if (Date.now() + POLL_MS > by || signal.aborted)
        return answer(
          false,
          `planned (plan v${planVersion}), its tenants are not serving ${set.includes(',') ? `versions ${set}` : `version ${set}`} yet`,
          planVersion,
        );
      await sleep(POLL_MS);
    }
  }

  async unload(req: { name: string }, deadline: number, signal: AbortSignal) {
    if (!req.name) throw invalidArgument('name', 'must not be empty');
    const name = req.name;
    const changed = await this.#locked(name, async () => {
      const prev = await this.#d.models.get(name);
      if (!prev) throw new HeraError('NOT_FOUND', `model ${quoted(name)} is not registered`);
      if (prev.unloaded) return false;
      await this.#d.models.put({ ...prev, unloaded: true });
      this.#d.log.info({ model: name }, 'model unloaded');
      return true;
    });
    let plan = await this.#d.planner.current();
    if (plan && (plan.nodes ?? []).some(n => (n.tenants ?? []).some(t => t.model === name)))
      plan = (await this.#d.planner.apply({}, signal)).plan;
    const planVersion = Number(plan?.version ?? 0);
    const by = this.#waitUntil(deadline);
    for (;;) {
      const stopped = !tenantsOf(await this.#d.planner.nodes(), name).any;
      if (stopped || Date.now() + POLL_MS > by || signal.aborted) return { name, changed, stopped, planVersion };
      await sleep(POLL_MS);
    }
  }

  async list() {
    const out = [];
    for (const r of await this.#d.models.list()) {
      const present = await listVersions(this.#d.repo, r.name).catch(() => [] as string[]);
      const allowed = new Set(r.versions ?? [r.version]);
      out.push({
        name: r.name,
        version: r.version,
        state: r.unloaded ? 'unloaded' : 'loaded',
        versionPolicy: policyToMessage(r.versionPolicy),
        versions: present.map(v => ({
          version: v,
          available: allowed.has(v) && !r.unloaded,
          reason: r.unloaded
            ? 'unloaded'
            : allowed.has(v)
              ? ''
              : `outside the version policy (${describePolicy(r.versionPolicy)})`,
        })),
      });
    }
    return { models: out };
  }

  async #profiled(name: string): Promise<boolean> {
    const { set } = await this.#d.planner.profileSet();
    return set.models.some(m => m.model === name);
  }

  #waitUntil(deadline: number): number {
    const cap = Date.now() + this.#d.limits.waitMs;
    return Number.isFinite(deadline) ? Math.min(deadline - ANSWER_MARGIN_MS, cap) : cap;
  }
}

/** modelDir's check with the request's field named. */
function modelDirOrField(repo: string, name: string, field: string): void {
  try {
    modelDir(repo, name);
  } catch {
    throw invalidArgument(field, `${quoted(name)} is not a valid model name (letters, digits, _ . -)`);
  }
}

/** The staging directory is ours, not the caller's: errors name the uploaded path instead. */
function stagingNamesOut(err: unknown, source: string, signaturePath: string): unknown {
  if (!(err instanceof HeraError)) return err;
  const message = err.message
    .split(`${source}/`)
    .join('')
    .split(source)
    .join('(the upload)')
    .split(signaturePath)
    .join(SIGNATURE_FILE);
  return message === err.message ? err : new HeraError(err.code, message, { cause: err });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Aborts when the call is cancelled or its deadline passes. */
function callSignal(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const ac = new AbortController();
  if (call.cancelled) ac.abort();
  else call.once('cancelled', () => ac.abort());
  return ac.signal;
}

function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>): number {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : Number(d);
  return Number.isFinite(ms) && ms > 0 ? ms : Number.POSITIVE_INFINITY;
}

/** The gRPC binding. */
export function registryService(registry: ModelRegistry, log: Logger): ServiceBinding {
  const impl: ModelRegistryServiceHandlers = {
    ImportModel: (call, callback) => {
      registry.import(call).then(
        res => callback(null, res),
        err => callback(toStatus(err, log, { method: 'ImportModel' })),
      );
    },
    LoadModel: unary(log, 'LoadModel', (req, call) => registry.load(req, deadlineOf(call), callSignal(call))),
    UnloadModel: unary(log, 'UnloadModel', (req, call) => registry.unload(req, deadlineOf(call), callSignal(call))),
    ListModels: unary(log, 'ListModels', () => registry.list()),
  };
  return {
    name: 'hera.placement.v1.ModelRegistryService',
    definition: services().registry,
    implementation: impl,
  };
}
