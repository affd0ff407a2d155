/**
 * The gateway's public port under abuse (issue 16, item 5): a real gateway gRPC server on
 * port 0 (RankingService and the Open Inference Protocol, as main.ts builds them) over a real
 * redis-server holding one registered model and no replicas. Each case is something a client
 * did to the port: echoed 80 KB names, bytes that are not protobuf, OIP inputs given twice or
 * in two forms, and a connection that resets streams by the thousand.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, constants as h2, type ClientHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { createClient, closeServer, startServer, unaryCall, type RunningServer } from '@hera/grpc';
import { Lifecycle } from '@hera/lifecycle';
import { silentLogger } from '@hera/logger';
import { Registry } from '@hera/metrics';
import { loadProtos, services, type GRPCInferenceServiceClient, type RankingServiceClient } from '@hera/proto';
import { Keyspace, ModelStore, NodeStore, PlanStore } from '@hera/state';
import { grpcOutcome, startRedis, type TestRedis } from '@hera/testing';
import { ModelCatalog } from './catalog';
import { Ranker } from './ranker';
import { RoutingTable } from './routing';
import { GatewayMetrics } from './gateway-metrics';
import { RegistryLink } from './registry-link';
import { inferenceService, rankingService } from './server';
import { tinyModel } from './test-fixtures';

const log = silentLogger();
const MODEL = tinyModel();
const LONG = 80_000;

let redisServer: TestRedis;
let redis: Redis;
let routing: RoutingTable;
let running: RunningServer;
let rank: RankingServiceClient;
let oip: GRPCInferenceServiceClient;

before(async () => {
  redisServer = await startRedis();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  const keys = new Keyspace('public-port');
  await new ModelStore(redis, keys).put(MODEL);
  const catalog = new ModelCatalog(redis, keys, log);
  routing = new RoutingTable({ plans: new PlanStore(redis, keys), nodes: new NodeStore(redis, keys) }, log);
  await Promise.all([catalog.refresh(), routing.refresh()]);
  const ranker = new Ranker(catalog, routing, {
    maxItems: 1024,
    deadlineSlaMultiple: 2,
    admissionControl: true,
    validateValues: true,
  });
  const lifecycle = new Lifecycle({ log, budgetMs: 1_000, exit: () => undefined });
  lifecycle.serving();
  // No placement runs: the registry's RPCs say so at once.
  const registry = new RegistryLink(redis, keys);
  const deps = { catalog, routing, ranker, lifecycle, metrics: new GatewayMetrics(new Registry()), log, registry };
  running = await startServer({
    host: '127.0.0.1',
    port: 0,
    log,
    services: [rankingService(deps), inferenceService(deps)],
  });
  running.setServing('SERVING');
  const { proto } = loadProtos();
  rank = createClient(proto.hera.gateway.v1.RankingService, running.address, {
    maxAttempts: 1,
    defaultDeadlineMs: 3_000,
  });
  oip = createClient(proto.inference.GRPCInferenceService, running.address, {
    maxAttempts: 1,
    defaultDeadlineMs: 3_000,
  });
});

after(async () => {
  rank?.close();
  oip?.close();
  routing?.close();
  if (running) await closeServer(running.server, 1_000);
  redis?.disconnect();
  await redisServer?.stop();
});

/** The outcome of a call and how long it took. */
async function timed(p: Promise<unknown>): Promise<{ outcome: string; ms: number }> {
  const t0 = Date.now();
  const outcome = await grpcOutcome(p);
  return { outcome, ms: Date.now() - t0 };
}

const k = 1;
const denseBytes = () => Buffer.alloc(k * MODEL.denseDim * 4);
const idBytes = () => Buffer.alloc(k * 4 * 4);
const sparseShape = [k, 2, 2];

describe('gateway public port', () => {
  it('answers an 80 KB model or input name at once with the name cut short, and the connection keeps working', async () => {
    // 'x' is 7 bits in HPACK's Huffman code: 80,000 of them are 70 KB in a trailer, past the 64 KiB
    // clients accept ('m', 6 bits, would stay under it).
    const name = 'x'.repeat(LONG);
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'Rank, unknown model',
        () => unaryCall(rank, 'Rank', { model: name, items: { itemCount: k, dense: denseBytes(), sparse: idBytes() } }),
        /^NOT_FOUND: model "x{64}…" \(80000 chars\) is not registered$/,
      ],
      [
        'Rank, unknown version',
        () => unaryCall(rank, 'Rank', { model: 'tiny', version: name, items: { itemCount: k } }),
        /^NOT_FOUND: model tiny has no version "x{64}…" \(80000 chars\)/,
      ],
      [
        'ModelInfer, unknown model',
        () => unaryCall(oip, 'ModelInfer', { modelName: name }),
        /^NOT_FOUND: model "x{64}…" \(80000 chars\) is not registered$/,
      ],
      // ModelReady of an unknown model answers ready=false (as Triton's), so ModelConfig echoes here.
      ['ModelConfig, unknown model', () => unaryCall(oip, 'ModelConfig', { name }), /^NOT_FOUND: model "x{64}…"/],
      [
        'ModelInfer, unknown input',
        () => unaryCall(oip, 'ModelInfer', { modelName: 'tiny', inputs: [{ name, datatype: 'FP32', shape: [k, 2] }] }),
        /^INVALID_ARGUMENT: inputs\[0\]\.name: unknown input "x{64}…" \(80000 chars\); model tiny takes dense and sparse$/,
      ],
      [
        'RepositoryModelLoad, a repository name (the cluster has one)',
        () => unaryCall(oip, 'RepositoryModelLoad', { repositoryName: name, modelName: 'tiny' }),
        /^INVALID_ARGUMENT: repository_name: unknown repository "x{64}…" \(80000 chars\)/,
      ],
      [
        'ModelInfer, unknown output',
        () => unaryCall(oip, 'ModelInfer', { modelName: 'tiny', outputs: [{ name }] }),
        /^INVALID_ARGUMENT: outputs\[0\]\.name: unknown output "x{64}…" \(80000 chars\)/,
      ],
      [
        'ModelInfer, a datatype of 80 KB and a shape of 20,000 dimensions',
        () =>
          unaryCall(oip, 'ModelInfer', {
            modelName: 'tiny',
            inputs: [
              { name: 'dense', datatype: 'FP32', shape: [k, 2] },
              { name: 'sparse', datatype: name, shape: Array.from({ length: 20_000 }, () => 1) },
            ],
          }),
        /^INVALID_ARGUMENT: inputs\[1\] \(sparse\)\.shape: expected \[k, 2, 2\] or \[k, 4\], got \[1, 1, 1, 1, 1, 1, 1, 1, …\] \(20000 dimensions\)$/,
      ],
    ];
    for (const [what, call, want] of cases) {
      const { outcome, ms } = await timed(call());
      assert.ok(ms < 1_000, `${what}: answered after ${ms} ms: ${outcome.slice(0, 100)}`);
      assert.match(outcome, want, what);
      // The next call on the same connection is answered too (it used to wait for its deadline).
      const next = await timed(unaryCall(rank, 'ListModels', {}));
      assert.equal(next.outcome, 'OK', `${what}: the next call`);
      assert.ok(next.ms < 1_000, `${what}: the next call answered after ${next.ms} ms`);
    }
  });

  it('answers malformed and truncated protobuf with INVALID_ARGUMENT naming the method', async () => {
    const raw = new grpc.Client(running.address, grpc.credentials.createInsecure());
    const send = (path: string, bytes: Buffer) =>
      new Promise<unknown>((resolve, reject) =>
        raw.makeUnaryRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          { deadline: Date.now() + 3_000 },
          (err, res) => (err ? reject(err) : resolve(res)),
        ),
      );
    try {
      const rankBytes = services().ranking['Rank']!.requestSerialize({
        model: 'tiny',
        items: { itemCount: k, dense: denseBytes(), sparse: idBytes() },
      });
      const inferBytes = services().inference['ModelInfer']!.requestSerialize({
        modelName: 'tiny',
        inputs: [
          { name: 'dense', datatype: 'FP32', shape: [k, 2] },
          { name: 'sparse', datatype: 'INT32', shape: sparseShape },
        ],
        rawInputContents: [denseBytes(), idBytes()],
      });
      const cases: [string, string, Buffer][] = [
        ['Rank cut short', '/hera.gateway.v1.RankingService/Rank', rankBytes.subarray(0, rankBytes.length - 5)],
        ['Rank: a length past the end', '/hera.gateway.v1.RankingService/Rank', Buffer.from([0x1a, 0x7f])],
        ['Rank: wire type 7', '/hera.gateway.v1.RankingService/Rank', Buffer.from([0x7f, 0x01])],
        [
          'ModelInfer cut short',
          '/inference.GRPCInferenceService/ModelInfer',
          inferBytes.subarray(0, inferBytes.length - 3),
        ],
        ['health check: wire type 7', '/grpc.health.v1.Health/Check', Buffer.from([0x7f, 0x01])],
      ];
      for (const [what, path, bytes] of cases) {
        const { outcome, ms } = await timed(send(path, bytes));
        assert.match(
          outcome,
          new RegExp(
            `^INVALID_ARGUMENT: request: not a valid protobuf message for ${path.replace(/\./g, '\\.')} \\(.+\\)$`,
          ),
          what,
        );
        assert.ok(ms < 1_000, `${what}: answered after ${ms} ms`);
      }
      // A well-formed request on the same connection still gets the handler's own answer.
      assert.match((await timed(send('/hera.gateway.v1.RankingService/Rank', rankBytes))).outcome, /^UNAVAILABLE: /);
    } finally {
      raw.close();
    }
  });

  it('refuses OIP inputs given twice or in two content forms, naming the input and the reason', async () => {
    const dense = (extra: object = {}) => ({ name: 'dense', datatype: 'FP32', shape: [k, 2], ...extra });
    const sparse = (extra: object = {}) => ({ name: 'sparse', datatype: 'INT32', shape: sparseShape, ...extra });
    const cases: [string, object, RegExp][] = [
      [
        'raw_input_contents and fp64_contents',
        {
          inputs: [dense(), sparse({ contents: { fp64Contents: [1, 2, 3, 4] } })],
          rawInputContents: [denseBytes(), idBytes()],
        },
        /^INVALID_ARGUMENT: inputs\[1\] \(sparse\)\.contents: has fp64_contents as well as raw_input_contents\[1\]; give each input in exactly one form$/,
      ],
      [
        'raw_input_contents and bytes_contents',
        {
          inputs: [dense({ contents: { bytesContents: [Buffer.alloc(8)] } }), sparse()],
          rawInputContents: [denseBytes(), idBytes()],
        },
        /^INVALID_ARGUMENT: inputs\[0\] \(dense\)\.contents: has bytes_contents as well as raw_input_contents\[0\]/,
      ],
      [
        'sparse given twice',
        { inputs: [dense(), sparse(), sparse()], rawInputContents: [denseBytes(), idBytes(), idBytes()] },
        /^INVALID_ARGUMENT: inputs\[2\]\.name: duplicate input "sparse" \(also inputs\[1\]\); give each input once$/,
      ],
      [
        'two typed content fields',
        {
          inputs: [
            dense({ contents: { fp32Contents: [1, 2], fp64Contents: [1, 2] } }),
            sparse({ contents: { intContents: [1, 2, 3, 4] } }),
          ],
        },
        /^INVALID_ARGUMENT: inputs\[0\] \(dense\)\.contents: has fp32_contents and fp64_contents; give exactly one content field$/,
      ],
      [
        'a content field of another datatype',
        {
          inputs: [
            dense({ contents: { fp32Contents: [1, 2] } }),
            sparse({ contents: { int64Contents: ['1', '2', '3', '4'] } }),
          ],
        },
        /^INVALID_ARGUMENT: inputs\[1\] \(sparse\)\.contents: has int64_contents; an input of datatype INT32 takes int_contents$/,
      ],
    ];
    for (const [what, req, want] of cases)
      assert.match(await grpcOutcome(unaryCall(oip, 'ModelInfer', { modelName: 'tiny', ...req })), want, what);
    // The same request in one form is valid: it reaches routing (no replica here).
    assert.match(
      await grpcOutcome(
        unaryCall(oip, 'ModelInfer', {
          modelName: 'tiny',
          inputs: [dense(), sparse()],
          rawInputContents: [denseBytes(), idBytes()],
        }),
      ),
      /^UNAVAILABLE: /,
    );
  });

  it('closes a connection that resets 1,500 streams gracefully: the call in flight on it is answered, other connections are untouched', async () => {
    const session = connect(`http://${running.address}`);
    const goaways: number[] = [];
    session.on('goaway', code => goaways.push(code));
    session.on('error', () => undefined);
    const headers = {
      ':method': 'POST',
      ':path': '/hera.gateway.v1.RankingService/ListModels',
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    const emptyMessage = Buffer.from([0, 0, 0, 0, 0]);
    const open = () => {
      const s = session.request(headers);
      s.on('error', () => undefined);
      return s;
    };
    try {
      // A call in flight on the abusive connection: its request is not finished yet, so it is
      // open on the server throughout; it is finished after the resets.
      const bystander = open();
      const answered = new Promise<string>(resolve => {
        let status = '';
        bystander.on('trailers', t => (status = `grpc-status ${String(t['grpc-status'])}`));
        bystander.on('close', () => resolve(status || `stream closed with code ${bystander.rstCode}`));
        bystander.resume();
      });
      // Another client on its own connection, calling throughout.
      const other = (async () => {
        const outcomes: string[] = [];
        for (let i = 0; i < 20; i++) outcomes.push(await grpcOutcome(unaryCall(rank, 'ListModels', {})));
        return outcomes;
      })();
      // The attack: each stream opened and reset at once (HEADERS, DATA, RST_STREAM), all written
      // before any answer can come back (a client cannot open streams after a GOAWAY).
      const reset: ClientHttp2Stream[] = [];
      for (let i = 0; i < 1_500; i++) {
        const s = open();
        s.end(emptyMessage);
        s.close(h2.NGHTTP2_CANCEL);
        reset.push(s);
      }
      await Promise.all(reset.map(s => new Promise(r => (s.closed ? r(undefined) : s.once('close', r)))));
      if (!bystander.closed) bystander.end(emptyMessage);
      assert.equal(await answered, 'grpc-status 0', 'the call in flight on the abusive connection');
      assert.ok(
        goaways.length > 0 && goaways.every(c => c === h2.NGHTTP2_NO_ERROR),
        `GOAWAY codes ${JSON.stringify(goaways)} (0: graceful; 2: Node's own limit ended the connection)`,
      );
      assert.deepEqual([...new Set(await other)], ['OK'], 'calls on another connection');
    } finally {
      session.destroy();
    }
  });

  it('answers Triton load and unload at once when no model registry (placement) serves', async () => {
    for (const rpc of ['RepositoryModelLoad', 'RepositoryModelUnload'] as const) {
      const { outcome, ms } = await timed(unaryCall(oip, rpc, { modelName: 'tiny' }));
      assert.match(outcome, /^UNAVAILABLE: no placement service is serving: the model registry is down$/, rpc);
      assert.ok(ms < 1_000, `${rpc} took ${ms} ms`);
      assert.match(await grpcOutcome(unaryCall(oip, rpc, {})), /^INVALID_ARGUMENT: model_name: is required$/);
    }
  });
});
