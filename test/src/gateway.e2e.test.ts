/**
 * The gateway end to end (slow): real Redis, two real node agents with real tenant
 * hosts on a tiny model repository, a real gateway. Checks scores against the
 * engine in-process, splitting, the bad-input table, failover, shedding, and the
 * Open Inference Protocol from a client that knows only the public wire format.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { createClient, unaryCall } from '@hera/grpc';
import { randomItems, toItemBatch, PayloadPool, gatewayTarget, runLoad } from '@hera/loadgen';
import { Rng } from '@hera/stats';
import { validateBatch, type ModelConfig } from '@hera/model-schema';
import { buildRepository, loadModel, selectBackend, type Model } from '@hera/models';
import { loadProtos, type RankingServiceClient, type WorkerServiceClient } from '@hera/proto';
import {
  startRedis,
  startService,
  waitFor,
  waitForExit,
  type TestRedis,
  type TestService,
  grpcOutcome,
} from '@hera/testing';
import { serviceEntry } from './service-entry';

const repo = mkdtempSync(join(tmpdir(), 'hera-gw-repo-'));
const MODELS = ['ncf', 'rmc1'];
let redisServer: TestRedis;
const workers: TestService[] = [];
let gateway: TestService;
let rank: RankingServiceClient;
let configs: Record<string, ModelConfig>;
const engines: Record<string, Model> = {};
const rng = new Rng(11);
const env = () => ({
  REDIS_URL: redisServer.url,
  HERA_REDIS_PREFIX: 'gw',
  HERA_MODEL_REPO: repo,
  HEARTBEAT_MS: '300',
  HERA_BACKEND: 'wasm',
});

before(async () => {
  configs = Object.fromEntries((await buildRepository({ repo, scale: 0.0005, only: MODELS })).map(c => [c.name, c]));
  redisServer = await startRedis();
  for (const id of ['gwA', 'gwB']) {
    const w = await startService(serviceEntry('worker'), { ...env(), NODE_ID: id, TENANT_QUEUE_LIMIT: '64' });
    workers.push(w);
    const c: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, w.address, {
      defaultDeadlineMs: 60_000,
    });
    // Tenants on the last core: the gateway and this test's client keep core 0, as a gateway
    // on its own machine would (otherwise overloaded tenants starve the gateway of CPU).
    const cpuset = availableParallelism() > 1 ? [availableParallelism() - 1] : [];
    for (const model of MODELS) await unaryCall(c, 'ApplyAllocation', { allocation: { model, workers: 1, cpuset } });
    c.close();
  }
  gateway = await startService(serviceEntry('gateway'), { ...env(), ROUTING_REFRESH_MS: '200', MAX_ITEMS: '1024' });
  rank = createClient(loadProtos().proto.hera.gateway.v1.RankingService, gateway.address, {
    maxAttempts: 1,
    defaultDeadlineMs: 30_000,
  });
  await waitFor(
    async () => (await unaryCall(rank, 'ListModels', {})).models.length === MODELS.length,
    10_000,
    'models registered',
  );
  await selectBackend('wasm');
  for (const m of MODELS) engines[m] = await loadModel(repo, m);
});

after(async () => {
  rank?.close();
  await gateway?.stop();
  for (const w of workers) await w.stop();
  await redisServer?.stop();
  for (const m of Object.values(engines)) m.dispose();
  rmSync(repo, { recursive: true, force: true });
});

function f32(b: Uint8Array): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

describe('gateway', () => {
  it("returns the engine's scores, in item order, splitting a large query into sub-batches", async () => {
    for (const model of MODELS) {
      const sub = configs[model]!.subBatchSize;
      const k = Math.floor(sub * 2.5);
      const items = randomItems(configs[model]!, k, rng);
      const res = await unaryCall(rank, 'Rank', { model, items: toItemBatch(items), topK: 5 });
      const got = f32(res.scores);
      const want = engines[model]!.score(
        validateBatch(configs[model]!, { count: k, dense: items.dense, ids: items.ids }),
      );
      assert.equal(got.length, k);
      for (let i = 0; i < k; i++)
        assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${model} item ${i}: ${got[i]} vs ${want[i]}`);
      assert.equal(res.timing?.subBatches, 3);
      const best = [...want.keys()].sort((a, b) => want[b]! - want[a]! || a - b).slice(0, 5);
      assert.deepEqual(res.topIndices, best);
      assert.equal(res.version, configs[model]!.version);
    }
  });

  it('splits by the sub-batch size the hosts run with, when the allocation sets one', async () => {
    const cpuset = availableParallelism() > 1 ? [availableParallelism() - 1] : [];
    const setSubBatch = async (subBatchSize: number) => {
      for (const w of workers) {
        const c: WorkerServiceClient = createClient(loadProtos().proto.hera.worker.v1.WorkerService, w.address, {
          defaultDeadlineMs: 60_000,
        });
        await unaryCall(c, 'ApplyAllocation', { allocation: { model: 'ncf', workers: 1, cpuset, subBatchSize } });
        c.close();
      }
    };
    const subBatches = async (k: number) =>
      (await unaryCall(rank, 'Rank', { model: 'ncf', items: toItemBatch(randomItems(configs['ncf']!, k, rng)) })).timing
        ?.subBatches;
    try {
      await setSubBatch(16);
      await waitFor(async () => (await subBatches(40)) === 3, 10_000, 'the gateway to split ncf by 16 (16 + 16 + 8)');
    } finally {
      await setSubBatch(0);
    }
    const sub = configs['ncf']!.subBatchSize;
    await waitFor(
      async () => (await subBatches(sub + 1)) === 2,
      10_000,
      'the gateway to split by the model default again',
    );
  });

  it('answers every bad input of the table with its status and a message naming the field', async () => {
    const c = configs['rmc1']!;
    const good = toItemBatch(randomItems(c, 4, rng));
    const nan = Buffer.from(good.dense);
    nan.writeFloatLE(NaN, 4 * 3);
    const outOfRange = Buffer.from(good.sparse);
    outOfRange.writeInt32LE(c.tables[2]!.rows + 5, 4 * (2 * c.tables[0]!.lookups));
    const big = toItemBatch(randomItems(c, 1025, rng));
    const cases: [string, object, RegExp][] = [
      [
        'wrong dense length',
        { model: 'rmc1', items: { ...good, dense: good.dense.subarray(4) } },
        /^INVALID_ARGUMENT: items\.dense: expected \d+ bytes/,
      ],
      [
        'wrong sparse length',
        { model: 'rmc1', items: { ...good, sparse: Buffer.concat([good.sparse, Buffer.alloc(4)]) } },
        /^INVALID_ARGUMENT: items\.sparse: expected/,
      ],
      [
        'id out of range',
        { model: 'rmc1', items: { ...good, sparse: outOfRange } },
        new RegExp(
          `^INVALID_ARGUMENT: items\\.sparse: item 0 table ${c.tables[2]!.name} id ${c.tables[2]!.rows + 5} is out of range`,
        ),
      ],
      [
        'NaN',
        { model: 'rmc1', items: { ...good, dense: nan } },
        /^INVALID_ARGUMENT: items\.dense: item 0 feature 3 is NaN/,
      ],
      ['k = 0', { model: 'rmc1', items: { itemCount: 0 } }, /^INVALID_ARGUMENT: items\.item_count: must be ≥ 1/],
      [
        'k over the maximum',
        { model: 'rmc1', items: big },
        /^INVALID_ARGUMENT: items\.item_count: must be ≤ 1024, got 1025/,
      ],
      ['unknown model', { model: 'nosuch', items: good }, /^NOT_FOUND: model "nosuch" is not registered/],
      ['missing items', { model: 'rmc1' }, /^INVALID_ARGUMENT: items: is required/],
      ['unknown version', { model: 'rmc1', version: '99', items: good }, /^NOT_FOUND: model rmc1 has no version "99"/],
    ];
    for (const [name, req, want] of cases) assert.match(await grpcOutcome(unaryCall(rank, 'Rank', req)), want, name);
  });

  it('serves Open Inference Protocol ModelInfer to a client built from the public wire format, with the same scores as Rank', async () => {
    const oip = publicOipClient(gateway.address);
    try {
      for (const model of MODELS) {
        const c = configs[model]!;
        const k = 7;
        const items = randomItems(c, k, rng);
        const viaRank = f32((await unaryCall(rank, 'Rank', { model, items: toItemBatch(items) })).scores);
        const lookups = c.tables[0]!.lookups;
        const sparseShape = [k, c.tables.length, lookups];
        // raw_input_contents, INT32 ids
        const rawRes = await oip.infer({
          model_name: model,
          inputs: [
            { name: 'dense', datatype: 'FP32', shape: [k, c.denseDim] },
            { name: 'sparse', datatype: 'INT32', shape: sparseShape },
          ],
          raw_input_contents: [Buffer.from(items.dense.buffer), Buffer.from(items.ids.buffer)],
        });
        assert.deepEqual(rawRes.outputs[0], { name: 'score', datatype: 'FP32', shape: [k, 1] });
        assert.deepEqual(Array.from(f32(rawRes.raw_output_contents[0]!)), Array.from(viaRank));
        // typed contents, INT64 ids
        const typed = await oip.infer({
          model_name: model,
          inputs: [
            {
              name: 'dense',
              datatype: 'FP32',
              shape: [k, c.denseDim],
              contents: { fp32_contents: Array.from(items.dense) },
            },
            {
              name: 'sparse',
              datatype: 'INT64',
              shape: sparseShape,
              contents: { int64_contents: Array.from(items.ids) },
            },
          ],
        });
        assert.deepEqual(typed.outputs[0]!.contents_fp32, Array.from(viaRank));
      }
      // Mismatched datatype and shape are INVALID_ARGUMENT naming the tensor.
      const c = configs['rmc1']!;
      const bad = await oip
        .infer({
          model_name: 'rmc1',
          inputs: [
            { name: 'dense', datatype: 'FP64', shape: [1, c.denseDim] },
            { name: 'sparse', datatype: 'INT32', shape: [1, c.tables.length, c.tables[0]!.lookups] },
          ],
          raw_input_contents: [Buffer.alloc(c.denseDim * 8), Buffer.alloc(c.idsPerItem * 4)],
        })
        .catch(e => e as grpc.ServiceError);
      assert.match(
        `${grpc.status[(bad as grpc.ServiceError).code]}: ${(bad as grpc.ServiceError).details}`,
        /^INVALID_ARGUMENT: inputs\[0\] \(dense\)\.datatype: must be FP32, got "FP64"/,
      );
      const badShape = await oip
        .infer({
          model_name: 'rmc1',
          inputs: [
            { name: 'dense', datatype: 'FP32', shape: [1, c.denseDim] },
            { name: 'sparse', datatype: 'INT32', shape: [1, 3] },
          ],
          raw_input_contents: [Buffer.alloc(c.denseDim * 4), Buffer.alloc(12)],
        })
        .catch(e => e as grpc.ServiceError);
      assert.match(
        `${grpc.status[(badShape as grpc.ServiceError).code]}: ${(badShape as grpc.ServiceError).details}`,
        /^INVALID_ARGUMENT: inputs\[1\] \(sparse\)\.shape: expected/,
      );
    } finally {
      oip.close();
    }
  });

  it('loses no accepted query when one of two replicas is killed mid-load', async () => {
    const pool = new PayloadPool(configs['ncf']!, 256, 5);
    const target = gatewayTarget(gateway.address, 'ncf', pool);
    const lateBy: number[] = [];
    const send = async (items: number, deadline: number) => {
      try {
        await target.send(items, deadline);
      } finally {
        lateBy.push(Date.now() - deadline);
      }
    };
    const hostOfB = tenantHostPid(workers[1]!, 'ncf');
    const run = runLoad(send, { rate: 60, seed: 4, durationMs: 4_000, timeoutMs: 2_000, fixedItems: 64 });
    await new Promise(r => setTimeout(r, 1_500));
    process.kill(hostOfB, 'SIGKILL');
    await waitForExit(hostOfB, 5_000);
    const s = await run;
    target.close();
    assert.ok(s.ok > 0);
    // Every query either succeeded or failed before its deadline (none hung past it).
    assert.ok(Math.max(...lateBy) < 250, `a query ended ${Math.max(...lateBy)} ms after its deadline`);
    const failed = s.sent - s.ok;
    assert.ok(
      failed <= 2,
      `failed ${failed}: ${JSON.stringify(s.errors)} (in-flight sub-batches are retried on the other replica)`,
    );
  });

  it('sheds overload with RESOURCE_EXHAUSTED at once instead of timing out', async t => {
    // ncf: small payloads (16 bytes an item), so the client is not what saturates.
    const pool = new PayloadPool(configs['ncf']!, 1024, 6);
    const target = gatewayTarget(gateway.address, 'ncf', pool);
    // About five times what one core of tenants can serve: overload, but not so much load that
    // the test's own client (on the gateway's core) becomes the bottleneck.
    const s = await runLoad(target.send, {
      rate: 150,
      seed: 8,
      durationMs: 3_000,
      timeoutMs: 400,
      fixedItems: 1024,
      maxInFlight: 2_000,
    });
    target.close();
    const shed = s.errors['RESOURCE_EXHAUSTED'] ?? 0;
    const timedOut = s.errors['DEADLINE_EXCEEDED'] ?? 0;
    t.diagnostic(`sent ${s.sent}, ok ${s.ok}, errors ${JSON.stringify(s.errors)}`);
    assert.ok(shed > 0, JSON.stringify(s));
    assert.ok(shed > 5 * timedOut, `shed ${shed}, timed out ${timedOut}: ${JSON.stringify(s.errors)}`);
  });
});

function tenantHostPid(w: TestService, model: string): number {
  const pids = readFileSync(`/proc/${w.child.pid}/task/${w.child.pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  const pid = pids.find(
    p =>
      existsSync(`/proc/${p}/environ`) &&
      readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`HERA_TENANT=${model}`),
  );
  assert.ok(pid, `no host for ${model}`);
  return pid;
}

interface OipInput {
  name: string;
  datatype: string;
  shape: number[];
  contents?: { fp32_contents?: number[]; int64_contents?: number[] };
}
interface OipOutput {
  name: string;
  datatype: string;
  shape: number[];
  contents_fp32?: number[];
}

/**
 * An OIP client that does not use our .proto files: it writes and reads the
 * messages by the public grpc_service.proto's field numbers, like a client
 * generated from that file would put them on the wire.
 */
function publicOipClient(address: string) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const encode = (req: { model_name: string; inputs: OipInput[]; raw_input_contents?: Buffer[] }): Buffer => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).string(req.model_name); // model_name = 1
    for (const t of req.inputs) {
      const tw = protobuf.Writer.create();
      tw.uint32((1 << 3) | 2).string(t.name); // name = 1
      tw.uint32((2 << 3) | 2).string(t.datatype); // datatype = 2
      tw.uint32((3 << 3) | 2).fork(); // shape = 3, packed int64
      for (const d of t.shape) tw.int64(d);
      tw.ldelim();
      if (t.contents) {
        const cw = protobuf.Writer.create();
        if (t.contents.fp32_contents) {
          cw.uint32((6 << 3) | 2).fork();
          for (const v of t.contents.fp32_contents) cw.float(v);
          cw.ldelim();
        } // fp32_contents = 6
        if (t.contents.int64_contents) {
          cw.uint32((3 << 3) | 2).fork();
          for (const v of t.contents.int64_contents) cw.int64(v);
          cw.ldelim();
        } // int64_contents = 3
        tw.uint32((5 << 3) | 2).bytes(cw.finish()); // contents = 5
      }
      w.uint32((5 << 3) | 2).bytes(tw.finish()); // inputs = 5
    }
    for (const raw of req.raw_input_contents ?? []) w.uint32((7 << 3) | 2).bytes(raw); // raw_input_contents = 7
    return Buffer.from(w.finish());
  };
  const decode = (buf: Buffer) => {
    const r = protobuf.Reader.create(buf);
    const out = { outputs: [] as OipOutput[], raw_output_contents: [] as Uint8Array[] };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 5) {
        const tr = protobuf.Reader.create(r.bytes());
        const o: OipOutput = { name: '', datatype: '', shape: [] };
        while (tr.pos < tr.len) {
          const t = tr.uint32();
          switch (t >>> 3) {
            case 1:
              o.name = tr.string();
              break;
            case 2:
              o.datatype = tr.string();
              break;
            case 3: {
              const end = tr.uint32() + tr.pos;
              while (tr.pos < end) o.shape.push(Number(tr.int64()));
              break;
            }
            case 5: {
              const cr = protobuf.Reader.create(tr.bytes());
              while (cr.pos < cr.len) {
                const ct = cr.uint32();
                if (ct >>> 3 === 6) {
                  const end = cr.uint32() + cr.pos;
                  o.contents_fp32 = [];
                  while (cr.pos < end) o.contents_fp32.push(cr.float());
                } else cr.skipType(ct & 7);
              }
              break;
            }
            default:
              tr.skipType(t & 7);
          }
        }
        out.outputs.push(o);
      } else if (tag >>> 3 === 6) out.raw_output_contents.push(r.bytes());
      else r.skipType(tag & 7);
    }
    return out;
  };
  return {
    infer: (req: Parameters<typeof encode>[0]) =>
      new Promise<ReturnType<typeof decode>>((resolve, reject) =>
        client.makeUnaryRequest(
          '/inference.GRPCInferenceService/ModelInfer',
          encode,
          decode,
          req,
          { deadline: Date.now() + 10_000 },
          (err, res) => (err ? reject(err) : resolve(res!)),
        ),
      ),
    close: () => client.close(),
  };
}
