import { HeraError } from '@hera/errors';
import type { ModelEngine } from '@hera/model-schema';
import { profileEngine, type ProfileSet } from './profile';

/** What the check needs of a model: its name and the engine it is built for (absent: tfjs). */
export interface EngineOfModel {
  name: string;
  engine?: ModelEngine;
}

/**
 * Why the profiles of `set` cannot plan `models`, one sentence per mismatch: a model whose solo
 * profile describes another engine than the one it is built for, and a measured pair whose
 * tenants ran other engines than the pair's models are built for. A faster engine changes every
 * rate and which models are memory-bound, so figures of one engine are wrong for a tenant on
 * another. Models without a profile in the set are not this check's business.
 */
export function profileEngineMismatches(set: ProfileSet, models: readonly EngineOfModel[]): string[] {
  const nodeClass = set.nodeClass.name;
  const built = new Map(models.map(m => [m.name, m.engine ?? 'tfjs']));
  const out: string[] = [];
  for (const m of models) {
    const profile = set.models.find(p => p.model === m.name);
    if (!profile) continue;
    const want = built.get(m.name)!;
    const have = profileEngine(profile);
    if (have === want) continue;
    const why =
      profile.provenance['engine']?.detail ?? 'it names no engine: profiles from before ONNX Runtime describe TF.js';
    out.push(
      `model ${m.name} is built for ${want} but its profile on node class ${nodeClass} describes ${have} (${why}): ` +
        `re-profile it on ${want} (hera profile ${m.name}) so placement plans from that engine's figures${want === 'onnx' ? ', or build it for tfjs' : ''}`,
    );
  }
  for (const p of set.pairs) {
    const a = built.get(p.a);
    const b = built.get(p.b);
    if (a === undefined || b === undefined) continue;
    const ea = p.engineA ?? 'tfjs';
    const eb = p.engineB ?? 'tfjs';
    if (ea === a && eb === b) continue;
    out.push(
      `the pair ${p.a}+${p.b} on node class ${nodeClass} was measured with ${p.a} on ${ea} and ${p.b} on ${eb}, but they are built for ${a} and ${b}: ` +
        `re-profile the pair (hera profile --pairs --models ${p.a},${p.b})`,
    );
  }
  return out;
}

/**
 * Refuses to plan `models` from profiles of another engine: PRECONDITION (FAILED_PRECONDITION at
 * the gRPC edge: retrying cannot help, re-profiling does), naming each model, both engines and
 * what to do. See {@link profileEngineMismatches}.
 */
export function checkProfileEngines(set: ProfileSet, models: readonly EngineOfModel[]): void {
  const mismatches = profileEngineMismatches(set, models);
  if (mismatches.length) throw new HeraError('PRECONDITION', `profiles of another engine: ${mismatches.join('; ')}`);
}
