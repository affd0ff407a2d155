import { context, trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where to write; defaults to stdout. Tests pass a stream to capture lines. */
  destination?: pino.DestinationStream;
}

/**
 * `trace_id` and `span_id` of the active span, for a line logged inside one (pino's
 * mixin, called per line). With tracing off the API's context manager is a no-op:
 * one lookup that finds no span. (A fresh object each time: pino merges the line's
 * own fields into it.)
 */
export function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const sc = span.spanContext();
  return trace.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

/**
 * The root logger of a process: JSON lines to stdout with `service` on every line,
 * and `trace_id`/`span_id` on lines logged inside a span.
 * Subsystems take `log.child({ component })`; libraries accept a Logger rather than
 * creating one.
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: label => ({ level: label }) },
      mixin: traceFields,
    },
    // Synchronous stdout: no lost lines at exit, and nothing logs on the per-query path.
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that drops everything, for libraries used without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
