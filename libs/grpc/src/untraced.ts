import * as grpc from '@grpc/grpc-js';
import { unsampledTraceparent } from '@hera/telemetry';

/**
 * Metadata that keeps a call out of traces: a W3C traceparent whose sampled flag is
 * 0, which the server's parent-based sampler (the default) follows, as does every
 * service it calls in turn. For a client's own housekeeping — `hera up` polling
 * ModelReady until the gateway routes its models made 1,464 of 1,493 spans of a
 * captured session — not for calls a user would want to see. Works from a process
 * that does not trace (the CLI).
 */
export function untracedMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('traceparent', unsampledTraceparent());
  return md;
}
