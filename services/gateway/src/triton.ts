/**
 * Triton's extensions of inference.GRPCInferenceService beyond KServe's Open Inference
 * Protocol, as far as they are pure: the Triton-shaped ModelConfig of a registered model, the
 * repository index, ModelStatistics from the gateway's counters, and the request's `timeout`
 * parameter. server.ts and stream-infer.ts wire them to the RPCs.
 */
import { HeraError, invalidArgument, quoted } from '@hera/errors';
import type {
  InferParameter__Output,
  ModelConfig,
  ModelStatistics,
  RepositoryIndexResponse,
  StatisticDuration,
} from '@hera/proto';
import { sortVersions, type VersionPolicy } from '@hera/model-schema';
import type { CatalogEntry } from './catalog';
import type { ModelStats, VersionStats, Duration } from './model-stats';

/**
 * The platform a model reports (ModelConfig and ModelMetadata): "hera_recsys" for the zoo's
 * models (built by `hera models build`, served by the embedding-bag engine), "tensorflowjs" for
 * a model imported from TF.js converter output (run by TF.js's own loaders). The registry's
 * record tells them apart by `sharedTables: false`, which only imported models set.
 */
export function platformOf(m: CatalogEntry): string {
  return m.sharedTables === false ? 'tensorflowjs' : 'hera_recsys';
}

/** The shape ModelInfer takes the ids in, without the item dimension. */
export function sparseDims(m: CatalogEntry): number[] {
  const lookups = m.tables[0]?.lookups ?? 0;
  return m.tables.every(t => t.lookups === lookups) ? [m.tables.length, lookups] : [m.idsPerItem];
}

/**
 * A Triton ModelConfig of a registered model: max_batch_size is the most items a query may
 * carry, so dims leave out the item dimension, as Triton's do for a batching model; `dense`
 * is optional (and [0]) for a model that takes no dense features.
 */
export function tritonConfig(m: CatalogEntry, maxItems: number): ModelConfig {
  return {
    name: m.name,
    platform: platformOf(m),
    backend: m.engine === 'onnx' ? 'onnxruntime' : 'tfjs',
    versionPolicy: tritonVersionPolicy(m.versionPolicy),
    maxBatchSize: maxItems,
    // Named tensors (no ranking layout): the declared ones, batch dimension left out.
    ...(m.tensors
      ? {
          input: m.tensors.inputs.map(t => ({ name: t.name, dataType: `TYPE_${t.datatype}`, dims: t.shape.slice(1) })),
          output: m.tensors.outputs.map(t => ({
            name: t.name,
            dataType: `TYPE_${t.datatype}`,
            dims: t.shape.slice(1),
          })),
        }
      : tritonRankingIo(m)),
  };
}

/** The ranking layout's inputs (dense, sparse) and output (score), as Triton's config lists them. */
function tritonRankingIo(m: CatalogEntry): Pick<ModelConfig, 'input' | 'output'> {
  return {
    input: [
      {
        name: 'dense',
        dataType: `TYPE_${m.denseDatatype ?? 'FP32'}`,
        dims: [m.denseDim],
        optional: m.denseDim === 0,
      },
      { name: 'sparse', dataType: 'TYPE_INT32', dims: sparseDims(m) },
    ],
    output: [{ name: 'score', dataType: 'TYPE_FP32', dims: [1] }],
  };
}

/**
 * The registry's version policy (ModelRecord) as Triton's; Triton's versions are integers, so a
 * specific version that is not one is left out of the list.
 */
export function tritonVersionPolicy(p: VersionPolicy | undefined): ModelConfig['versionPolicy'] {
  if (!p || 'latest' in p) return { latest: { numVersions: p?.latest ?? 1 } };
  if ('all' in p) return { all: {} };
  return { specific: { versions: p.specific.filter(v => /^\d+$/.test(v)) } };
}

/** Replicas routed now serving a model's version, as the repository index reports it. */
export type ReplicaCount = (model: string, version: string) => number;

/**
 * RepositoryIndex: every registered model with each version it serves (one row per version,
 * as Triton's index), READY when a replica serves that version, else UNAVAILABLE with why;
 * `readyOnly` keeps the READY ones (Triton's `ready`).
 */
export function repositoryIndex(
  models: readonly CatalogEntry[],
  replicas: ReplicaCount,
  req: { repositoryName: string; ready: boolean },
): RepositoryIndexResponse {
  if (req.repositoryName)
    throw invalidArgument(
      'repository_name',
      `unknown repository ${quoted(req.repositoryName)}; the cluster has one, leave it empty`,
    );
  const out = [...models]
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap(m =>
      (m.served ?? [m.version]).map(version => {
        const n = m.unloaded ? 0 : replicas(m.name, version);
        return n > 0
          ? { name: m.name, version, state: 'READY', reason: '' }
          : {
              name: m.name,
              version,
              state: 'UNAVAILABLE',
              reason: m.unloaded
                ? `${m.name} is unloaded (RepositoryModelLoad brings it back)`
                : replicas(m.name, '') > 0
                  ? `no replica of ${m.name} serves version ${version} yet: its tenants are rolling out a new version set`
                  : `no replica of ${m.name} is up: the applied plan places none, or its tenants are still starting`,
            };
      }),
    );
  return { models: req.ready ? out.filter(m => m.state === 'READY') : out };
}

const duration = (d: Duration): StatisticDuration => ({ count: d.count, ns: d.ns });

function toTriton(v: VersionStats): ModelStatistics {
  return {
    name: v.name,
    version: v.version,
    lastInference: v.lastInference,
    inferenceCount: v.inferenceCount,
    executionCount: v.executionCount,
    inferenceStats: {
      success: duration(v.success),
      fail: duration(v.fail),
      queue: duration(v.queue),
      computeInput: { count: 0, ns: 0 },
      computeInfer: duration(v.computeInfer),
      computeOutput: { count: 0, ns: 0 },
    },
  };
}

/**
 * ModelStatistics: for each model asked for (empty name: every registered one), its served
 * version and any other version this gateway counted queries of. NOT_FOUND for a model the
 * catalog does not know, or a version it neither serves nor has counted.
 */
export function modelStatistics(
  stats: ModelStats,
  lookup: { get(name: string): CatalogEntry | undefined; list(): CatalogEntry[] },
  req: { name: string; version: string },
): ModelStatistics[] {
  if (!req.name) {
    if (req.version) throw invalidArgument('version', 'needs a model name');
    return [...lookup.list()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap(m => versionsOf(stats, m).map(v => toTriton(stats.get(m.name, v))));
  }
  const m = lookup.get(req.name);
  if (!m) throw new HeraError('NOT_FOUND', `model ${quoted(req.name)} is not registered`);
  const versions = versionsOf(stats, m);
  if (!req.version) return versions.map(v => toTriton(stats.get(m.name, v)));
  if (!versions.includes(req.version))
    throw new HeraError(
      'NOT_FOUND',
      `model ${m.name} has no version ${quoted(req.version)} (serving ${(m.served ?? [m.version]).join(', ')})`,
    );
  return [toTriton(stats.get(m.name, req.version))];
}

function versionsOf(stats: ModelStats, m: CatalogEntry): string[] {
  return sortVersions([...new Set([...(m.served ?? [m.version]), ...stats.versions(m.name)])]);
}

/**
 * The request's `timeout` parameter in milliseconds (0: none). Triton's clients send it as
 * int64_param in microseconds; uint64_param is taken too. Anything else is refused, naming it.
 */
export function timeoutParamMs(parameters: Readonly<Record<string, InferParameter__Output>> | undefined): number {
  const p = parameters?.['timeout'];
  if (!p) return 0;
  const field = 'parameters["timeout"]';
  const us =
    p.parameterChoice === 'int64Param' ? p.int64Param : p.parameterChoice === 'uint64Param' ? p.uint64Param : undefined;
  if (us === undefined)
    throw invalidArgument(field, `must be int64_param (microseconds), got ${p.parameterChoice ?? 'no value'}`);
  if (!Number.isFinite(us) || us < 0) throw invalidArgument(field, `must be ≥ 0 microseconds, got ${us}`);
  return us / 1000;
}

/**
 * A query that failed for lack of time (shed because it could not finish in time, or timed out)
 * while the request's own `timeout` was its binding deadline answers DEADLINE_EXCEEDED naming
 * that parameter, as Triton does; other failures pass as they are.
 */
export function timeoutFailure(err: unknown, timeoutMs: number, timeoutBinds: boolean): unknown {
  if (!(timeoutMs > 0 && timeoutBinds && err instanceof HeraError)) return err;
  if (err.code !== 'DEADLINE' && err.code !== 'OVERLOADED') return err;
  return new HeraError(
    'DEADLINE',
    `parameters["timeout"]: the request's timeout of ${Math.round(timeoutMs * 1000)} µs passed or cannot be met (${err.message})`,
    { cause: err },
  );
}
