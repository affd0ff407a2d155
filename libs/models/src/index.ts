// The TensorFlow.js inference engine and the model repository on disk (DESIGN §5). Importing this
// module loads no TF.js (tfjs.ts loads it on first use). What a model is, as data, lives in
// @hera/model-schema; code that runs no engine imports it from there.
export { buildRepository } from './build-repository';
export type { BuildRepositoryOptions, BuildProgress } from './build-repository';
export {
  listRepository,
  readModelConfig,
  setModelEngine,
  listVersions,
  setCurrentVersion,
  readModelJson,
  resolveModelRepo,
  modelDir,
  versionDir,
  DEFAULT_MODEL_REPO,
} from './repository';
export type { RepoEntry, ModelJson, TableManifest } from './repository';
export { selectBackend, backendInfo, BACKEND_PREFERENCE } from './backend';
export type { BackendName, BackendInfo } from './backend';
export { bagTables, loadTables } from './shared-tables';
export type { SharedTables, SharedTable } from './shared-tables';
export type { BagKernelVariant, TableScratch, WasmMemory } from './wasm-bag';
export { DEFAULT_VARIANT, PLAIN_VARIANT } from './wasm-bag';
export { loadModel, InferenceModel } from './model';
export type { Model, LoadModelOptions } from './model';
export { ImportedModel, directoryHandler, loadTfjsModel } from './imported-model';
export { checkImport, importModel, nextVersion, IMPORT_DEFAULTS, SIGNATURE_FILE } from './import';
export type { CheckedImport, ImportModelOptions, ImportSignature } from './import';
export { mlpStacks } from './network';
export type { MlpStack } from './network';
export { embeddingBag, embeddingBagReference, bagLayout, releaseBagLayout, TOUCH_GROUP } from './embedding-bag';
export type { BagLayout, BagTable } from './embedding-bag';
export { tfjs } from './tfjs';
export { saveToDirectory } from './save-model';
