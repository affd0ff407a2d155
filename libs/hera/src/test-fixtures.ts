// Hand-made profiles for the unit tests (not exported from the package).
import { buildModelProfile, type ModelProfile, type NodeClassSpec, type PairProfile, type ProfileSet } from './profile';

const measured = { kind: 'measured', detail: 'hand-made test profile' } as const;

export function node(
  cores: number,
  opts: { memoryBytes?: number; bandwidth?: number; name?: string } = {},
): NodeClassSpec {
  return {
    name: opts.name ?? `t${cores}`,
    cores,
    memoryBytes: opts.memoryBytes ?? 1e12,
    ...(opts.bandwidth === undefined ? {} : { memoryBandwidthBytesPerSec: opts.bandwidth }),
    provenance: { cores: measured, memoryBytes: measured, memoryBandwidthBytesPerSec: measured },
  };
}

export function profile(model: string, qps: readonly number[], extra: Partial<ModelProfile> = {}): ModelProfile {
  return buildModelProfile({
    model,
    nodeClass: 'test',
    qps,
    slaMs: 10,
    bestSubBatch: 32,
    memoryPerHostBytes: 0,
    memoryPerWorkerBytes: 0,
    ...extra,
    provenance: {
      qps: measured,
      slaMs: measured,
      bestSubBatch: measured,
      memoryPerHostBytes: measured,
      memoryPerWorkerBytes: measured,
      ...(extra.bytesPerQuery === undefined ? {} : { bytesPerQuery: measured }),
    },
  });
}

/** QPS(n) = min(n·q1, cap) for n = 1..cores: the roofline shape. */
export function roofline(cores: number, q1: number, cap = Infinity): number[] {
  return Array.from({ length: cores }, (_, i) => Math.min((i + 1) * q1, cap));
}

export function profileSet(nodeClass: NodeClassSpec, models: ModelProfile[], pairs: PairProfile[] = []): ProfileSet {
  return { nodeClass, models: models.map(m => ({ ...m, nodeClass: nodeClass.name })), pairs };
}

/**
 * The hand-worked example of the tests: an 8-core node moving 1000 B/s.
 * `mem` is memory-bound: QPS(1) = 10, 25 B/query, so it saturates the bus at 40 QPS (knee 4).
 * `cpu` is compute-bound: QPS(1) = 10, 1 B/query, linear to 80 QPS at 8 workers.
 * `mem2` is a second memory-bound model identical to `mem`.
 */
export function handExample(): ProfileSet {
  const n = node(8, { bandwidth: 1000 });
  return profileSet(n, [
    profile('mem', roofline(8, 10, 40), { bytesPerQuery: 25 }),
    profile('cpu', roofline(8, 10), { bytesPerQuery: 1 }),
    profile('mem2', roofline(8, 10, 40), { bytesPerQuery: 25 }),
  ]);
}
