export { LOADER_OPTIONS } from './options';
export { loadProtos, protoRoot, services, fastClients, PROTO_FILES } from './load';
export { encodeInferRequest, encodeInferStreamRequest, encodeRankRequest, withFastEncoder } from './fast-codec';
export type { HeraProto } from './load';
// Generated message/client/handler types (one flat list, written by gen.mjs).
export type * from './generated/types';
