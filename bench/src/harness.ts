/** Small shared pieces of the benchmarks: options (node:util.parseArgs), a per-run Redis + service stack, output. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildOnnxRepository } from '@hera/engine-onnx';
import { engineOfBackend, type ModelConfig } from '@hera/model-schema';
import { buildRepository } from '@hera/models';
import { PAYLOAD_NODE_FLAGS, withMallocTuning } from '@hera/procs';
import { startRedis, startService, type ServiceName, type TestRedis, type TestService } from '@hera/testing';

/**
 * A benchmark's options: `--key value` or `--key=value` for each key of `defaults` (every value a
 * string; the last one given wins), `--flag` for each name in `flags` ('true' when given, else
 * 'false'), or `'help'` for `--help`. Throws (node:util.parseArgs's TypeError) on an unknown
 * option, a positional argument or a missing value.
 */
export function parseOptions(
  defaults: Record<string, string>,
  argv: readonly string[],
  flags: readonly string[] = [],
): Record<string, string> | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string }> = { help: { type: 'boolean' } };
  for (const [k, v] of Object.entries(defaults)) options[k] = { type: 'string', default: v };
  for (const k of flags) options[k] = { type: 'boolean' };
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  if (values['help']) return 'help';
  return Object.fromEntries([
    ...Object.keys(defaults).map(k => [k, String(values[k])]),
    ...flags.map(k => [k, values[k] === true ? 'true' : 'false']),
  ]);
}

/** The usage text: one line per option with its default and, where given, what it means; then the flags. */
export function usage(
  name: string,
  defaults: Record<string, string>,
  notes: Record<string, string> = {},
  flags: readonly string[] = [],
): string {
  const width = Math.max(...[...Object.keys(defaults), ...flags].map(k => k.length));
  const lines = Object.entries(defaults).map(
    ([k, v]) => `  --${k.padEnd(width)}  ${v === '' ? '""' : v}${notes[k] ? `  (${notes[k]})` : ''}`,
  );
  const flagLines = flags.map(k => `  --${k.padEnd(width)}  off${notes[k] ? `  (${notes[k]})` : ''}`);
  return [`usage: npm run bench -- ${name} [--option value ...]`, 'options (default):', ...lines, ...flagLines].join(
    '\n',
  );
}

/**
 * This benchmark's options from its command line (see parseOptions). `--help` prints the usage
 * and exits 0; a bad command line prints why and the usage and exits 1.
 */
export function args(
  defaults: Record<string, string>,
  notes: Record<string, string> = {},
  flags: readonly string[] = [],
): Record<string, string> {
  const name = basename(process.argv[1] ?? 'bench', '.js');
  let parsed: Record<string, string> | 'help';
  try {
    parsed = parseOptions(defaults, process.argv.slice(2), flags);
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage(name, defaults, notes, flags)}`);
    process.exit(1);
  }
  if (parsed === 'help') {
    console.log(usage(name, defaults, notes, flags));
    process.exit(0);
  }
  return parsed;
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
    // The service package's "main" is its entry point; libs/testing is told it, not left to look up.
    const s = await startService(
      { name, main: require.resolve(`@hera/${name}-service`) },
      { REDIS_URL: this.redis.url, LOG_LEVEL: 'info', ...env },
      120_000,
    );
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

/** User + system CPU seconds of a process, every thread (/proc/<pid>/stat fields 14 and 15, 100 ticks/s); 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Pins a process (all its threads) to CPUs with taskset; false where that is not possible. */
export function pin(pid: number, cpus: readonly number[]): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', cpus.join(','), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The engine a bench serves its models on (--backend). */
export type BenchBackend = 'tfjs' | 'onnx';
export const BACKEND_NOTE =
  'tfjs, or onnx: the models are built with their ONNX graphs and their hosts run ONNX Runtime';

export function benchBackend(v: string | undefined): BenchBackend {
  if (v === 'tfjs' || v === 'onnx') return v;
  throw new Error(`--backend: ${JSON.stringify(v)} is not tfjs or onnx`);
}

/** Builds the models at `scale`; for onnx with their ONNX graphs, named as their engine (as `hera models build --format onnx`). */
export async function buildBenchModels(
  repo: string,
  scale: number,
  only: readonly string[],
  backend: BenchBackend,
): Promise<ModelConfig[]> {
  const configs = await buildRepository({ repo, scale, only: [...only] });
  return backend === 'onnx' ? (await buildOnnxRepository(repo, configs)).map(b => b.config) : configs;
}

/**
 * What a tenant's status says it runs must be the engine asked for: a host that fell back to
 * TF.js would otherwise be measured as ONNX Runtime.
 */
export function checkTenantBackend(model: string, reported: string, backend: BenchBackend): void {
  if (engineOfBackend(reported) !== backend)
    throw new Error(`${model}: the tenant runs ${reported || 'nothing yet'}, not the ${backend} engine asked for`);
}

export type InProcessWork = { kind: 'sub-batches'; subBatch: number } | { kind: 'queries' };

/**
 * The engine with no RPC at all: a child process pinned to `cores` runs one
 * inference thread per core (tables shared) that, on each `measure`, scores back
 * to back for that long — fixed sub-batches, or whole queries of the DESIGN §4.1
 * mix split into the model's sub-batches — after a 3 s warm-up when started. It
 * stays up between measurements, warm like the long-running tenant host it is
 * compared with (a fresh process per window measured its JIT and WebAssembly
 * tier-up too). `measure` returns items/s for sub-batches, queries/s for queries.
 */
export class InProcessEngine {
  readonly #child: ChildProcess;
  #lines: string[] = [];
  #waiting: { resolve(line: string): void; reject(err: Error): void } | undefined;

  private constructor(child: ChildProcess) {
    this.#child = child;
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = this.#waiting;
        this.#waiting = undefined;
        if (w) w.resolve(line);
        else this.#lines.push(line);
      }
    });
    child.once('exit', code => this.#waiting?.reject(new Error(`in-process engine exited (code ${code})`)));
  }

  static async start(
    repo: string,
    name: string,
    cores: readonly number[],
    work: InProcessWork,
    backend: 'tfjs' | 'onnx' = 'tfjs',
  ): Promise<InProcessEngine> {
    const models = JSON.stringify(require.resolve('@hera/models'));
    const schema = JSON.stringify(require.resolve('@hera/model-schema'));
    // Required by the threads only for onnx, as a tenant host does.
    const onnx = JSON.stringify(require.resolve('@hera/engine-onnx'));
    const loadgen = JSON.stringify(require.resolve('@hera/loadgen'));
    const body = `
      const { parentPort, workerData: w } = require('node:worker_threads');
      const m = require(${models});
      const { validateBatch: v } = require(${schema});
      const { PayloadPool, QueryStream } = require(${loadgen});
      (async () => {
        // ONNX Runtime scores through a promise; TF.js synchronously (kept so: no await on its path).
        const ort = w.engine === 'onnx';
        if (!ort) await m.selectBackend();
        const model = ort ? await require(${onnx}).OnnxModel.load(w.repo, w.name, { tables: w.tables }) : await m.loadModel(w.repo, w.name, { tables: w.tables });
        const S = w.work.kind === 'sub-batches' ? w.work.subBatch : model.config.subBatchSize;
        // FP32 whatever the model takes on the wire: the engine in-process takes FP32.
        const pool = new PayloadPool({ denseDim: model.config.denseDim, tables: model.config.tables }, 1024, w.seed, 4);
        const batch = (from, to, v) => { const b = pool.take(from, to, v);
          const dense = new Float32Array(b.dense.byteLength / 4); new Uint8Array(dense.buffer).set(b.dense);
          const ids = new Int32Array(b.sparse.byteLength / 4); new Uint8Array(ids.buffer).set(b.sparse);
          return { count: to - from, dense, ids }; };
        const fixed = [0, 1, 2, 3].map(v => batch(0, S, v));
        const stream = new QueryStream({ rate: 1, seed: w.seed });
        const one = i => {
          if (w.work.kind === 'sub-batches') { const b = fixed[i % 4]; model.score(v(model.config, b)); return S; }
          const k = stream.next().items;
          for (let f = 0; f < k; f += S) { const b = batch(f, Math.min(k, f + S), i % 4); model.score(v(model.config, b)); }
          return 1;
        };
        const oneAsync = async i => {
          if (w.work.kind === 'sub-batches') { const b = fixed[i % 4]; await model.score(v(model.config, b)); return S; }
          const k = stream.next().items;
          for (let f = 0; f < k; f += S) { const b = batch(f, Math.min(k, f + S), i % 4); await model.score(v(model.config, b)); }
          return 1;
        };
        const warm = Date.now() + 3000; for (let i = 0; Date.now() < warm; i++) ort ? await oneAsync(i) : one(i);
        parentPort.postMessage('ready');
        parentPort.on('message', async ms => {
          const end = Date.now() + ms; let n = 0;
          for (let i = 0; Date.now() < end; i++) n += ort ? await oneAsync(i) : one(i);
          parentPort.postMessage(n);
        });
      })();`;
    const main = `
      const { Worker } = require('node:worker_threads');
      const readline = require('node:readline');
      const m = require(${models});
      const [repo, name, threads, work, engine] = process.argv.slice(1);
      (async () => {
        const tables = await m.loadTables(repo, name);
        const ws = Array.from({ length: Number(threads) }, (_, i) => new Worker(${JSON.stringify(body)}, { eval: true, workerData: { repo, name, tables, work: JSON.parse(work), engine, seed: 100 + i } }));
        await Promise.all(ws.map(w => new Promise(r => w.once('message', r))));
        process.stdout.write('ready\\n');
        // One line in per measurement (its ms), one line out (the rate); stdin closing ends us.
        for await (const line of readline.createInterface({ input: process.stdin })) {
          const t0 = performance.now();
          ws.forEach(w => w.postMessage(Number(line)));
          const n = await Promise.all(ws.map(w => new Promise(r => w.once('message', r))));
          process.stdout.write(String(n.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000)) + '\\n');
        }
        process.exit(0);
      })();`;
    // The same runtime settings the tenant host runs with, so only the RPC path differs.
    const args = [
      process.execPath,
      ...PAYLOAD_NODE_FLAGS,
      '-e',
      main,
      repo,
      name,
      String(cores.length),
      JSON.stringify(work),
      backend,
    ];
    const child = spawn('taskset', ['-c', cores.join(','), ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: withMallocTuning(process.env),
    });
    const engine = new InProcessEngine(child);
    const first = await engine.#next();
    if (first !== 'ready') throw new Error(`in-process engine for ${name} printed ${JSON.stringify(first)}`);
    return engine;
  }

  async measure(seconds: number): Promise<number> {
    this.#child.stdin!.write(`${seconds * 1000}\n`);
    const line = await this.#next();
    const v = Number(line);
    if (!Number.isFinite(v)) throw new Error(`in-process engine printed ${JSON.stringify(line)}`);
    return v;
  }

  /** Ends the child (it exits when its stdin closes). */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise(r => this.#child.once('exit', r));
    this.#child.stdin!.end();
    await exited;
  }

  #next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#child.exitCode !== null) return Promise.reject(new Error('in-process engine exited'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }
}
