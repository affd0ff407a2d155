import { context, propagation, trace } from '@opentelemetry/api';
import type * as AsyncHooks from '@opentelemetry/context-async-hooks';
import type * as Core from '@opentelemetry/core';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';

export type FinishedSpan = SdkTraceBase.ReadableSpan;

export interface InMemoryTracing {
  /** Spans ended so far, in the order they ended. */
  spans(): FinishedSpan[];
  reset(): void;
  /** Unregisters the provider, context manager and propagator (the API's no-ops return). */
  stop(): Promise<void>;
}

/**
 * Tracing into memory for unit tests (OTel's InMemorySpanExporter): registers a tracer
 * provider (parent-based always-on, as the services default to), AsyncLocalStorage
 * context and the W3C propagator as the API's globals, as startTelemetry would. Here
 * rather than in @hera/testing, which depends on @hera/grpc, whose own tests use it.
 */
export function inMemoryTracing(): InMemoryTracing {
  /* eslint-disable @typescript-eslint/no-require-imports -- test-only modules, loaded on use */
  const base = require('@opentelemetry/sdk-trace-base') as typeof SdkTraceBase;
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof AsyncHooks;
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof Core;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const exporter = new base.InMemorySpanExporter();
  const provider = new base.BasicTracerProvider({
    sampler: new base.ParentBasedSampler({ root: new base.AlwaysOnSampler() }),
    spanProcessors: [new base.SimpleSpanProcessor(exporter)],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
