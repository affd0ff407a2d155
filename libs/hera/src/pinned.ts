import { invalidArgument } from '@hera/errors';
import { splitAt, type PairSearchResult } from './pair-search';
import { qpsAt, tenantMemoryBytes } from './profile';
import { parseConfigId, serverConfig, type ServerConfig } from './server-config';

/**
 * A configuration named by its id ("din:1+rmc1:1", "wnd:2") as the matcher would evaluate it:
 * a solo tenant at its profile's QPS(n), a pair at {@link splitAt} (measured where the profiler
 * measured that split, predicted and calibrated elsewhere). For placements an operator pins
 * instead of solving. Throws INVALID_ARGUMENT naming `field` when the id is malformed, a model
 * has no profile, or the configuration does not fit the node class or serves nothing.
 */
export function pinnedConfig(search: PairSearchResult, id: string, field = 'config'): ServerConfig {
  let tenants: { model: string; workers: number }[];
  try {
    tenants = parseConfigId(id);
  } catch (err) {
    throw invalidArgument(field, (err as Error).message.replace(/^config: /, ''));
  }
  for (const t of tenants) {
    if (!search.profiles.has(t.model))
      throw invalidArgument(field, `${t.model} has no profile on node class ${search.nodeClass.name}`);
  }
  const node = search.nodeClass;
  if (tenants.length === 1) {
    const { model, workers } = tenants[0]!;
    const p = search.profiles.get(model)!;
    if (!(workers >= 1 && workers <= node.cores))
      throw invalidArgument(field, `${model}:${workers} needs 1..${node.cores} workers on node class ${node.name}`);
    if (tenantMemoryBytes(p, workers) > node.memoryBytes - search.options.reservedMemoryBytes)
      throw invalidArgument(field, `${id} does not fit the node's memory`);
    if (!(qpsAt(p, workers) > 0))
      throw invalidArgument(field, `${model} meets its SLA at no rate with ${workers} worker(s)`);
    return serverConfig(
      [{ profile: p, workers, qps: qpsAt(p, workers), kind: search.kinds.get(model)!.kind }],
      'solo-profile',
    );
  }
  if (tenants.length === 2) {
    const [a, b] = tenants as [{ model: string; workers: number }, { model: string; workers: number }];
    if (a.model === b.model) throw invalidArgument(field, `${id} names ${a.model} twice`);
    const s = splitAt(search, a.model, a.workers, b.model, b.workers);
    if (!s)
      throw invalidArgument(
        field,
        `${id} does not fit node class ${node.name} (cores or memory), or a tenant serves nothing at its worker count`,
      );
    const pa = search.profiles.get(a.model)!;
    const pb = search.profiles.get(b.model)!;
    return serverConfig(
      [
        { profile: pa, workers: a.workers, qps: s.qpsA, kind: search.kinds.get(a.model)!.kind },
        { profile: pb, workers: b.workers, qps: s.qpsB, kind: search.kinds.get(b.model)!.kind },
      ],
      s.basis,
    );
  }
  throw invalidArgument(field, `${id} has ${tenants.length} tenants; a configuration has one or two`);
}
