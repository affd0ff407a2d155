import { callBy, createClient, InferStreamClient } from '@hera/grpc';
import {
  denseBytesPer,
  denseEncodingFrom,
  idsPerItem,
  randomTensors,
  rowSize,
  type NamedTensor,
} from '@hera/model-schema';
import {
  fastClients,
  loadProtos,
  type GRPCInferenceServiceClient,
  type ModelInferResponse__Output,
  type RankingServiceClient,
} from '@hera/proto';
import { Rng } from '@hera/stats';
import { denseBytes, randomItems, type ItemSchema } from './items';
import type { SendQuery } from './load-runner';

/**
 * Random query payloads made once (generating them per query would load the
 * client's core, which on a small machine is the server's core too): a few
 * variants of the largest query, of which each query takes its first k items.
 */
export class PayloadPool {
  readonly #dense: Buffer[] = [];
  readonly #sparse: Buffer[] = [];
  /** A named-tensors model's variants (ItemSchema.tensors): FP32 uniform, INT32 within the declared range. */
  readonly #tensors: NamedTensor[][] = [];
  readonly idsPerItem: number;
  /** Bytes of one item's dense features in the model's datatype. */
  readonly #denseRow: number;
  #i = 0;

  constructor(
    readonly schema: ItemSchema,
    maxItems: number,
    seed: number,
    variants = 8,
  ) {
    const rng = new Rng(seed);
    this.idsPerItem = idsPerItem(schema.tables);
    this.#denseRow = schema.denseDim * denseBytesPer(denseEncodingFrom(schema).denseDatatype);
    for (let v = 0; v < variants; v++) {
      if (schema.tensors) {
        this.#tensors.push(randomTensors(schema.tensors.inputs, maxItems, seed * 1000 + v));
        continue;
      }
      const it = randomItems(schema, maxItems, rng);
      // In the model's dense datatype (FP16, INT8 encoded once here, not per query).
      this.#dense.push(denseBytes(it, schema));
      this.#sparse.push(Buffer.from(it.ids.buffer));
    }
  }

  /**
   * Items [from, to) of the next variant as an InferRequest's payload: `items` (ItemBatch), or
   * for a named-tensors model `tensors` (rows [from, to) of each; views, no copy).
   */
  request(
    from: number,
    to: number,
    variant?: number,
  ): { items: ReturnType<PayloadPool['take']> } | { tensors: NamedTensor[] } {
    if (!this.#tensors.length) return { items: this.take(from, to, variant) };
    const set = this.#tensors[(variant ?? this.#i++) % this.#tensors.length]!;
    const specs = this.schema.tensors!.inputs;
    return {
      tensors: set.map((t, i) => {
        const row = rowSize(specs[i]!) * 4;
        return { ...t, shape: [to - from, ...t.shape.slice(1)], data: t.data.subarray(from * row, to * row) };
      }),
    };
  }

  /** Items [from, to) of the next variant, as ItemBatch fields (views, no copy). */
  take(
    from: number,
    to: number,
    variant = this.#i++ % this.#dense.length,
  ): { itemCount: number; dense: Buffer; sparse: Buffer } {
    const d = this.#denseRow;
    const s = this.idsPerItem * 4;
    return {
      itemCount: to - from,
      dense: this.#dense[variant]!.subarray(from * d, to * d),
      sparse: this.#sparse[variant]!.subarray(from * s, to * s),
    };
  }
}

export interface Target {
  send: SendQuery;
  close(): void;
}

/**
 * Queries through the gateway's Rank RPC (the gateway splits them); for a named-tensors model
 * (ItemSchema.tensors), which Rank refuses, its ModelInfer with the tensors raw.
 */
export function gatewayTarget(address: string, model: string, pool: PayloadPool): Target {
  if (pool.schema.tensors) return modelInferTarget(address, model, pool);
  const client: RankingServiceClient = createClient(fastClients().RankingService, address, { maxAttempts: 1 });
  return {
    send: (items, deadline) =>
      callBy(deadline, (md, options, cb) => client.rank({ model, items: pool.take(0, items) }, md, options, cb)).then(
        () => undefined,
      ),
    close: () => client.close(),
  };
}

/** A named-tensors model through the gateway: one ModelInfer a query, its rows raw. */
function modelInferTarget(address: string, model: string, pool: PayloadPool): Target {
  const client: GRPCInferenceServiceClient = createClient(loadProtos().proto.inference.GRPCInferenceService, address, {
    maxAttempts: 1,
  });
  return {
    send: (items, deadline) => {
      const { tensors } = pool.request(0, items) as { tensors: NamedTensor[] };
      return callBy<ModelInferResponse__Output>(deadline, (md, options, cb) =>
        client.modelInfer(
          {
            modelName: model,
            inputs: tensors.map(t => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
            rawInputContents: tensors.map(t => t.data),
          },
          md,
          options,
          cb,
        ),
      ).then(() => undefined);
    },
    close: () => client.close(),
  };
}

/**
 * Queries straight to one worker endpoint (a tenant host or a node agent): the
 * client splits each query into sub-batches itself and the query completes with
 * its last sub-batch. Sub-batches go over one InferStream, as the gateway sends
 * them (unary Infer calls to a node agent, which has no InferStream), so what a
 * profile measures is the path that serves.
 */
export function workerTarget(address: string, model: string, pool: PayloadPool, subBatch: number): Target {
  const stream = InferStreamClient.connect(address);
  return {
    send: async (items, deadline) => {
      const variant = Math.floor(Math.random() * 8);
      const parts: Promise<unknown>[] = [];
      for (let from = 0; from < items; from += subBatch) {
        parts.push(stream.infer({ model, ...pool.request(from, Math.min(items, from + subBatch), variant) }, deadline));
      }
      await Promise.all(parts);
    },
    close: () => stream.close(),
  };
}
