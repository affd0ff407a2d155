const LEVEL_COLOR: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const SKIP = new Set(['level', 'time', 'service', 'pid', 'msg', 'hostname']);

/**
 * Turns one JSON log line of a service into a short human line:
 * `gateway   | 20:55:19 INFO  gateway serving address=127.0.0.1:50051`.
 * Lines that are not JSON pass through unchanged after the prefix.
 */
export function formatLogLine(name: string, line: string, color: boolean): string {
  const prefix = `${name.padEnd(10)}|`;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
    if (typeof rec !== 'object' || rec === null) throw new Error('not an object');
  } catch {
    return `${prefix} ${line}`;
  }
  const level = String(rec['level'] ?? 'info');
  const time = typeof rec['time'] === 'string' ? rec['time'].slice(11, 19) : '';
  const extras = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const lvl = level.toUpperCase().padEnd(5);
  const coloured = color ? `${LEVEL_COLOR[level] ?? ''}${lvl}\x1b[0m` : lvl;
  return `${prefix} ${time} ${coloured} ${String(rec['msg'] ?? '')}${extras ? ` ${extras}` : ''}`;
}
