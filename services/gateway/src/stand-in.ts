/**
 * Test support for the routing tests: a stand-in tenant host (a real gRPC server
 * on port 0 with WorkerService/InferStream and grpc.health.v1, scoring every item
 * 0) and the Redis records that route a model to it, written as placement, the
 * node agent and model registration write them.
 */
import type * as grpc from '@grpc/grpc-js';
import type { RedisClient } from '@hera/state';
import { closeServer, startServer } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { services, type InferStreamRequest__Output, type InferStreamResponse } from '@hera/proto';
import { ModelStore, nodeEventMessage, PlanStore, type Keyspace, type ModelRecord, type NodeRecord } from '@hera/state';

/** A one-table model small enough to query with a few bytes. */
export const TINY_MODEL: ModelRecord = {
  name: 'tiny',
  version: '1',
  denseDim: 1,
  tables: [{ name: 't0', rows: 10, lookups: 1, dim: 4 }],
  slaMs: 100,
  subBatchSize: 64,
  sizeBytes: 160,
};

/** A valid query of `k` items for TINY_MODEL. */
export const tinyItems = (k = 2) => ({ itemCount: k, dense: new Uint8Array(k * 4), sparse: new Uint8Array(k * 4) });

export interface StandInHost {
  endpoint: string;
  /** Requests answered so far. */
  answered(): number;
  /** Stops listening at once (what a killed host looks like to the gateway). Idempotent. */
  stop(): Promise<void>;
}

export async function startStandInHost(log: Logger): Promise<StandInHost> {
  let answered = 0;
  const running = await startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [
      {
        name: 'hera.worker.v1.WorkerService',
        definition: services().worker,
        implementation: {
          InferStream: (call: grpc.ServerDuplexStream<InferStreamRequest__Output, InferStreamResponse>) => {
            call.on('data', (m: InferStreamRequest__Output) => {
              answered++;
              const n = m.request?.items?.itemCount ?? 0;
              call.write({
                tag: m.tag,
                code: 0,
                response: { scores: Buffer.alloc(n * 4), version: '1', queueUs: 0, computeUs: 5 },
              });
            });
            call.on('end', () => call.end());
            call.on('error', () => {});
          },
        },
      },
    ],
  });
  running.setServing('SERVING');
  let stopped: Promise<void> | undefined;
  return {
    endpoint: running.address,
    answered: () => answered,
    stop: () => (stopped ??= closeServer(running.server, 0)),
  };
}

/** The node record an agent would heartbeat, with `model` serving at `endpoint`, expiring after `ttlMs`. */
export async function writeNode(
  redis: RedisClient,
  keys: Keyspace,
  nodeId: string,
  tenants: Record<string, { endpoint: string; state?: string }>,
  ttlMs: number,
): Promise<void> {
  const record: NodeRecord = {
    nodeId,
    endpoint: '127.0.0.1:1',
    nodeClass: '2c',
    cores: 2,
    memoryBytes: 1 << 30,
    cgroupMode: 'none',
    backend: 'wasm',
    labels: {},
    resctrl: false,
    startedAtMs: Date.now(),
    heartbeatAtMs: Date.now(),
    tenants: Object.fromEntries(
      Object.entries(tenants).map(([m, t]) => [m, { endpoint: t.endpoint, workers: 1, state: t.state ?? 'serving' }]),
    ),
  };
  await redis
    .multi()
    .set(keys.node(nodeId), JSON.stringify(record), 'PX', ttlMs)
    .sadd(keys.nodes(), nodeId)
    .publish(keys.nodeChannel(), nodeEventMessage(nodeId, 'changed'))
    .exec();
}

/** An applied plan placing each node's models, as placement writes it. */
export async function writePlan(
  redis: RedisClient,
  keys: Keyspace,
  version: number,
  createdAtMs: number,
  nodes: Record<string, string[]>,
): Promise<void> {
  const plan = {
    version,
    createdAtMs,
    nodeClass: '2c',
    nodes: Object.entries(nodes).map(([nodeId, models]) => ({
      nodeId,
      config: models.map(m => `${m}:1`).join('+'),
      tenants: models.map(model => ({ model, workers: 1 })),
    })),
  };
  await new PlanStore(redis, keys).put(plan);
}

export async function registerModel(
  redis: RedisClient,
  keys: Keyspace,
  model: ModelRecord = TINY_MODEL,
): Promise<void> {
  await new ModelStore(redis, keys).put(model);
}
