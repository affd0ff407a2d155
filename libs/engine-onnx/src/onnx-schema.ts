import { join } from 'node:path';
import * as protobuf from 'protobufjs';

/** The vendored ONNX schema (onnx/onnx v1.21.0, onnx.proto3; see the file's header). */
export const ONNX_PROTO = join(__dirname, '..', 'onnx', 'onnx.proto3');

/** IR version of that schema (its `IR_VERSION`), written into every model. */
export const IR_VERSION = 13;

/**
 * Default-domain opset of the graphs: the newest of the vendored schema (onnx 1.21 defines
 * opset 26), and onnxruntime-node 1.31.1 loads it (checked by the builder test).
 */
export const OPSET = 26;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttrType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

let root: protobuf.Root | undefined;

/** onnx.ModelProto from the vendored schema (parsed once). */
export function modelProto(): protobuf.Type {
  root ??= protobuf.loadSync(ONNX_PROTO);
  return root.lookupType('onnx.ModelProto');
}
