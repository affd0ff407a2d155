import * as grpc from '@grpc/grpc-js';
import { HeraError, invalidArgument, quoted } from '@hera/errors';
import { AUTHORIZATION, callDeadline, createClient, unaryCall } from '@hera/grpc';
import { loadProtos, type ModelRegistryServiceClient } from '@hera/proto';
import { listLive, type Keyspace, type RedisClient, type ServiceRecord } from '@hera/state';

/**
 * Triton's RepositoryModelLoad / RepositoryModelUnload, served by placement's model registry
 * (hera.placement.v1.ModelRegistryService LoadModel / UnloadModel): the gateway passes them on,
 * with the caller's own `authorization` (the caller was authorized for the RPC here; placement
 * checks it again), within the caller's deadline. Placement is PLACEMENT_ADDR, else the serving
 * placement instance the cluster's service records in Redis name.
 */
export class RegistryLink {
  #client: { address: string; client: ModelRegistryServiceClient } | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly fixedAddress?: string,
  ) {}

  /** Loads a model: answers once a tenant serves it, else fails saying why not. */
  async load(req: { repositoryName: string; modelName: string }, call: grpc.ServerUnaryCall<unknown, unknown>) {
    const name = checked(req);
    const res = await unaryCall(await this.#registry(), 'LoadModel', { name }, this.#options(call));
    // Triton's load returns once the model is ready; ours is registered but not served when it
    // has no demand or profile yet: say so rather than answer a load whose ModelReady is false.
    if (!res.served)
      throw new HeraError(
        'PRECONDITION',
        `model ${res.name} version ${res.version} is loaded but not served: ${res.reason}${res.profileJobId ? ` (quick profile job ${res.profileJobId} queued)` : ''}`,
      );
    return {};
  }

  /** Unloads a model: its tenants stop; the repository keeps it. */
  async unload(req: { repositoryName: string; modelName: string }, call: grpc.ServerUnaryCall<unknown, unknown>) {
    const name = checked(req);
    await unaryCall(await this.#registry(), 'UnloadModel', { name }, this.#options(call));
    return {};
  }

  close(): void {
    this.#client?.client.close();
    this.#client = undefined;
  }

  #options(call: grpc.ServerUnaryCall<unknown, unknown>) {
    const deadline = callDeadline(call);
    const auth = call.metadata.get(AUTHORIZATION);
    // The caller's credential, else the gateway's own (HERA_TOKEN) through the client's interceptor.
    const metadata = new grpc.Metadata();
    if (auth.length) metadata.set(AUTHORIZATION, auth[0]!);
    return { metadata, ...(Number.isFinite(deadline) ? { deadlineMs: Math.max(1, deadline - Date.now()) } : {}) };
  }

  async #registry(): Promise<ModelRegistryServiceClient> {
    const address = this.fixedAddress ?? (await this.#placement());
    if (this.#client?.address !== address) {
      this.close();
      const client: ModelRegistryServiceClient = createClient(
        loadProtos().proto.hera.placement.v1.ModelRegistryService,
        address,
        // A load waits for a quick profile and a plan: placement bounds it (REGISTRY_WAIT_MS).
        { maxAttempts: 1, defaultDeadlineMs: 600_000 },
      );
      this.#client = { address, client };
    }
    return this.#client.client;
  }

  /** The endpoint of the placement instance that serves and beat last. */
  async #placement(): Promise<string> {
    const { live } = await listLive<ServiceRecord>(this.redis, this.keys.services(), m => this.keys.service(m));
    const serving = live
      .filter(s => s.service === 'placement' && s.state === 'serving')
      .sort((a, b) => b.heartbeatAtMs - a.heartbeatAtMs);
    if (!serving[0]) throw new HeraError('UNAVAILABLE', 'no placement service is serving: the model registry is down');
    return serving[0].endpoint;
  }
}

function checked(req: { repositoryName: string; modelName: string }): string {
  if (req.repositoryName)
    throw invalidArgument(
      'repository_name',
      `unknown repository ${quoted(req.repositoryName)}; the cluster has one, leave it empty`,
    );
  if (!req.modelName) throw invalidArgument('model_name', 'is required');
  return req.modelName;
}
