// ONNX Runtime engine for the zoo (issue 19): graphs built from a repository version, scored on
// onnxruntime-node's CPU execution provider. Importing this module loads no native code.
export { onnxRuntimeStatus, onnxRuntime, ORT_MODULE_ENV } from './runtime';
export type { OnnxRuntimeStatus } from './runtime';
