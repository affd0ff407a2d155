import type * as OtlpExporter from '@opentelemetry/exporter-trace-otlp-grpc';
import type * as GrpcInstrumentation from '@opentelemetry/instrumentation-grpc';
import type * as IORedisInstrumentation from '@opentelemetry/instrumentation-ioredis';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkNode from '@opentelemetry/sdk-node';

export interface Telemetry {
  /** True when spans are exported (OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  readonly enabled: boolean;
  /** Flushes pending spans and stops the SDK; safe to call when disabled or twice. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing for a service when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; otherwise does nothing and costs nothing.
 *
 * Must run before @grpc/grpc-js and ioredis are first required (each service's
 * `instrument.ts` is its first import): the instrumentations patch modules as
 * they load. The OTLP/gRPC exporter itself loads grpc-js, so it is required only
 * after the instrumentations are enabled (constructing one enables it).
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!endpoint || env['OTEL_SDK_DISABLED'] === 'true') {
    return { enabled: false, shutdown: async () => {} };
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- load order matters, see above */
  const { GrpcInstrumentation: Grpc } = require('@opentelemetry/instrumentation-grpc') as typeof GrpcInstrumentation;
  const { IORedisInstrumentation: IORedis } =
    require('@opentelemetry/instrumentation-ioredis') as typeof IORedisInstrumentation;
  const instrumentations = [
    new Grpc({
      // Health probes every second would drown the real traces.
      ignoreGrpcMethods: [/^Check$/, /^Watch$/, 'ServerReflectionInfo'],
    }),
    new IORedis(),
  ];
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof OtlpExporter;
  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof Resources;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk: SdkNode.NodeSDK = new Sdk({
    resource: resourceFromAttributes({
      'service.name': env['OTEL_SERVICE_NAME'] ?? serviceName,
      'service.namespace': 'hera',
    }),
    traceExporter: new OTLPTraceExporter(),
    instrumentations,
  });
  sdk.start();
  let done: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () => (done ??= sdk.shutdown().catch(() => undefined)),
  };
}
