import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from './limits';
import { channelCredentials, channelSecurityOptions, tokenInterceptor } from './security';

export interface ClientOptions {
  /** Deadline applied to calls that do not set one. */
  defaultDeadlineMs?: number;
  /**
   * Attempts (≥ 2 enables retries) for calls that fail with UNAVAILABLE, with
   * jittered exponential backoff, done by grpc-js's own retry support (service
   * config). Only UNAVAILABLE is retried: the call did not reach a handler, so a
   * retry cannot run work twice. 1 disables retries (the gateway does its own,
   * on another replica).
   */
  maxAttempts?: number;
  channelOptions?: grpc.ChannelOptions;
}

type ClientCtor<C extends grpc.Client> = new (
  address: string,
  creds: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => C;

/** Creates a client with a default deadline and UNAVAILABLE-only retries. */
export function createClient<C extends grpc.Client>(Ctor: ClientCtor<C>, address: string, opts: ClientOptions = {}): C {
  const maxAttempts = opts.maxAttempts ?? 3;
  const serviceConfig =
    maxAttempts >= 2
      ? {
          loadBalancingConfig: [],
          methodConfig: [
            {
              name: [{}],
              retryPolicy: {
                maxAttempts,
                initialBackoff: '0.05s',
                maxBackoff: '1s',
                backoffMultiplier: 2,
                retryableStatusCodes: ['UNAVAILABLE'],
              },
            },
          ],
        }
      : undefined;
  const deadlineMs = opts.defaultDeadlineMs ?? 10_000;
  const withDeadline: grpc.Interceptor = (options, nextCall) =>
    new grpc.InterceptingCall(
      nextCall(options.deadline === undefined ? { ...options, deadline: Date.now() + deadlineMs } : options),
    );
  const token = tokenInterceptor();
  return new Ctor(address, channelCredentials(), {
    ...(serviceConfig ? { 'grpc.service_config': JSON.stringify(serviceConfig) } : { 'grpc.enable_retries': 0 }),
    ...CHANNEL_OPTIONS,
    // Reconnect quickly to a restarted peer (grpc-js defaults start at 1 s and grow to 120 s).
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
    ...channelSecurityOptions(),
    ...opts.channelOptions,
    interceptors: token ? [withDeadline, token] : [withDeadline],
  });
}

// The generated clients overload each method; TypeScript infers from the last
// overload, `(argument, callback)`, which is enough to get request and reply types.
type ReqOf<F> = F extends (argument: infer A, callback: grpc.requestCallback<infer _R>) => grpc.ClientUnaryCall
  ? A
  : never;
type ResOf<F> = F extends (argument: infer _A, callback: grpc.requestCallback<infer R>) => grpc.ClientUnaryCall
  ? R
  : never;
export type UnaryMethod<C> = {
  [K in keyof C]: ReqOf<C[K]> extends never ? never : K;
}[keyof C];

export interface CallOptions {
  deadlineMs?: number;
  metadata?: grpc.Metadata;
}

/** Promise form of a unary call: `await unaryCall(client, 'rank', req, { deadlineMs: 100 })`. */
export function unaryCall<C extends grpc.Client, K extends UnaryMethod<C>>(
  client: C,
  method: K,
  request: ReqOf<C[K]>,
  opts: CallOptions = {},
): Promise<ResOf<C[K]>> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as unknown as (
      req: unknown,
      md: grpc.Metadata,
      options: grpc.CallOptions,
      cb: grpc.requestCallback<ResOf<C[K]>>,
    ) => grpc.ClientUnaryCall;
    const options: grpc.CallOptions = opts.deadlineMs === undefined ? {} : { deadline: Date.now() + opts.deadlineMs };
    fn.call(client, request, opts.metadata ?? new grpc.Metadata(), options, (err, res) =>
      err ? reject(err) : resolve(res as ResOf<C[K]>),
    );
  });
}

/** Resolves when the channel is connected, rejects after `timeoutMs`. */
export function waitForReady(client: grpc.Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + timeoutMs, err => (err ? reject(err) : resolve())),
  );
}
