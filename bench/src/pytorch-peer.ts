/**
 * PyTorch as a peer process (bench/pytorch_engine.py --serve), shared by the engine bench and the
 * embedding-bag micro-benchmark: which interpreter imports torch, and one model served over
 * stdin/stdout JSON lines.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parsePeerReady, type PeerReady } from './engine-peer';

export const PEER_SCRIPT = join(__dirname, '..', 'pytorch_engine.py');
/** One thread for torch, OpenMP and BLAS: a peer is one core, like a worker thread. */
export const ONE_THREAD_ENV = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/** The first interpreter that imports torch (its path and torch's version), or why none does. */
export function findTorch(python: string): { python: string; version: string } | { reason: string } {
  const candidates = python ? [python] : ['python3', '/usr/bin/python3'];
  const why: string[] = [];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      env: { ...process.env, ...ONE_THREAD_ENV },
      timeout: 60_000,
    });
    if (!r.error && r.status === 0) return { python: py, version: r.stdout.trim() };
    why.push(`${py} cannot import torch: ${r.error?.message ?? r.stderr.trim().split('\n').at(-1)}`);
  }
  return { reason: `${why.join('; ')}; apt-get install python3-torch libopenblas0-pthread (or pip install torch)` };
}

/** The script's replies, line by line. */
class LineReader {
  readonly #lines: AsyncIterator<string>;
  constructor(readonly child: ChildProcess) {
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }
  async next(): Promise<string> {
    const r = await this.#lines.next();
    if (r.done) throw new Error(`pytorch_engine.py exited (code ${this.child.exitCode})`);
    return r.value;
  }
}

/** One model served by the script. */
export interface PytorchPeer {
  ready: PeerReady;
  /** Sends one command line, answers the reply line. */
  ask(cmd: object): Promise<string>;
  /** The embedding bags alone: best of `reps` passes over `count` batches of `batch`, GB/s of rows read. */
  bag(batch: number, count: number, reps: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts the script on the model spec at `specPath` (peerSpec's JSON) and waits until it is ready. */
export async function startPytorchPeer(python: string, specPath: string): Promise<PytorchPeer> {
  const child = spawn(python, [PEER_SCRIPT, '--serve', specPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...ONE_THREAD_ENV },
  });
  const lines = new LineReader(child);
  try {
    const ready = parsePeerReady(await lines.next());
    const ask = async (cmd: object) => {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      return lines.next();
    };
    return {
      ready,
      ask,
      bag: async (batch, count, reps) => {
        const o = JSON.parse(await ask({ op: 'bag', batch, batches: count, reps })) as { bag_gbs?: number };
        if (!(typeof o.bag_gbs === 'number' && o.bag_gbs > 0))
          throw new Error(`pytorch_engine.py bag: ${JSON.stringify(o)}`);
        return o.bag_gbs;
      },
      close: async () => {
        if (child.exitCode !== null) return;
        const exited = new Promise(r => child.once('exit', r));
        child.stdin!.end();
        await exited;
      },
    };
  } catch (err) {
    child.kill();
    throw err;
  }
}
