/** Small shared pieces of the benchmarks: argument parsing, a per-run Redis + service stack, output. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, startService, type ServiceName, type TestRedis, type TestService } from '@hera/testing';

export function args(defaults: Record<string, string>): Record<string, string> {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help') {
      console.log(`options (defaults): ${Object.entries(defaults).map(([k, v]) => `--${k} ${v}`).join(' ')}`);
      process.exit(0);
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (!(key in defaults)) throw new Error(`unknown option --${key}; known: ${Object.keys(defaults).join(', ')}`);
    out[key] = argv[++i] ?? '';
  }
  return out;
}

/** Redis and service processes for one benchmark run, all stopped by `stop()`. */
export class Stack {
  redis!: TestRedis;
  readonly services: TestService[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'hera-bench-'));

  async start(): Promise<this> {
    this.redis = await startRedis();
    return this;
  }

  async service(name: ServiceName, env: Record<string, string>): Promise<TestService> {
    // info: startService waits for the "serving" log line.
    const s = await startService(name, { REDIS_URL: this.redis.url, LOG_LEVEL: 'info', ...env }, 120_000);
    this.services.push(s);
    return s;
  }

  async stop(): Promise<void> {
    for (const s of this.services.reverse()) await s.stop().catch(() => undefined);
    await this.redis?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));
