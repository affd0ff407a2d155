// What a model is, as data (DESIGN §5): the zoo specs, the cost model, the weight layout, the
// built config and the registry record, the batch layout and its one validator. No TF.js, no
// file I/O: the gateway, placement and the pure algorithms (@hera/hera) use it without an engine.
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
export {
  configFromSpec,
  engineOfBackend,
  isImported,
  isTensorsModel,
  requireZoo,
  toModelRecord,
  keepRegistryFields,
  allowedVersions,
  describePolicy,
  sortVersions,
  unservablePolicy,
  servedVersions,
  joinVersions,
  splitVersions,
  recordVersions,
  inputsDiffer,
  inputsOf,
  MAX_SERVED_VERSIONS,
  MODEL_CONFIG_FORMAT,
  MODEL_ENGINES,
} from './model-config';
export type {
  ImportedArch,
  ImportedRankingArch,
  ImportedTensorsArch,
  ModelArch,
  ModelConfig,
  ModelTableConfig,
  ModelInputs,
  ModelRecord,
  ModelEngine,
  VersionPolicy,
} from './model-config';
export {
  idsPerItem,
  checkLengths,
  checkShape,
  checkPayloadValues,
  scoresToBytes,
  ITEM_FIELDS,
  MAX_ITEMS,
  MAX_BATCH,
} from './batch';
export type { RawItems, BatchShape, BatchFields, ValueSchema } from './batch';
export { validateBatch } from './validate-batch';
export {
  checkDenseEncoding,
  denseBytesPer,
  denseDatatypeOf,
  dequantize,
  denseEncodingFrom,
  encodeDense,
  encodeFp16,
  encodeInt8,
  floatToHalf,
  halfIsNotFinite,
  halfToFloat,
  widenDense,
  DenseWidener,
  DENSE_DATATYPES,
  DENSE_ELEMENT,
} from './dense-datatype';
export type { DenseDatatype, DenseEncoding, DenseQuantization } from './dense-datatype';
export type { Batch, ValidBatch } from './validate-batch';
export { randomBatch } from './random-batch';
export { streamSeed, fillUniform, inputStream } from './prng';
export {
  checkTensors,
  randomTensors,
  rowSize,
  tensorValues,
  MAX_TENSOR_BYTES,
  MAX_TENSOR_ROWS,
  TENSOR_DATATYPES,
} from './tensors';
export type { NamedTensor, TensorDatatype, TensorSignature, TensorSpec } from './tensors';
