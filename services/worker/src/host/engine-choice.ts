import { HeraError } from '@hera/errors';
import type { ModelEngine } from '@hera/model-schema';

/** What `onnxRuntimeStatus()` of @hera/engine-onnx answers (passed in, so this stays testable). */
export type RuntimeStatus = { available: true; version: string } | { available: false; reason: string };

export interface EngineChoice {
  engine: ModelEngine;
  /** The TF.js backend to ask for (tfjs engine only; absent: the fastest that initialises). */
  tfjsBackend?: string;
  /** Why the model's configured engine is not the one that runs. */
  fallback?: string;
}

/**
 * Which engine a tenant host runs. `backend` is the agent's override (HERA_BACKEND, a bench's
 * --backend): "onnx" asks for ONNX Runtime, a TF.js backend name for TF.js on it. Without one,
 * the model's config decides. A model configured for onnx falls back to TF.js where ONNX Runtime
 * cannot load (another platform), so it still serves and status says which engine runs; an
 * explicit "onnx" fails instead: whoever asked (a benchmark, an operator) must not measure
 * TF.js believing it is ONNX Runtime.
 */
export function chooseEngine(
  backend: string | undefined,
  configured: ModelEngine | undefined,
  onnx: () => RuntimeStatus,
): EngineChoice {
  if (backend && backend !== 'onnx') return { engine: 'tfjs', tfjsBackend: backend };
  const wanted: ModelEngine = backend === 'onnx' ? 'onnx' : (configured ?? 'tfjs');
  if (wanted === 'tfjs') return { engine: 'tfjs' };
  const status = onnx();
  if (status.available) return { engine: 'onnx' };
  if (backend === 'onnx')
    throw new HeraError(
      'PRECONDITION',
      `backend onnx was asked for, but ONNX Runtime cannot load here: ${status.reason}`,
    );
  return {
    engine: 'tfjs',
    fallback: `configured for onnx, but ONNX Runtime cannot load here (${status.reason}): serving on TF.js`,
  };
}
