import type * as Ort from 'onnxruntime-node';
import { HeraError } from '@hera/errors';

/** Whether ONNX Runtime can run here: the native binding loaded, or why it did not. */
export type OnnxRuntimeStatus = { available: true; version: string } | { available: false; reason: string };

/**
 * The module to load instead of `onnxruntime-node` (a path or package name). For tests of the
 * fallback and for a runtime installed elsewhere.
 */
export const ORT_MODULE_ENV = 'HERA_ONNXRUNTIME_MODULE';

const cache = new Map<string, { ort: typeof Ort } | { reason: string }>();

function load(module: string): { ort: typeof Ort } | { reason: string } {
  const hit = cache.get(module);
  if (hit) return hit;
  let out: { ort: typeof Ort } | { reason: string };
  try {
    // Loaded on first use, never at import: requiring onnxruntime-node loads its native binding
    // at once, and a platform without a prebuilt binary must still import this package (the
    // TF.js engine then serves).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    out = { ort: require(module) as typeof Ort };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    out = {
      reason: `cannot load ${module} on ${process.platform}-${process.arch} (node ${process.versions.node}): ${msg}`,
    };
  }
  cache.set(module, out);
  return out;
}

function moduleName(module?: string): string {
  return module ?? (process.env[ORT_MODULE_ENV] || 'onnxruntime-node');
}

/** Loads ONNX Runtime (once per module) and reports whether it is usable; never throws. */
export function onnxRuntimeStatus(opts: { module?: string } = {}): OnnxRuntimeStatus {
  const r = load(moduleName(opts.module));
  if ('reason' in r) return { available: false, reason: r.reason };
  return { available: true, version: r.ort.env.versions.node ?? r.ort.env.versions.common };
}

/** ONNX Runtime, or UNAVAILABLE with the reason it cannot load. */
export function onnxRuntime(opts: { module?: string } = {}): typeof Ort {
  const r = load(moduleName(opts.module));
  if ('reason' in r) throw new HeraError('UNAVAILABLE', `ONNX Runtime is unavailable: ${r.reason}`);
  return r.ort;
}
