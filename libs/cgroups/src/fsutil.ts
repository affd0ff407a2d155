import { readFileSync, rmdirSync, writeFileSync } from 'node:fs';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Writes a cgroup control file; the error names the file and value (EINVAL etc. are common). */
export function writeControl(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (err) {
    throw new Error(`cannot write ${JSON.stringify(value)} to ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** "key value" lines (memory.events, memory.oom_control) → a number for `key`. */
export function readKeyed(path: string, key: string): number {
  for (const line of readText(path).split('\n')) {
    const [k, v] = line.split(/\s+/);
    if (k === key) return Number(v) || 0;
  }
  return 0;
}

/**
 * rmdir of a cgroup fails with EBUSY for a moment after its last process exits
 * (the kernel frees it asynchronously): retry briefly. Missing is success.
 */
export async function removeDir(path: string, attempts = 50): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(path);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (i >= attempts || (code !== 'EBUSY' && code !== 'ENOTEMPTY')) {
        throw new Error(`cannot remove cgroup ${path}: ${(err as Error).message}`, { cause: err });
      }
      await new Promise(r => setTimeout(r, 20));
    }
  }
}
