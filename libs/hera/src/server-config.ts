import { invalidArgument } from '@hera/errors';
import { tenantMemoryBytes, type ModelKind, type ModelProfile, type Provenance } from './profile';

/** One tenant of a server configuration. */
export interface ConfigTenant {
  model: string;
  workers: number;
  /** Latency-bounded QPS this tenant serves on such a server (co-located when shared). */
  qps: number;
  /** The model's QPSmax on this node class (dedicated at its knee). */
  qpsMax: number;
  kind: ModelKind;
  /**
   * Where the model's solo profile came from: the `kind` of its `qps` provenance
   * (`measured` by the profiler, `derived` from the roofline, …). A dedicated tenant's QPS is
   * exactly as good as this.
   */
  profileSource: Provenance['kind'];
}

/**
 * What a configuration's QPS values rest on: `solo-profile` (one tenant: its solo profile at that
 * worker count), `measured-pair` (both tenants measured co-located at this split by the
 * profiler), `predicted` (co-located QPS from the solo-profile predictor, calibrated by measured
 * splits of the same pair where there are some).
 */
export type ThroughputBasis = 'solo-profile' | 'measured-pair' | 'predicted';

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
  basis: ThroughputBasis;
  /** True when any tenant's QPS comes from the co-location predictor (`basis === 'predicted'`). */
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

/** A tenant of `profile` with `workers` workers serving `qps`. */
export function configTenant(profile: ModelProfile, workers: number, qps: number, kind: ModelKind): ConfigTenant {
  return {
    model: profile.model,
    workers,
    qps,
    qpsMax: profile.qpsMax,
    kind,
    profileSource: profile.provenance.qps?.kind ?? 'assumed',
  };
}

/**
 * A configuration from its tenants (any order; stored sorted by model, as the id is) and the
 * basis of their QPS values. One tenant makes a `dedicated` configuration, two a `pair`, more a
 * `shared` one (only the first-fit baseline makes those).
 */
export function serverConfig(
  tenants: readonly { profile: ModelProfile; workers: number; qps: number; kind: ModelKind }[],
  basis: ThroughputBasis,
): ServerConfig {
  const sorted = [...tenants].sort((x, y) =>
    x.profile.model < y.profile.model ? -1 : x.profile.model > y.profile.model ? 1 : 0,
  );
  const ts = sorted.map(t => configTenant(t.profile, t.workers, t.qps, t.kind));
  return {
    id: configId(ts),
    kind: ts.length === 1 ? 'dedicated' : ts.length === 2 ? 'pair' : 'shared',
    tenants: ts,
    emu: ts.reduce((s, t) => s + (t.qpsMax > 0 ? t.qps / t.qpsMax : 0), 0),
    basis,
    predicted: basis === 'predicted',
    cores: ts.reduce((s, t) => s + t.workers, 0),
    memoryBytes: sorted.reduce((s, t) => s + tenantMemoryBytes(t.profile, t.workers), 0),
  };
}

const BASIS_TEXT: Readonly<Record<ThroughputBasis, string>> = {
  'solo-profile': 'solo profile',
  'measured-pair': 'measured co-located',
  predicted: 'predicted from solo profiles',
};

/**
 * One line for people on what a configuration's throughput rests on, with the provenance of the
 * solo profiles under it: "measured co-located; solo profiles: din measured, rmc1 measured",
 * "solo profile (derived)". Never says "measured" of a roofline-derived number.
 */
export function describeBasis(config: ServerConfig): string {
  if (config.basis === 'solo-profile' && config.tenants.length === 1)
    return `solo profile (${config.tenants[0]!.profileSource})`;
  return `${BASIS_TEXT[config.basis]}; solo profiles: ${config.tenants.map(t => `${t.model} ${t.profileSource}`).join(', ')}`;
}
