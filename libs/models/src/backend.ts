import { availableParallelism } from 'node:os';
import { HeraError } from '@hera/errors';
import type { Logger } from '@hera/logger';
import { tfjs } from './tfjs';
import { installWasmKernelFixes } from './wasm-kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Fastest first: libtensorflow through tfjs-node, then WebAssembly (XNNPACK, SIMD), then plain JS. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** What runs inference in this thread, for logs, status and metrics. */
export interface BackendInfo {
  name: BackendName;
  /** WebAssembly SIMD in use (wasm backend only). */
  simd: boolean;
  /** Threads the backend computes with (1 for wasm in Node: its thread pool is browser-only). */
  threads: number;
  tfjsVersion: string;
  /** Backends that failed to initialise on the way, with why. */
  skipped: { name: BackendName; reason: string }[];
}

let selected: BackendInfo | undefined;

function isBackendName(s: string): s is BackendName {
  return (BACKEND_PREFERENCE as readonly string[]).includes(s);
}

/**
 * tfjs-node registers the "tensorflow" backend when it is required. It is an optional dependency
 * (its install downloads libtensorflow, which fails offline), so it is looked up at run time and
 * its absence is a normal outcome.
 */
function loadTfjsNode(): void {
  // It must register on the same @tensorflow/tfjs-core instance as ours; it finds it through
  // @tensorflow/tfjs, which depends on the same version.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-node');
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  const tf = tfjs();
  try {
    if (name === 'tensorflow' && !tf.findBackendFactory('tensorflow')) loadTfjsNode();
    if (!tf.findBackendFactory(name)) return 'not registered';
    if (name === 'wasm') installWasmKernelFixes();
    const ok = await tf.setBackend(name);
    if (!ok) return 'failed to initialise';
    await tf.ready();
    return undefined;
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    return msg.split('\n')[0]!.slice(0, 200);
  }
}

/**
 * Picks and initialises this thread's TF.js backend: `preferred`, else $HERA_BACKEND, else the
 * first of tensorflow → wasm → cpu that initialises. A backend asked for by name that cannot
 * start is an error (UNAVAILABLE), not a silent fallback: an operator who pins one wants to know.
 * Idempotent per thread; each worker thread has its own TF.js instance and must call it.
 */
export async function selectBackend(preferred?: string, log?: Logger): Promise<BackendName> {
  const tf = tfjs();
  const wanted = preferred ?? (process.env.HERA_BACKEND || undefined);
  if (selected && (wanted === undefined || wanted === selected.name) && tf.getBackend() === selected.name)
    return selected.name;
  // TF.js logs a hint to install tfjs-node and warns on backend registration; our logs say it.
  tf.env().set('PROD', true);
  const skipped: BackendInfo['skipped'] = [];
  if (wanted !== undefined) {
    if (!isBackendName(wanted)) {
      throw new HeraError(
        'INVALID_ARGUMENT',
        `backend ${JSON.stringify(wanted)} is not one of ${BACKEND_PREFERENCE.join(', ')}`,
      );
    }
    const why = await tryBackend(wanted);
    if (why !== undefined)
      throw new HeraError(
        'UNAVAILABLE',
        `backend ${wanted} (requested${preferred ? '' : ' by HERA_BACKEND'}) is unavailable: ${why}`,
      );
    return record(wanted, skipped, log);
  }
  for (const name of BACKEND_PREFERENCE) {
    const why = await tryBackend(name);
    if (why === undefined) return record(name, skipped, log);
    skipped.push({ name, reason: why });
  }
  throw new HeraError(
    'UNAVAILABLE',
    `no TF.js backend could start: ${skipped.map(s => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

async function record(name: BackendName, skipped: BackendInfo['skipped'], log?: Logger): Promise<BackendName> {
  const tf = tfjs();
  const simd = name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
  selected = { name, simd, threads: 1, tfjsVersion: tf.version_core, skipped };
  // libtensorflow runs its own intra-op thread pool over the cores.
  if (name === 'tensorflow') selected.threads = availableParallelism();
  log?.info({ backend: name, simd, skipped }, `TF.js backend: ${name}${simd ? ' (SIMD)' : ''}`);
  if (name === 'cpu') log?.warn('TF.js runs on the plain JavaScript CPU backend: expect 20-50x slower dense layers');
  return name;
}

/** The backend `selectBackend` chose in this thread, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return selected ? { ...selected, skipped: [...selected.skipped] } : undefined;
}
