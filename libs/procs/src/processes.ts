import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAlive, waitFor } from './ports';

/** A child process with its output captured line by line. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** Resolves with the first line (past or future) matching `re`. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (or 128+signal) once it exited. */
  exited: Promise<number>;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Spawns a process we own; the caller must `stop()` it (in `after`/`finally`). */
export function startChild(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onData = (buf: Buffer, state: { rest: string }) => {
    const parts = (state.rest + buf.toString('utf8')).split('\n');
    state.rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.re.test(line)) waiters.splice(i, 1)[0]!.resolve(line);
      }
    }
  };
  const out = { rest: '' };
  const err = { rest: '' };
  proc.stdout?.on('data', (b: Buffer) => onData(b, out));
  proc.stderr?.on('data', (b: Buffer) => onData(b, err));
  const exited = new Promise<number>(resolve => {
    proc.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0)));
  });
  let stopping: Promise<number> | undefined;
  return {
    proc,
    pid: proc.pid ?? -1,
    lines,
    exited,
    waitForLine(re, timeoutMs) {
      const hit = lines.find(l => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { re, resolve: (l: string) => (clearTimeout(t), resolve(l)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(`no line matching ${re} within ${timeoutMs} ms; last lines:\n${lines.slice(-20).join('\n')}`),
          );
        }, timeoutMs);
        waiters.push(w);
        void exited.then(() =>
          setTimeout(() => {
            if (waiters.includes(w)) {
              clearTimeout(t);
              waiters.splice(waiters.indexOf(w), 1);
              reject(
                new Error(`process exited before a line matching ${re}; last lines:\n${lines.slice(-20).join('\n')}`),
              );
            }
          }, 50),
        );
      });
    },
    stop(signal = 'SIGTERM', graceMs = 10_000) {
      stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill(signal);
          const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(t);
          return code;
        }
        return exited;
      })();
      return stopping;
    },
  };
}

/** Waits until a pid is gone (for processes we do not own a handle to, e.g. grandchildren). */
export async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  await waitFor(() => !isAlive(pid), timeoutMs, `pid ${pid} to exit`);
}

/** A process's children (a node agent's tenant hosts), from /proc; none where that cannot be read. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
