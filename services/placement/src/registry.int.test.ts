/**
 * The model registry (hera.placement.v1.ModelRegistryService, issue 22) against a real
 * redis-server and a real placement process on port 0: ImportModel uploads a TF.js model into
 * the repository, registers it and queues a quick profile job (BullMQ, with the caller's trace
 * context); bad artifacts, escaping paths and oversized uploads are refused naming the file or
 * field with nothing changed in the repository or Redis; a cancelled or silent upload leaves no
 * staging behind; version policies; LoadModel and UnloadModel with Triton's semantics.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type * as TFL from '@tensorflow/tfjs-layers';
import { createClient, unaryCall } from '@hera/grpc';
import { buildRepository, saveToDirectory, selectBackend } from '@hera/models';
import {
  loadProtos,
  type ImportModelHeader,
  type ImportModelResponse__Output,
  type ModelRegistryServiceClient,
  type PlacementServiceClient,
} from '@hera/proto';
import type { ProfileJobData } from '@hera/queues';
import { Keyspace, ModelStore } from '@hera/state';
import {
  grpcOutcome,
  startOtlpReceiver,
  startRedis,
  startService,
  type OtlpReceiver,
  type TestRedis,
  type TestService,
} from '@hera/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tfl = () => require('@tensorflow/tfjs-layers') as typeof TFL;

const prefix = 'reg';
const keys = new Keyspace(prefix);
const MAX_FILE = 64 * 1024;
const MAX_IMPORT = 256 * 1024;
const IDLE_MS = 1_500;
const MAX_FILES = 8;
const dir = mkdtempSync(join(tmpdir(), 'hera-registry-'));
const repo = join(dir, 'repo');
const modelSrc = join(dir, 'src');
/** The same model with a vocabulary of 60: other inputs (the id range). */
const wideSrc = join(dir, 'src-wide');
let redisServer: TestRedis;
let redis: Redis;
let otlp: OtlpReceiver;
let placement: TestService;
let registry: ModelRegistryServiceClient;
let plans: PlacementServiceClient;
let queue: Queue<ProfileJobData>;
let queueRedis: Redis;

interface FileData {
  path: string;
  data: Buffer;
}

/** Every path under d → sha256 of its content ('' for a directory). */
function digest(d: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (x: string) => {
    for (const f of readdirSync(x)) {
      const p = join(x, f);
      if (statSync(p).isDirectory()) {
        out.set(`${relative(d, p)}/`, '');
        walk(p);
      } else out.set(relative(d, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  if (existsSync(d)) walk(d);
  return out;
}

/** A small ranking model: dense [4] and two ids per item into one Embedding (vocab 50, dim 3). */
async function saveRankingModel(to: string, vocab = 50): Promise<void> {
  const l = tfl();
  const dense = l.input({ shape: [4], name: 'features' });
  const ids = l.input({ shape: [2], dtype: 'int32', name: 'item_ids' });
  const emb = l.layers.embedding({ inputDim: vocab, outputDim: 3, name: 'item_emb' }).apply(ids) as TFL.SymbolicTensor;
  const x = l.layers.concatenate().apply([dense, l.layers.flatten().apply(emb) as TFL.SymbolicTensor]);
  const h = l.layers.dense({ units: 8, activation: 'relu' }).apply(x);
  const out = l.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(h) as TFL.SymbolicTensor;
  const model = l.model({ inputs: [dense, ids], outputs: out });
  await saveToDirectory(model, to);
  model.dispose();
}

const SIGNATURE = { dense: 'features', sparse: [{ input: 'item_ids' }], score: 'score', slaMs: 20, subBatchSize: 32 };

/** The saved model's files, as an upload sends them. */
function modelFiles(src = modelSrc): FileData[] {
  return ['model.json', 'group1-shard1of1.bin'].map(path => ({ path, data: readFileSync(join(src, path)) }));
}

function header(name: string, extra: Partial<ImportModelHeader> = {}): ImportModelHeader {
  return { name, signature: Buffer.from(JSON.stringify(SIGNATURE)), ...extra };
}

/** One ImportModel call: the header (unless null), then each file in chunks of `chunk` bytes. */
function upload(
  h: ImportModelHeader | null,
  files: FileData[],
  opts: { metadata?: grpc.Metadata; chunk?: number; deadlineMs?: number } = {},
): Promise<ImportModelResponse__Output> {
  return new Promise((resolve, reject) => {
    const call = registry.importModel(
      opts.metadata ?? new grpc.Metadata(),
      { deadline: Date.now() + (opts.deadlineMs ?? 30_000) },
      (err, res) => (err ? reject(err) : resolve(res!)),
    );
    if (h) call.write({ header: h });
    const size = opts.chunk ?? 1024;
    for (const f of files)
      for (let o = 0; o === 0 || o < f.data.length; o += size)
        call.write({ chunk: { path: f.path, data: f.data.subarray(o, o + size) } });
    call.end();
  });
}

const stagingEntries = () => (existsSync(join(repo, '.staging')) ? readdirSync(join(repo, '.staging')) : []);

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/** What a refusal must leave as it was: the repository's files, the registry, the profile queue. */
async function state(): Promise<{ files: Map<string, string>; models: Record<string, string>; jobs: number }> {
  const counts = await queue.getJobCounts();
  return {
    files: digest(repo),
    models: await redis.hgetall(keys.models()),
    jobs: Object.values(counts).reduce((a, b) => a + b, 0),
  };
}

before(async () => {
  await selectBackend('wasm');
  await saveRankingModel(modelSrc);
  await saveRankingModel(wideSrc, 60);
  // One zoo model at a tiny scale: placement has its roofline profile on 2c, so it can plan it.
  await buildRepository({ repo, scale: 0.001, only: ['ncf'] });
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  // A live 2-core node (no agent behind it): profile jobs name it, plans map onto it.
  await redis.sadd(keys.nodes(), 'node-a');
  await redis.set(
    keys.node('node-a'),
    JSON.stringify({
      nodeId: 'node-a',
      endpoint: '127.0.0.1:1',
      nodeClass: '2c',
      cores: 2,
      memoryBytes: 8 * 2 ** 30,
      cgroupMode: 'none',
      backend: 'wasm',
      labels: {},
      resctrl: false,
      startedAtMs: Date.now(),
      heartbeatAtMs: Date.now(),
      tenants: {},
    }),
  );
  // Traces go to an in-process receiver: with tracing on, a queued job carries the call's context.
  otlp = await startOtlpReceiver('grpc');
  placement = await startService(
    { name: 'placement', main: require.resolve('./main') },
    {
      REDIS_URL: redisServer.url,
      HERA_REDIS_PREFIX: prefix,
      HERA_MODEL_REPO: repo,
      REGISTRY_MAX_FILE_BYTES: String(MAX_FILE),
      REGISTRY_MAX_IMPORT_BYTES: String(MAX_IMPORT),
      REGISTRY_IDLE_MS: String(IDLE_MS),
      REGISTRY_MAX_FILES: String(MAX_FILES),
      ...otlp.env(),
    },
  );
  const protos = loadProtos().proto.hera.placement.v1;
  registry = createClient(protos.ModelRegistryService, placement.address, { defaultDeadlineMs: 30_000 });
  plans = createClient(protos.PlacementService, placement.address, { defaultDeadlineMs: 30_000 });
  queueRedis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  queue = new Queue<ProfileJobData>('profile', { connection: queueRedis, prefix: keys.bullPrefix() });
});

after(async () => {
  registry?.close();
  plans?.close();
  await queue?.close();
  queueRedis?.disconnect();
  await placement?.stop();
  await otlp?.stop();
  redis?.disconnect();
  await redisServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('model registry: ImportModel', () => {
  it('writes the version, registers it and queues a quick profile carrying the trace context', async () => {
    const traceId = randomBytes(16).toString('hex');
    const md = new grpc.Metadata();
    md.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    const res = await upload(header('mine'), modelFiles(), { metadata: md, chunk: 700 });
    assert.equal(res.name, 'mine');
    assert.equal(res.version, '1');
    assert.equal(res.servedVersion, '1');
    assert.equal(res.profileNodeId, 'node-a');
    assert.match(res.profileJobId, /^p-[0-9a-f]{16}$/);
    for (const f of modelFiles())
      assert.deepEqual(readFileSync(join(repo, 'mine', '1', f.path)), f.data, `${f.path} arrived whole`);
    assert.ok(existsSync(join(repo, 'mine', '1', 'hera-signature.json')));
    assert.equal(JSON.parse(readFileSync(join(repo, 'mine', 'config.json'), 'utf8')).version, '1');
    const record = await new ModelStore(redis, keys).get('mine');
    assert.equal(record?.version, '1');
    assert.equal(record?.sharedTables, false);
    assert.equal(record?.unloaded, undefined);
    const job = await queue.getJob(res.profileJobId);
    assert.ok(job, 'the profile job is in the queue');
    assert.equal(job.name, 'profile');
    assert.deepEqual(
      { model: job.data.model, nodeId: job.data.nodeId, quick: job.data.quick },
      { model: 'mine', nodeId: 'node-a', quick: true },
    );
    assert.ok(job.data.trace?.traceparent?.includes(traceId), `trace context: ${JSON.stringify(job.data.trace)}`);
    assert.deepEqual(stagingEntries(), [], 'no staging left');
  });

  it('a new version gets the next number and replaces the served one (latest 1)', async () => {
    const res = await upload(header('mine'), modelFiles());
    assert.equal(res.version, '2');
    assert.equal(res.servedVersion, '2');
    assert.equal((await new ModelStore(redis, keys).get('mine'))?.version, '2');
  });

  const cases: { what: string; run: () => Promise<unknown>; code: string; names: RegExp }[] = [
    {
      what: 'a missing shard',
      run: () =>
        upload(
          header('bad'),
          modelFiles().filter(f => f.path === 'model.json'),
        ),
      code: 'INVALID_ARGUMENT',
      names: /group1-shard1of1\.bin: not found \(weightsManifest\[0\]\.paths\[0\] of model\.json\)/,
    },
    {
      what: 'a shape mismatch (manifest shape against the shard)',
      run: () => {
        const [json, shard] = modelFiles();
        const m = JSON.parse(json!.data.toString());
        m.weightsManifest[0].weights[0].shape = [51, 3];
        return upload(header('bad'), [{ path: 'model.json', data: Buffer.from(JSON.stringify(m)) }, shard!]);
      },
      code: 'INVALID_ARGUMENT',
      names: /model\.json: weightsManifest\[0\]: the weights need \d+ bytes/,
    },
    {
      what: 'a shape mismatch (a 2-D input where the signature maps ids)',
      run: () =>
        upload(
          header('bad', {
            signature: Buffer.from(
              JSON.stringify({ ...SIGNATURE, sparse: [{ input: 'item_ids', vocab: [50, 50, 50] }] }),
            ),
          }),
          modelFiles(),
        ),
      code: 'INVALID_ARGUMENT',
      names: /hera-signature\.json: sparse\[0\]\.vocab: 3 sizes for input item_ids's 2 id slots/,
    },
    {
      what: 'an upload path with ..',
      run: () => upload(header('bad'), [...modelFiles(), { path: '../../escape.bin', data: Buffer.from('x') }]),
      code: 'INVALID_ARGUMENT',
      names: /chunks\[\d+\]\.path: "\.\.\/\.\.\/escape\.bin" leaves the model directory/,
    },
    {
      what: 'an absolute upload path',
      run: () => upload(header('bad'), [{ path: '/etc/passwd', data: Buffer.from('x') }]),
      code: 'INVALID_ARGUMENT',
      names: /chunks\[0\]\.path: "\/etc\/passwd" is absolute/,
    },
    {
      what: 'a manifest path with ..',
      run: () => {
        const [json, shard] = modelFiles();
        const m = JSON.parse(json!.data.toString());
        m.weightsManifest[0].paths = ['../group1-shard1of1.bin'];
        return upload(header('bad'), [{ path: 'model.json', data: Buffer.from(JSON.stringify(m)) }, shard!]);
      },
      code: 'INVALID_ARGUMENT',
      names: /model\.json: weightsManifest\[0\]\.paths\[0\]: \.\.\/group1-shard1of1\.bin leaves the model directory/,
    },
    {
      what: 'a model.json that is not TF.js',
      run: () => upload(header('bad'), [{ path: 'model.json', data: Buffer.from('{"hello": "world"}') }]),
      code: 'INVALID_ARGUMENT',
      names: /model\.json: modelTopology: missing: this is not a TF\.js model\.json/,
    },
    {
      what: 'an unknown input name in the signature',
      run: () =>
        upload(
          header('bad', { signature: Buffer.from(JSON.stringify({ ...SIGNATURE, dense: 'nope' })) }),
          modelFiles(),
        ),
      code: 'INVALID_ARGUMENT',
      names: /hera-signature\.json: dense: the model has no input "nope" \(its inputs: features, item_ids\)/,
    },
    {
      what: 'no header',
      run: () => upload(null, modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header: missing/,
    },
    {
      what: 'a second header',
      run: () =>
        new Promise((resolve, reject) => {
          const call = registry.importModel((err, res) => (err ? reject(err) : resolve(res)));
          call.write({ header: header('bad') });
          call.write({ header: header('bad') });
          call.end();
        }),
      code: 'INVALID_ARGUMENT',
      names: /^INVALID_ARGUMENT: header: sent twice/,
    },
    {
      what: 'an empty name',
      run: () => upload(header(''), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header\.name: must not be empty/,
    },
    {
      what: 'a name that is not a name',
      run: () => upload(header('a/b'), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header\.name: "a\/b" is not a valid model name/,
    },
    {
      what: 'an empty signature',
      run: () => upload(header('bad', { signature: Buffer.alloc(0) }), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header\.signature: must hold the signature JSON/,
    },
    {
      what: 'a signature over 64 KiB',
      run: () => upload(header('bad', { signature: Buffer.alloc(64 * 1024 + 1, 32) }), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header\.signature: more than 65536 bytes/,
    },
    {
      what: 'a signature that is not JSON',
      run: () => upload(header('bad', { signature: Buffer.from('{dense') }), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /hera-signature\.json: is not valid JSON/,
    },
    {
      what: "a chunk named as the version's own file",
      run: () => upload(header('bad'), [...modelFiles(), { path: 'config.json', data: Buffer.from('{}') }]),
      code: 'INVALID_ARGUMENT',
      names: /chunks\[\d+\]\.path: "config\.json": the version directory keeps that name/,
    },
    {
      what: `more than REGISTRY_MAX_FILES (${MAX_FILES}) files`,
      run: () =>
        upload(header('bad'), [
          ...modelFiles(),
          ...Array.from({ length: MAX_FILES }, (_, i) => ({ path: `extra/${i}.bin`, data: Buffer.from('x') })),
        ]),
      code: 'RESOURCE_EXHAUSTED',
      names: /chunks\[\d+\]\.path: more than 8 files \(REGISTRY_MAX_FILES\)/,
    },
    {
      what: 'a zoo model name',
      run: () => upload(header('ncf'), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /--name: ncf is a zoo model's name/,
    },
    {
      what: 'a version that exists',
      run: () => upload(header('mine', { version: '1' }), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /version 1 of mine already exists/,
    },
    {
      what: 'a version policy serving more than MAX_SERVED_VERSIONS',
      run: () => upload(header('bad', { versionPolicy: { latest: { numVersions: 5 } } }), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header\.version_policy: latest 5: at most 4 versions of a model are served at once/,
    },
    {
      what: 'an empty specific list',
      run: () => upload(header('bad', { versionPolicy: { specific: { versions: [] } } }), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header\.version_policy: specific: names no version/,
    },
    {
      what: 'a specific version the repository does not hold',
      run: () =>
        upload(header('bad', { version: '1', versionPolicy: { specific: { versions: ['1', '7'] } } }), modelFiles()),
      code: 'INVALID_ARGUMENT',
      names: /header\.version_policy: specific: version 7 not in the repository/,
    },
    {
      what: 'a file over REGISTRY_MAX_FILE_BYTES',
      run: () => upload(header('bad'), [...modelFiles(), { path: 'big.bin', data: Buffer.alloc(MAX_FILE + 1) }]),
      code: 'RESOURCE_EXHAUSTED',
      names: /big\.bin: more than 65536 bytes \(REGISTRY_MAX_FILE_BYTES\)/,
    },
    {
      what: 'an upload over REGISTRY_MAX_IMPORT_BYTES',
      run: () =>
        upload(
          header('bad'),
          [0, 1, 2, 3, 4].map(i => ({ path: `part${i}.bin`, data: Buffer.alloc(MAX_FILE - 10) })),
          { chunk: 16 * 1024 },
        ),
      code: 'RESOURCE_EXHAUSTED',
      names: /the upload is more than 262144 bytes \(REGISTRY_MAX_IMPORT_BYTES\)/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.what} naming the file or field, and changes nothing`, async () => {
      const before = await state();
      const outcome = await grpcOutcome(c.run());
      assert.ok(outcome.startsWith(`${c.code}: `), outcome);
      assert.match(outcome, c.names);
      assert.doesNotMatch(outcome, /\.staging/, 'the staging directory is not named');
      await waitFor('staging removed', () => stagingEntries().length === 0);
      assert.deepEqual(await state(), before);
    });
  }

  it('a cancelled upload leaves nothing behind', async () => {
    const before = await state();
    const call = registry.importModel(new grpc.Metadata(), { deadline: Date.now() + 30_000 }, () => undefined);
    call.on('error', () => undefined);
    call.write({ header: header('gone') });
    call.write({ chunk: { path: 'model.json', data: modelFiles()[0]!.data } });
    await waitFor('staging in use', () => stagingEntries().length === 1);
    call.cancel();
    await waitFor('staging removed', () => stagingEntries().length === 0);
    assert.deepEqual(await state(), before);
  });

  it(`an upload that falls silent is dropped after REGISTRY_IDLE_MS (${IDLE_MS} ms)`, async () => {
    const before = await state();
    let outcome = '';
    const done = new Promise<void>(resolve => {
      const call = registry.importModel(new grpc.Metadata(), { deadline: Date.now() + 30_000 }, err => {
        outcome = err ? `${grpc.status[err.code]}: ${err.details}` : 'OK';
        resolve();
      });
      call.write({ header: header('slow') });
      call.write({ chunk: { path: 'model.json', data: modelFiles()[0]!.data } });
      // and nothing more, never ending the call
    });
    const t0 = Date.now();
    await done;
    assert.match(outcome, /^DEADLINE_EXCEEDED: the upload sent nothing for 1500 ms/);
    assert.ok(Date.now() - t0 < IDLE_MS + 5_000);
    await waitFor('staging removed', () => stagingEntries().length === 0);
    assert.deepEqual(await state(), before);
  });
});

describe('model registry: version policy, ListModels', () => {
  it('a specific policy keeps serving its version; the others are listed unavailable', async () => {
    const res = await upload(header('mine', { versionPolicy: { specific: { versions: ['1'] } } }), modelFiles());
    assert.equal(res.version, '3');
    assert.equal(res.servedVersion, '1');
    assert.equal(JSON.parse(readFileSync(join(repo, 'mine', 'config.json'), 'utf8')).version, '1');
    const record = await new ModelStore(redis, keys).get('mine');
    assert.equal(record?.version, '1');
    assert.deepEqual(record?.versionPolicy, { specific: ['1'] });
    const { models } = await unaryCall(registry, 'ListModels', {});
    const mine = models.find(m => m.name === 'mine')!;
    assert.equal(mine.state, 'loaded');
    assert.deepEqual(mine.versionPolicy?.specific?.versions, ['1']);
    assert.deepEqual(
      mine.versions.map(v => [v.version, v.available, v.reason]),
      [
        ['1', true, ''],
        ['2', false, 'outside the version policy (specific 1)'],
        ['3', false, 'outside the version policy (specific 1)'],
      ],
    );
  });

  it('LoadModel with latest 1 serves the newest again; a policy naming no present version is NOT_FOUND', async () => {
    const res = await unaryCall(registry, 'LoadModel', { name: 'mine', versionPolicy: { latest: { numVersions: 1 } } });
    assert.equal(res.version, '3');
    assert.equal(res.served, false);
    assert.match(res.reason, /^no demand: set one \(hera plan demand mine=<qps>\)/);
    assert.equal(JSON.parse(readFileSync(join(repo, 'mine', 'config.json'), 'utf8')).version, '3');
    assert.equal(
      await grpcOutcome(
        unaryCall(registry, 'LoadModel', { name: 'mine', versionPolicy: { specific: { versions: ['9'] } } }),
      ),
      'NOT_FOUND: version_policy: specific: version 9 not in the repository (it holds 1, 2, 3) (model mine)',
    );
    assert.equal((await new ModelStore(redis, keys).get('mine'))?.version, '3');
  });

  it('an import under latest 2 serves both versions; one taking other inputs is refused, nothing kept', async () => {
    const first = await upload(header('pair', { versionPolicy: { latest: { numVersions: 2 } } }), modelFiles());
    assert.equal(first.servedVersion, '1');
    const second = await upload(header('pair'), modelFiles());
    assert.equal(second.servedVersion, '2');
    const record = await new ModelStore(redis, keys).get('pair');
    assert.deepEqual(record?.versions, ['1', '2']);
    assert.deepEqual(record?.versionPolicy, { latest: 2 });
    const before = await state();
    assert.match(
      await grpcOutcome(upload(header('pair'), modelFiles(wideSrc))),
      /^INVALID_ARGUMENT: header\.version_policy: latest 2 would serve versions 2 and 3 of pair, which take different inputs \(embedding tables \(rows×lookups\) \[\w+:50×2\] → \[\w+:60×2\]\); served versions must share them$/,
    );
    assert.deepEqual(await state(), before, 'version 3 removed, version 2 current, the record unchanged');
  });

  it('LoadModel with latest 2 serves versions 2 and 3 at once (sizes summed, both listed available); latest 1 again', async () => {
    const store = new ModelStore(redis, keys);
    const one = await store.get('mine');
    const res = await unaryCall(registry, 'LoadModel', { name: 'mine', versionPolicy: { latest: { numVersions: 2 } } });
    assert.equal(res.version, '3', 'the newest stands for the set');
    const two = await store.get('mine');
    assert.deepEqual(two?.versions, ['2', '3']);
    assert.equal(two?.version, '3');
    const size2 = JSON.parse(readFileSync(join(repo, 'mine', '2', 'config.json'), 'utf8')).sizeBytes as number;
    assert.equal(two?.sizeBytes, one!.sizeBytes + size2, 'every loaded version is charged');
    const { models } = await unaryCall(registry, 'ListModels', {});
    assert.deepEqual(
      models.find(m => m.name === 'mine')!.versions.map(v => [v.version, v.available, v.reason]),
      [
        ['1', false, 'outside the version policy (latest 2)'],
        ['2', true, ''],
        ['3', true, ''],
      ],
    );
    await unaryCall(registry, 'LoadModel', { name: 'mine', versionPolicy: { latest: { numVersions: 1 } } });
    const back = await store.get('mine');
    assert.equal(back?.versions, undefined);
    assert.equal(back?.sizeBytes, one!.sizeBytes);
  });
});

describe('model registry: LoadModel, UnloadModel', () => {
  it('refuses what it cannot load, naming the field', async () => {
    assert.equal(
      await grpcOutcome(unaryCall(registry, 'LoadModel', { name: '' })),
      'INVALID_ARGUMENT: name: must not be empty',
    );
    assert.match(await grpcOutcome(unaryCall(registry, 'LoadModel', { name: '../x' })), /^INVALID_ARGUMENT: name: /);
    assert.match(
      await grpcOutcome(unaryCall(registry, 'LoadModel', { name: 'nosuch' })),
      /^NOT_FOUND: model nosuch is not in the model repository/,
    );
    assert.match(
      await grpcOutcome(
        unaryCall(registry, 'LoadModel', { name: 'mine', versionPolicy: { latest: { numVersions: 9 } } }),
      ),
      /^INVALID_ARGUMENT: version_policy: latest 9: at most 4 versions of a model are served at once/,
    );
    assert.equal(
      await grpcOutcome(unaryCall(registry, 'UnloadModel', { name: 'nosuch' })),
      'NOT_FOUND: model "nosuch" is not registered',
    );
    assert.equal(
      await grpcOutcome(unaryCall(registry, 'UnloadModel', { name: '' })),
      'INVALID_ARGUMENT: name: must not be empty',
    );
  });

  it('LoadModel refuses stored artifacts that fail the import checks, naming the file', async () => {
    // A shard damaged on disk after import: Load checks as ImportModel does.
    const shard = join(repo, 'mine', '2', 'group1-shard1of1.bin');
    const whole = readFileSync(shard);
    writeFileSync(shard, whole.subarray(0, whole.length - 4));
    try {
      const outcome = await grpcOutcome(
        unaryCall(registry, 'LoadModel', { name: 'mine', versionPolicy: { specific: { versions: ['2'] } } }),
      );
      assert.match(outcome, /^INVALID_ARGUMENT: .*model\.json: weightsManifest\[0\]: the weights need/);
      assert.equal((await new ModelStore(redis, keys).get('mine'))?.version, '3', 'the registry is unchanged');
    } finally {
      writeFileSync(shard, whole);
    }
  });

  it('loads a zoo model into an applied plan, unloads it out of the plan, and loads it back; idempotent', async () => {
    const store = new ModelStore(redis, keys);
    const first = await unaryCall(registry, 'LoadModel', { name: 'ncf' }, { deadlineMs: 5_000 });
    assert.equal(first.version, '1');
    assert.match(first.reason, /^no demand/);
    await unaryCall(plans, 'SetDemand', { demands: [{ model: 'ncf', qps: 50 }] });
    await unaryCall(plans, 'Apply', {});
    const inPlan = async () =>
      ((await unaryCall(plans, 'GetPlan', {})).plan?.nodes ?? []).some(n => n.tenants.some(t => t.model === 'ncf'));
    assert.ok(await inPlan(), 'ncf is planned');

    const un = await unaryCall(registry, 'UnloadModel', { name: 'ncf' }, { deadlineMs: 3_000 });
    assert.equal(un.changed, true);
    assert.equal(un.stopped, true, 'no tenant of it runs (no agent serves the fake node)');
    assert.equal((await store.get('ncf'))?.unloaded, true);
    assert.equal(await inPlan(), false, 're-planned without it');
    assert.deepEqual(
      (await unaryCall(plans, 'GetDemand', {})).demands.map(d => d.model),
      ['ncf'],
      'its demand is kept for a later load',
    );
    const listed = (await unaryCall(registry, 'ListModels', {})).models.find(m => m.name === 'ncf')!;
    assert.equal(listed.state, 'unloaded');
    assert.deepEqual(
      listed.versions.map(v => [v.available, v.reason]),
      [[false, 'unloaded']],
    );
    const again = await unaryCall(registry, 'UnloadModel', { name: 'ncf' }, { deadlineMs: 3_000 });
    assert.equal(again.changed, false, 'unloading twice changes nothing');
    assert.equal(again.planVersion, un.planVersion);

    // Load: the plan places it again; no agent runs here, so it answers why it is not served yet.
    const t0 = Date.now();
    const back = await unaryCall(registry, 'LoadModel', { name: 'ncf' }, { deadlineMs: 2_500 });
    assert.ok(Date.now() - t0 < 2_500, 'answered before the deadline');
    assert.equal(back.served, false);
    assert.match(back.reason, /^planned \(plan v\d+\), its tenants are not serving version 1 yet$/);
    assert.equal((await store.get('ncf'))?.unloaded, undefined);
    assert.ok(await inPlan(), 'planned again');
    const twice = await unaryCall(registry, 'LoadModel', { name: 'ncf' }, { deadlineMs: 2_500 });
    assert.equal(twice.planVersion, back.planVersion, 'loading twice applies no new plan');
  });
});
