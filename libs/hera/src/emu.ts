import { invalidArgument } from '@hera/errors';
import type { ModelProfile } from './profile';

/** One tenant's co-located throughput, as EMU needs it. */
export interface TenantThroughput {
  model: string;
  /** Latency-bounded QPS of this tenant while co-located. */
  qps: number;
}

/**
 * Effective machine utilisation (DESIGN §4.3): Σ over tenants of QPS_m^co / QPSmax_m. A node
 * dedicated to one model at its knee scores 1.0; a pair scoring more than 1.0 does the work of
 * more than one dedicated server.
 */
export function emu(tenants: readonly TenantThroughput[], profiles: ReadonlyMap<string, ModelProfile>): number {
  let sum = 0;
  for (const t of tenants) {
    const p = profiles.get(t.model);
    if (!p) throw invalidArgument('tenants.model', `no profile for ${t.model}`);
    sum += t.qps / p.qpsMax;
  }
  return sum;
}
