import { invalidArgument } from '@hera/errors';
import { MODEL_ENGINES } from '@hera/model-schema';
import { z } from 'zod';
import { buildModelProfile, type ModelProfile, type PairProfile, type ProfileSet } from './profile';

/** The `schema` tag of a profile-set document. */
export const PROFILE_SET_SCHEMA = 'hera.profile-set/v1';

const ProvenanceSchema = z.strictObject({
  kind: z.enum(['measured', 'derived', 'assumed', 'configured']),
  detail: z.string().min(1),
});

const NodeClassSchema = z.strictObject({
  name: z.string().min(1),
  cores: z.number().int().min(1).max(4096),
  memoryBytes: z.number().positive(),
  memoryBandwidthBytesPerSec: z.number().positive().optional(),
  description: z.string().optional(),
  provenance: z.record(z.string(), ProvenanceSchema),
});

const ModelSchema = z.strictObject({
  model: z.string().regex(/^[^:+\s]+$/, 'must not contain ":", "+" or spaces (they delimit configuration ids)'),
  nodeClass: z.string().optional(),
  qps: z.array(z.number().nonnegative()).min(1),
  knee: z.number().int().min(1).optional(),
  qpsMax: z.number().positive().optional(),
  slaMs: z.number().positive(),
  bestSubBatch: z.number().int().min(1),
  memoryPerHostBytes: z.number().nonnegative(),
  memoryPerWorkerBytes: z.number().nonnegative(),
  bytesPerQuery: z.number().positive().optional(),
  p95Ms: z.array(z.number().nonnegative()).optional(),
  // The engine the figures describe; absent: tfjs (sets written before ONNX Runtime describe TF.js).
  engine: z.enum(MODEL_ENGINES).optional(),
  provenance: z.record(z.string(), ProvenanceSchema),
});

const PairSchema = z.strictObject({
  a: z.string().min(1),
  b: z.string().min(1),
  splits: z
    .array(
      z.strictObject({
        workersA: z.number().int().min(1),
        workersB: z.number().int().min(1),
        qpsA: z.number().nonnegative(),
        qpsB: z.number().nonnegative(),
      }),
    )
    .min(1),
  provenance: ProvenanceSchema,
  engineA: z.enum(MODEL_ENGINES).optional(),
  engineB: z.enum(MODEL_ENGINES).optional(),
});

const ProfileSetSchema = z.strictObject({
  schema: z.literal(PROFILE_SET_SCHEMA),
  generatedBy: z.string().optional(),
  nodeClass: NodeClassSchema,
  models: z.array(ModelSchema).min(1),
  pairs: z.array(PairSchema).default([]),
});

/** The JSON document form of a profile set (what `libs/hera/profiles/*.json` hold). */
export type ProfileSetDocument = z.input<typeof ProfileSetSchema>;

/** Model fields that must say where they came from, when present. */
const MODEL_VALUES = [
  'qps',
  'slaMs',
  'bestSubBatch',
  'memoryPerHostBytes',
  'memoryPerWorkerBytes',
  'bytesPerQuery',
  'p95Ms',
  'engine',
] as const;
const NODE_VALUES = ['cores', 'memoryBytes', 'memoryBandwidthBytesPerSec'] as const;

function fieldPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') ||
    '(root)'
  );
}

/**
 * Parses and checks a profile-set document (already JSON-parsed; this library does no I/O).
 * Throws INVALID_ARGUMENT whose field is the path of the first problem (`models[2].qps[3]`) and
 * whose message lists every problem zod found. Beyond the schema it checks: one QPS value per
 * core, QPS(1) > 0, knee/QPSmax consistent with the curve, a provenance entry for every value,
 * unique model names, and pair profiles that name known models and fit the node.
 */
export function parseProfileSet(input: unknown): ProfileSet {
  const r = ProfileSetSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues;
    const first = issues[0]!;
    const all = issues.map(i => `${fieldPath(i.path)}: ${i.message}`).join('; ');
    throw invalidArgument(
      fieldPath(first.path),
      issues.length > 1 ? `${first.message} (all problems: ${all})` : first.message,
    );
  }
  const doc = r.data;
  const node = doc.nodeClass;
  for (const k of NODE_VALUES) {
    if (node[k] !== undefined && !node.provenance[k])
      throw invalidArgument(`nodeClass.provenance.${k}`, 'missing: every value must say where it came from');
  }
  const names = new Set<string>();
  const models: ModelProfile[] = doc.models.map((m, i) => {
    const field = `models[${i}]`;
    if (names.has(m.model)) throw invalidArgument(`${field}.model`, `${m.model} is listed twice`);
    names.add(m.model);
    if (m.nodeClass !== undefined && m.nodeClass !== node.name) {
      throw invalidArgument(`${field}.nodeClass`, `is ${m.nodeClass} but the set is for node class ${node.name}`);
    }
    if (m.qps.length !== node.cores) {
      throw invalidArgument(
        `${field}.qps`,
        `has ${m.qps.length} values, node class ${node.name} has ${node.cores} cores (one per worker count)`,
      );
    }
    if (m.p95Ms && m.p95Ms.length !== m.qps.length)
      throw invalidArgument(`${field}.p95Ms`, `has ${m.p95Ms.length} values, qps has ${m.qps.length}`);
    for (const k of MODEL_VALUES) {
      if (m[k] !== undefined && !m.provenance[k])
        throw invalidArgument(`${field}.provenance.${k}`, 'missing: every value must say where it came from');
    }
    const { bytesPerQuery, p95Ms, knee, qpsMax, engine, nodeClass: _ignored, ...rest } = m;
    return buildModelProfile(
      {
        ...rest,
        nodeClass: node.name,
        ...(bytesPerQuery === undefined ? {} : { bytesPerQuery }),
        ...(p95Ms === undefined ? {} : { p95Ms }),
        ...(engine === undefined ? {} : { engine }),
        ...(knee === undefined ? {} : { knee }),
        ...(qpsMax === undefined ? {} : { qpsMax }),
      },
      field,
    );
  });
  const seenPairs = new Set<string>();
  const pairs: PairProfile[] = doc.pairs.map((p, i) => {
    const field = `pairs[${i}]`;
    for (const k of ['a', 'b'] as const)
      if (!names.has(p[k])) throw invalidArgument(`${field}.${k}`, `${p[k]} has no solo profile in this set`);
    if (p.a === p.b) throw invalidArgument(`${field}.b`, 'a pair needs two different models');
    const key = [p.a, p.b].sort().join('+');
    if (seenPairs.has(key)) throw invalidArgument(field, `${key} is listed twice`);
    seenPairs.add(key);
    for (const [j, s] of p.splits.entries()) {
      if (s.workersA + s.workersB > node.cores) {
        throw invalidArgument(
          `${field}.splits[${j}]`,
          `${s.workersA} + ${s.workersB} workers exceed the node's ${node.cores} cores`,
        );
      }
    }
    return p;
  });
  return {
    nodeClass: node,
    models,
    pairs,
    ...(doc.generatedBy === undefined ? {} : { generatedBy: doc.generatedBy }),
  };
}

/** The JSON document for a profile set (inverse of {@link parseProfileSet}). */
export function toProfileSetDocument(set: ProfileSet): ProfileSetDocument {
  return {
    schema: PROFILE_SET_SCHEMA,
    ...(set.generatedBy === undefined ? {} : { generatedBy: set.generatedBy }),
    nodeClass: set.nodeClass,
    models: set.models.map(({ p95Ms, ...m }) => ({ ...m, qps: [...m.qps], ...(p95Ms ? { p95Ms: [...p95Ms] } : {}) })),
    pairs: set.pairs.map(p => ({ ...p, splits: p.splits.map(s => ({ ...s })) })),
  };
}
