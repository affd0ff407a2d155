import { invalidArgument } from '@hera/errors';
import type { ModelKind } from './profile';

/** One tenant of a server configuration. */
export interface ConfigTenant {
  model: string;
  workers: number;
  /** Latency-bounded QPS this tenant serves on such a server (co-located when shared). */
  qps: number;
  /** The model's QPSmax on this node class (dedicated at its knee). */
  qpsMax: number;
  kind: ModelKind;
}

/**
 * A server configuration p of DESIGN §4.4.3: which models share one node and with how many
 * workers each. `q_{p,m}` is the tenant's `qps`.
 */
export interface ServerConfig {
  /** Canonical id, tenants sorted by model name: "ncf:14+rmc2:2", "wnd:16". */
  id: string;
  kind: 'dedicated' | 'pair' | 'shared';
  tenants: readonly ConfigTenant[];
  /** Effective machine utilisation Σ qps / qpsMax. */
  emu: number;
  /** True when any tenant's QPS comes from the solo-profile predictor, not a measurement. */
  predicted: boolean;
  /** Cores the tenants use (Σ workers). */
  cores: number;
  /** Memory the tenants need (Σ per-host + workers · per-worker). */
  memoryBytes: number;
}

/** Canonical configuration id: tenants sorted by model, "model:workers" joined by "+". */
export function configId(tenants: readonly { model: string; workers: number }[]): string {
  return [...tenants]
    .sort((x, y) => (x.model < y.model ? -1 : x.model > y.model ? 1 : 0))
    .map(t => `${t.model}:${t.workers}`)
    .join('+');
}

/** Parses a configuration id back into its tenants. Throws INVALID_ARGUMENT on a malformed id. */
export function parseConfigId(id: string): { model: string; workers: number }[] {
  if (!id) throw invalidArgument('config', 'must not be empty');
  return id.split('+').map(part => {
    const m = /^([^:+\s]+):(\d+)$/.exec(part);
    if (!m) throw invalidArgument('config', `"${part}" in "${id}" is not model:workers`);
    return { model: m[1]!, workers: Number(m[2]) };
  });
}

/** QPS a configuration serves for `model` (0 when the model is not a tenant). */
export function configQps(config: ServerConfig, model: string): number {
  return config.tenants.find(t => t.model === model)?.qps ?? 0;
}
