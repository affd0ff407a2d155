import assert from 'node:assert/strict';
import { startChild } from '@hera/testing';

/** The CLI's entry point, as the end-to-end tests run it. */
export const HERA_CLI = require.resolve('@hera/cli/dist/main.js');

/** Runs `hera <args>` to its end (killed after `timeoutMs`): its exit code (-1 when killed) and output. */
export async function runHera(args: readonly string[], timeoutMs = 240_000): Promise<{ code: number; out: string }> {
  const c = startChild(process.execPath, [HERA_CLI, ...args]);
  const code = await Promise.race([c.exited, new Promise<number>(r => setTimeout(() => r(-1), timeoutMs).unref())]);
  if (code === -1) await c.stop('SIGKILL');
  return { code, out: c.lines.join('\n') };
}

/** Runs `hera <args>` to its end; fails with its output unless it exits 0. */
export async function hera(...args: string[]): Promise<string> {
  const { code, out } = await runHera(args);
  assert.equal(code, 0, `hera ${args.join(' ')}:\n${out}`);
  return out;
}
