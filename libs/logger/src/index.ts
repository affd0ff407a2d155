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
 * The root logger of a process: JSON lines to stdout with `service` on every line.
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
    },
    // Synchronous stdout: no lost lines at exit, and nothing logs on the per-query path.
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that drops everything, for libraries used without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
