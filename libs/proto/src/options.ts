import type { Options } from '@grpc/proto-loader';
import raw from '../loader-options.json';

/**
 * The one option set for protobuf loading. `gen.mjs` passes the same values to
 * proto-loader-gen-types, so the generated types describe exactly what the
 * runtime loader produces: camelCase fields, int64 as JS numbers (every 64-bit
 * value we carry — bytes, ms, counts — is far below 2^53), enums as strings,
 * defaults filled in, virtual oneof fields.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: raw.keepCase,
  longs: raw.longs === 'Number' ? Number : String,
  enums: raw.enums === 'String' ? String : undefined,
  defaults: raw.defaults,
  oneofs: raw.oneofs,
};
