import type * as OtlpGrpcExporter from '@opentelemetry/exporter-trace-otlp-grpc';
import type * as OtlpProtoExporter from '@opentelemetry/exporter-trace-otlp-proto';
import type * as GrpcInstrumentation from '@opentelemetry/instrumentation-grpc';
import type * as IORedisInstrumentation from '@opentelemetry/instrumentation-ioredis';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkNode from '@opentelemetry/sdk-node';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';
import { replaySpans, type RemoteSpan } from './span-record';

export interface Telemetry {
  /** True when spans are exported. */
  readonly enabled: boolean;
  /** Flushes pending spans and stops the SDK; safe to call when disabled or twice. */
  shutdown(): Promise<void>;
}

export type TracesProtocol = 'grpc' | 'http/protobuf';

/**
 * The OTLP protocol for traces: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else
 * OTEL_EXPORTER_OTLP_PROTOCOL, else `grpc`. The OTel specification's default is
 * http/protobuf; ours stays grpc because every deployment of ours (compose,
 * Kubernetes) points OTEL_EXPORTER_OTLP_ENDPOINT at a collector's gRPC port 4317.
 * Anything else throws: an exporter speaking the wrong protocol loses every span
 * without a word.
 */
export function tracesProtocol(env: NodeJS.ProcessEnv = process.env): TracesProtocol {
  const p = (env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] || env['OTEL_EXPORTER_OTLP_PROTOCOL'] || 'grpc').trim();
  if (p === 'grpc' || p === 'http/protobuf') return p;
  throw new Error(`OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: expected grpc or http/protobuf, got ${JSON.stringify(p)}`);
}

/** gRPC methods that never get spans, here or in the services we call. */
const IGNORED_METHODS = [
  // Health probes every second, and reflection, would drown the real traces.
  /^Check$/,
  /^Watch$/,
  'ServerReflectionInfo',
  // A long-lived transport, not a call: a span for it would hang open for the stream's life
  // under whichever query opened it. Each request on it carries its own trace context and gets
  // its own spans (@hera/grpc infer-stream/trace.ts).
  'InferStream',
];

/**
 * Starts OpenTelemetry tracing for a service when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) or
 * OTEL_TRACES_EXPORTER names an exporter; otherwise does nothing and costs nothing
 * (the API's no-op tracer and context manager stay in place).
 *
 * The standard variables are the SDK's to read, and nothing here overrides them:
 * OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (over our default service.name),
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on),
 * OTEL_BSP_* (batching), OTEL_PROPAGATORS, OTEL_EXPORTER_OTLP_*_{ENDPOINT,HEADERS,
 * TIMEOUT,COMPRESSION}; the protocol is chosen by tracesProtocol. Metrics and logs are
 * not exported over OTLP unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER say so
 * (metrics are Prometheus's, logs go to stdout with trace_id and span_id).
 *
 * Must run before @grpc/grpc-js and ioredis are first required (each service's
 * `instrument.ts` is its first import): the instrumentations patch modules as
 * they load. The OTLP/gRPC exporter itself loads grpc-js, so it is required only
 * after the instrumentations are enabled (constructing one enables it).
 */
export function startTelemetry(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: {
    /**
     * Methods whose server spans the service makes itself (@hera/grpc tracedUnary: the query
     * path's RPCs, where the instrumentation's per-call wrapping costs): the instrumentation
     * leaves them alone, as a server and as a client, so name none this process also calls.
     */
    ownServerSpans?: readonly string[];
  } = {},
): Telemetry {
  if (!tracingEnabled(env)) return { enabled: false, shutdown: async () => {} };
  const protocol = tracesProtocol(env);
  /* eslint-disable @typescript-eslint/no-require-imports -- load order matters, see above */
  const { GrpcInstrumentation: Grpc } = require('@opentelemetry/instrumentation-grpc') as typeof GrpcInstrumentation;
  const { IORedisInstrumentation: IORedis } =
    require('@opentelemetry/instrumentation-ioredis') as typeof IORedisInstrumentation;
  const instrumentations = [
    new Grpc({ ignoreGrpcMethods: [...IGNORED_METHODS, ...(opts.ownServerSpans ?? [])] }),
    new IORedis(),
  ];
  // OTLP unless OTEL_TRACES_EXPORTER names others (console, zipkin…): then the SDK builds those from env.
  const traceExporter = otlpExporter(env, protocol);
  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk: SdkNode.NodeSDK = new Sdk({
    // The SDK's env detector merges OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES over these.
    resource: resourceOf(serviceName),
    ...(traceExporter ? { traceExporter } : {}),
    // The SDK would otherwise start OTLP metric and log exporters by default, aimed at the
    // traces endpoint with another protocol's paths.
    ...(env['OTEL_METRICS_EXPORTER'] ? {} : { metricReaders: [] }),
    ...(env['OTEL_LOGS_EXPORTER'] ? {} : { logRecordProcessors: [] }),
    instrumentations,
  });
  sdk.start();
  let done: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => (done ??= sdk.shutdown().catch(() => undefined)),
  };
}

/**
 * Whether the environment asks for traces: an OTLP endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * or OTEL_EXPORTER_OTLP_ENDPOINT) or an exporter named in OTEL_TRACES_EXPORTER, and neither
 * OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const exporterName = (env['OTEL_TRACES_EXPORTER'] ?? '').trim();
  return env['OTEL_SDK_DISABLED'] !== 'true' && exporterName !== 'none' && !!(endpoint || exporterName);
}

/** The OTLP span exporter the environment configures; undefined when OTEL_TRACES_EXPORTER names another. */
function otlpExporter(env: NodeJS.ProcessEnv, protocol: TracesProtocol): SdkTraceBase.SpanExporter | undefined {
  const exporterName = (env['OTEL_TRACES_EXPORTER'] ?? '').trim();
  if (exporterName !== '' && exporterName !== 'otlp') return undefined;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  return protocol === 'grpc'
    ? new (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof OtlpGrpcExporter).OTLPTraceExporter()
    : new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpProtoExporter).OTLPTraceExporter();
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function resourceOf(serviceName: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof Resources;
  return resourceFromAttributes({ 'service.name': serviceName, 'service.namespace': 'hera' });
}

/** Exports spans other processes recorded as data (SpanRecord), under their own service name. */
export interface SpanRelay {
  replay(records: readonly RemoteSpan[]): void;
  /** Flushes what is pending and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * A relay for the spans of processes that run no tracing SDK themselves — tenant hosts, whose
 * cores are the tenant's: their node agent replays what they record (SpanRecord) into spans of
 * `serviceName`, batched and exported as this environment says (OTLP only; undefined when
 * tracing is off or OTEL_TRACES_EXPORTER names another exporter). Call after startTelemetry:
 * the OTLP/gRPC exporter loads grpc-js.
 */
export function startSpanRelay(serviceName: string, env: NodeJS.ProcessEnv = process.env): SpanRelay | undefined {
  if (!tracingEnabled(env)) return undefined;
  const exporter = otlpExporter(env, tracesProtocol(env));
  if (!exporter) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const base = require('@opentelemetry/sdk-trace-base') as typeof SdkTraceBase;
  const provider = new base.BasicTracerProvider({
    resource: resourceOf(serviceName),
    // Records exist only for requests their caller sampled.
    sampler: new base.AlwaysOnSampler(),
    spanProcessors: [new base.BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@hera/span-relay');
  let done: Promise<void> | undefined;
  return {
    replay: records => replaySpans(records, tracer),
    shutdown: () => (done ??= provider.shutdown().catch(() => undefined)),
  };
}
