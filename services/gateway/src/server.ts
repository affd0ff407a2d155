import { HeraError } from '@hera/errors';
import { unary, type ServiceBinding } from '@hera/grpc';
import type { Lifecycle } from '@hera/lifecycle';
import type { Logger } from '@hera/logger';
import { services, type GRPCInferenceServiceHandlers, type ModelInfo, type RankingServiceHandlers } from '@hera/proto';
import type { ModelRecord, ModelStore } from '@hera/state';

const SERVER_NAME = 'hera-mesh';
const SERVER_VERSION = '0.1.0';

export function toModelInfo(m: ModelRecord): ModelInfo {
  return {
    name: m.name,
    version: m.version,
    denseDim: m.denseDim,
    tables: m.tables,
    slaMs: m.slaMs,
    subBatchSize: m.subBatchSize,
    kind: m.kind ?? '',
  };
}

async function mustGet(models: ModelStore, name: string, version: string): Promise<ModelRecord> {
  const m = name ? await models.get(name) : undefined;
  if (!m) throw new HeraError('NOT_FOUND', `model ${JSON.stringify(name)} is not registered`);
  if (version && version !== m.version) {
    throw new HeraError('NOT_FOUND', `model ${name} has no version ${JSON.stringify(version)} (serving ${m.version})`);
  }
  return m;
}

/** hera.gateway.v1.RankingService. */
export function rankingService(models: ModelStore, log: Logger): ServiceBinding {
  const impl: Partial<RankingServiceHandlers> = {
    ListModels: unary(log, 'ListModels', async () => ({ models: (await models.list()).map(toModelInfo) })),
  };
  return { name: 'hera.gateway.v1.RankingService', definition: services().ranking, implementation: impl };
}

/** The Open Inference Protocol v2 service, on the same port. */
export function inferenceService(models: ModelStore, lifecycle: Lifecycle, log: Logger): ServiceBinding {
  const impl: Partial<GRPCInferenceServiceHandlers> = {
    ServerLive: unary(log, 'ServerLive', () => ({ live: lifecycle.state === 'serving' || lifecycle.state === 'starting' })),
    ServerReady: unary(log, 'ServerReady', () => ({ ready: lifecycle.state === 'serving' })),
    ServerMetadata: unary(log, 'ServerMetadata', () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [] })),
    ModelMetadata: unary(log, 'ModelMetadata', async req => {
      const m = await mustGet(models, req.name, req.version);
      const lookups = m.tables[0]?.lookups ?? 0;
      const uniform = m.tables.every(t => t.lookups === lookups);
      return {
        name: m.name,
        versions: [m.version],
        platform: 'tensorflowjs',
        inputs: [
          { name: 'dense', datatype: 'FP32', shape: [-1, m.denseDim] },
          // [k, tables, lookups] when every table has the same lookups, else the flat [k, ids_per_item].
          {
            name: 'sparse',
            datatype: 'INT32',
            shape: uniform ? [-1, m.tables.length, lookups] : [-1, m.tables.reduce((s, t) => s + t.lookups, 0)],
          },
        ],
        outputs: [{ name: 'score', datatype: 'FP32', shape: [-1, 1] }],
      };
    }),
  };
  return { name: 'inference.GRPCInferenceService', definition: services().inference, implementation: impl };
}
