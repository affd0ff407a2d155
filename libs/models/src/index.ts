// The model zoo and the TensorFlow.js inference engine (DESIGN §5). Importing this module loads
// no TF.js (tfjs.ts loads it on first use): the zoo specs are cheap to import on their own.
export { ZOO_SPECS, ZOO_MODELS, isZooModel, scaledRows } from './zoo';
export type {
  ZooModelName,
  ZooModelSpec,
  ZooTableSpec,
  ZooArch,
  DlrmArch,
  NcfArch,
  WndArch,
  MtwndArch,
  DinArch,
  DienArch,
  LayerWidths,
  TablePooling,
  DominantOp,
} from './zoo';
export { modelCost, matMulShapes, matMulFlops, denseParameterCount } from './zoo-cost';
export type { ModelCost, MatMulShape } from './zoo-cost';
export { weightLayout } from './weight-layout';
export type { WeightSpec } from './weight-layout';
export { configFromSpec, toModelRecord, MODEL_CONFIG_FORMAT } from './model-config';
export type { ModelConfig, ModelTableConfig, ModelRecordShape } from './model-config';
export { buildRepository } from './build-repository';
export type { BuildRepositoryOptions, BuildProgress } from './build-repository';
export {
  listRepository,
  readModelConfig,
  readModelJson,
  resolveModelRepo,
  modelDir,
  versionDir,
  DEFAULT_MODEL_REPO,
} from './repository';
export type { RepoEntry, ModelJson, TableManifest } from './repository';
export { selectBackend, backendInfo, BACKEND_PREFERENCE } from './backend';
export type { BackendName, BackendInfo } from './backend';
export { loadTables } from './shared-tables';
export type { SharedTables, SharedTable } from './shared-tables';
export type { TableScratch, WasmMemory } from './wasm-bag';
export { loadModel, InferenceModel } from './model';
export type { Model, LoadModelOptions } from './model';
export { mlpStacks } from './network';
export type { MlpStack } from './network';
export { validateBatch, MAX_BATCH } from './validate-batch';
export type { Batch } from './validate-batch';
export { embeddingBag, embeddingBagReference, bagLayout, releaseBagLayout, TOUCH_GROUP } from './embedding-bag';
export type { BagLayout, BagTable } from './embedding-bag';
export { randomBatch } from './random-batch';
export { tfjs } from './tfjs';
