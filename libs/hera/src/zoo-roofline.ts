import { matMulShapes, modelCost, ZOO_MODELS, ZOO_SPECS, type ZooModelSpec } from '@hera/model-schema';
import type { RooflineModel } from './roofline';

/**
 * The roofline's model facts for a zoo model, all from `@hera/model-schema` (the zoo's single source
 * of truth): embedding bytes and dense FLOPs per item from `modelCost`, table and weight bytes
 * at full scale (scale 1), activations from the largest matrix product of one sub-batch.
 */
export function rooflineModelFromZoo(spec: ZooModelSpec): RooflineModel {
  const cost = modelCost(spec, 1);
  const activationElements = Math.max(...matMulShapes(spec, spec.subBatchSize).map(s => s.batch * s.m * (s.k + s.n)));
  return {
    model: spec.name,
    slaMs: spec.slaMs,
    subBatchSize: spec.subBatchSize,
    denseDim: spec.denseDim,
    embeddingBytesPerItem: cost.embeddingBytesPerItem,
    flopsPerItem: cost.matMulFlopsPerItem,
    tableBytes: cost.tableBytes,
    weightBytes: cost.weightBytes,
    activationBytes: activationElements * 4,
    source: `ZOO_SPECS.${spec.name} (@hera/model-schema, modelCost at scale 1)`,
  };
}

/**
 * The eight zoo models, in DESIGN §5 order, as roofline inputs. The model facts are the engine's
 * business only through the hardware side: a set made with `rooflineProfileSet` describes the
 * engine its hardware's per-core figures were measured on — TF.js for every shipped class
 * (node-classes.ts), so the shipped sets (libs/hera/profiles) mark each profile `engine: "tfjs"`
 * and a model built for ONNX Runtime is not planned from them.
 */
export function zooRooflineModels(): RooflineModel[] {
  return ZOO_MODELS.map(name => rooflineModelFromZoo(ZOO_SPECS[name]));
}
