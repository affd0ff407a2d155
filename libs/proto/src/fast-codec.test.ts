import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeInferRequest, encodeInferStreamRequest, encodeRankRequest } from './fast-codec';
import { fastClients, services } from './load';

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

describe('fast encoders', () => {
  const cases = [
    { model: 'rmc1', items: { itemCount: 64, dense: bytes(64 * 128 * 4, 1), sparse: bytes(64 * 640 * 4, 2) } },
    {
      model: 'ncf',
      version: '3',
      items: { itemCount: 1, dense: Buffer.alloc(0), sparse: bytes(16, 3) },
      requestId: 'r-1',
    },
    { model: 'x', items: { itemCount: 300, dense: bytes(5, 4), sparse: Buffer.alloc(0) } },
    { model: 'y' },
    { model: 'z', items: { itemCount: 0 } },
  ];

  it('write exactly what protobufjs writes for InferRequest', () => {
    const generated = services().worker['Infer']!.requestSerialize;
    for (const c of cases) assert.deepEqual(encodeInferRequest(c), generated(c), JSON.stringify(Object.keys(c)));
  });

  it('write exactly what protobufjs writes for RankRequest', () => {
    const generated = services().ranking['Rank']!.requestSerialize;
    for (const c of cases) {
      const r = { ...c, topK: 10, timeoutMs: 250 };
      assert.deepEqual(encodeRankRequest(r), generated(r));
    }
  });

  it('write exactly what protobufjs writes for InferStreamRequest, 64-bit deadlines included', () => {
    const generated = services().worker['InferStream']!.requestSerialize;
    for (const c of cases) {
      const r = { tag: 4_000_000_000, request: c, deadlineMs: 1_795_930_933_123 };
      assert.deepEqual(encodeInferStreamRequest(r), generated(r));
    }
    assert.deepEqual(encodeInferStreamRequest({ tag: 0 }), generated({ tag: 0 }));
    const traced = {
      tag: 7,
      request: cases[0],
      deadlineMs: 1,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'congo=t61rcWkgMzE',
    };
    assert.deepEqual(encodeInferStreamRequest(traced), generated(traced));
  });

  it('decline payloads that are not bytes, so the generated encoder handles them', () => {
    assert.equal(encodeInferRequest({ model: 'm', items: { itemCount: 1, dense: 'AAAA' } }), undefined);
  });

  it('decline named tensors (fields they do not write), so the generated encoder keeps them', () => {
    const tensors = [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: bytes(8, 5) }];
    assert.equal(encodeInferRequest({ model: 'm', tensors }), undefined);
    assert.equal(encodeInferRequest({ model: 'm', outputs: ['y'] }), undefined);
    assert.equal(encodeInferStreamRequest({ tag: 1, request: { model: 'm', tensors } }), undefined);
    // Through the client's definition (withFastEncoder): the tensors arrive.
    const worker = services().worker['Infer']!;
    const wire = fastClients().WorkerService.service['Infer']!.requestSerialize({
      model: 'm',
      tensors,
      outputs: ['y'],
    });
    const back = worker.requestDeserialize(wire) as { tensors: { name: string; shape: number[] }[]; outputs: string[] };
    assert.deepEqual(
      back.tensors.map(t => [t.name, t.shape]),
      [['x', [1, 2]]],
    );
    assert.deepEqual(back.outputs, ['y']);
  });
});
