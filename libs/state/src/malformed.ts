import { HeraError } from '@hera/errors';

/**
 * A record in Redis that is not what its store writes (hand-edited, written by a
 * bug, or by a version that stored it differently). A bug, not the caller's fault:
 * INTERNAL, with the key and what is wrong, so the log says where to look rather
 * than a TypeError somewhere further on.
 */
export function malformedRecord(key: string, what: string): HeraError {
  return new HeraError('INTERNAL', `malformed record ${key}: ${what}`);
}

/** The JSON value of the record at `key`; malformedRecord when it is not JSON. */
export function parseRecord(key: string, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw malformedRecord(key, `not JSON (${(err as Error).message})`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as an error message shows it: JSON, cut short. */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
