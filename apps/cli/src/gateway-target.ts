import { createClient, unaryCall } from '@hera/grpc';
import { loadProtos, type ModelInfo__Output, type RankingServiceClient } from '@hera/proto';
import { DEFAULT_DATA_DIR, readClusterFile } from './cluster-file';

/** The gateway to talk to: --gateway, else HERA_GATEWAY, else the running `hera up`, else the default port. */
export function gatewayAddress(opts: { gateway?: string; dataDir?: string }): string {
  return serviceAddress('gateway', opts.gateway, opts.dataDir);
}

const DEFAULT_PORTS = { gateway: 50051, worker: 50052, placement: 50053, profiler: 50054 } as const;

/** A service's address: the flag, else HERA_<SERVICE>, else the running `hera up`, else its default port on loopback. */
export function serviceAddress(service: keyof typeof DEFAULT_PORTS, flag?: string, dataDir?: string): string {
  return (
    flag ??
    process.env[`HERA_${service.toUpperCase()}`] ??
    readClusterFile(dataDir ?? DEFAULT_DATA_DIR)?.services[service] ??
    `127.0.0.1:${DEFAULT_PORTS[service]}`
  );
}

export function rankingClient(address: string): RankingServiceClient {
  return createClient(loadProtos().proto.hera.gateway.v1.RankingService, address, { defaultDeadlineMs: 30_000 });
}

/** A model's schema from the gateway, with a helpful error when it is unknown. */
export async function modelInfo(client: RankingServiceClient, model: string): Promise<ModelInfo__Output> {
  const { models } = await unaryCall(client, 'ListModels', {}, { deadlineMs: 5_000 });
  const m = models.find(x => x.name === model);
  if (!m)
    throw new Error(
      `model ${JSON.stringify(model)} is not registered; the gateway knows: ${models.map(x => x.name).join(', ') || 'none yet'}`,
    );
  return m;
}
