// ONNX Runtime engine for the zoo (issue 19): graphs built from a repository version, scored on
// onnxruntime-node's CPU execution provider. Importing this module loads no native code.
export { buildOnnx, buildOnnxRepository, readRawWeights, splitVersionDir, ONNX_FILES } from './build-onnx';
export type { BuildOnnxOptions, BuiltOnnx } from './build-onnx';
export { OnnxModel, DEFAULT_BAG } from './onnx-model';
export type { LoadOnnxModelOptions } from './onnx-model';
export { onnxRuntimeStatus, onnxRuntime, ORT_MODULE_ENV } from './runtime';
export type { OnnxRuntimeStatus } from './runtime';
export { zooGraph, tableLocation } from './zoo-graph';
export type { BagPlacement, RawWeight } from './zoo-graph';
export { modelProto, ONNX_PROTO, OPSET, IR_VERSION } from './onnx-schema';
