/**
 * The load generators on a named-tensors model (ModelRecord.tensors): PayloadPool's synthetic
 * rows (FP32 uniform in [-1, 1), INT32 within the declared range), sliced per query, and the
 * gateway target sending them as one ModelInfer (Rank refuses such a model) to a real
 * GRPCInferenceService on a loopback port.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { gatewayTarget, PayloadPool } from '@hera/loadgen';
import type { TensorSignature } from '@hera/model-schema';
import { services, type ModelInferRequest__Output } from '@hera/proto';

const SIG: TensorSignature = {
  inputs: [
    { name: 'user', datatype: 'FP32', shape: [-1, 3] },
    { name: 'history', datatype: 'INT32', shape: [-1, 4], range: [10, 20] },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
};
const SCHEMA = { denseDim: 0, tables: [], tensors: SIG };

let server: grpc.Server;
let address = '';
const got: ModelInferRequest__Output[] = [];

before(async () => {
  server = new grpc.Server();
  server.addService(services().inference, {
    ModelInfer: (call: grpc.ServerUnaryCall<ModelInferRequest__Output, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      got.push(call.request);
      cb(null, { modelName: call.request.modelName, outputs: [] });
    },
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))),
  );
  address = `127.0.0.1:${port}`;
});

after(() => new Promise<void>(res => server.tryShutdown(() => res())));

describe('load generators: named tensors', () => {
  it('PayloadPool makes rows from the signature and slices them per query', () => {
    const pool = new PayloadPool(SCHEMA, 16, 3, 2);
    const r = pool.request(2, 7, 1);
    assert.ok('tensors' in r);
    assert.deepEqual(
      r.tensors.map(t => [t.name, t.datatype, t.shape, t.data.byteLength]),
      [
        ['user', 'FP32', [5, 3], 5 * 3 * 4],
        ['history', 'INT32', [5, 4], 5 * 4 * 4],
      ],
    );
    const user = new Float32Array(r.tensors[0]!.data.slice().buffer);
    const ids = new Int32Array(r.tensors[1]!.data.slice().buffer);
    assert.ok(user.every(v => v >= -1 && v < 1));
    assert.ok(ids.every(v => Number.isInteger(v) && v >= 10 && v < 20));
    assert.ok(new Set(ids).size > 3, 'spread over the range');
    // A ranking model's pool still gives items.
    assert.ok('items' in new PayloadPool({ denseDim: 1, tables: [{ rows: 3, lookups: 1 }] }, 4, 1, 1).request(0, 2));
  });

  it('the gateway target sends one ModelInfer of raw tensors for a named-tensors model', async () => {
    const target = gatewayTarget(address, 'any', new PayloadPool(SCHEMA, 32, 5, 1));
    try {
      await target.send(9, Date.now() + 5_000);
    } finally {
      target.close();
    }
    assert.equal(got.length, 1);
    const req = got[0]!;
    assert.equal(req.modelName, 'any');
    assert.deepEqual(
      req.inputs.map(t => [t.name, t.datatype, t.shape.map(Number)]),
      [
        ['user', 'FP32', [9, 3]],
        ['history', 'INT32', [9, 4]],
      ],
    );
    assert.deepEqual(
      req.rawInputContents.map(b => b.byteLength),
      [9 * 3 * 4, 9 * 4 * 4],
    );
  });
});
