import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { PROTO_FILES, protoRoot, services } from './load';

describe('protos', () => {
  it('generated types are up to date with the .proto files', () => {
    const res = spawnSync(process.execPath, [join(__dirname, '..', 'gen.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr || res.stdout);
  });

  it('every Hera RPC has a comment stating its errors or idempotency', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(protoRoot(), target);
    root.loadSync(Object.values(PROTO_FILES), { alternateCommentMode: true });
    for (const name of [
      'hera.gateway.v1.RankingService',
      'hera.worker.v1.WorkerService',
      'hera.placement.v1.PlacementService',
      'hera.profiler.v1.ProfilerService',
      'inference.GRPCInferenceService',
    ]) {
      const svc = root.lookupService(name);
      for (const m of Object.values(svc.methods)) {
        assert.ok(
          m.comment && /idempot|Errors|error|safe to retry/i.test(m.comment),
          `${name}/${m.name} lacks a comment on errors/idempotency`,
        );
      }
    }
  });

  // The Open Inference Protocol must match the public KServe/Triton grpc_service.proto
  // on the wire: these names and numbers are that file's.
  it('inference.GRPCInferenceService keeps the public field names and numbers', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(protoRoot(), target);
    root.loadSync(PROTO_FILES.inference, { keepCase: true });
    const expect: Record<string, Record<string, number>> = {
      'inference.ModelInferRequest': {
        model_name: 1,
        model_version: 2,
        id: 3,
        parameters: 4,
        inputs: 5,
        outputs: 6,
        raw_input_contents: 7,
      },
      'inference.ModelInferRequest.InferInputTensor': { name: 1, datatype: 2, shape: 3, parameters: 4, contents: 5 },
      'inference.ModelInferRequest.InferRequestedOutputTensor': { name: 1, parameters: 2 },
      'inference.ModelInferResponse': {
        model_name: 1,
        model_version: 2,
        id: 3,
        parameters: 4,
        outputs: 5,
        raw_output_contents: 6,
      },
      'inference.ModelInferResponse.InferOutputTensor': { name: 1, datatype: 2, shape: 3, parameters: 4, contents: 5 },
      'inference.InferParameter': { bool_param: 1, int64_param: 2, string_param: 3, double_param: 4, uint64_param: 5 },
      'inference.InferTensorContents': {
        bool_contents: 1,
        int_contents: 2,
        int64_contents: 3,
        uint_contents: 4,
        uint64_contents: 5,
        fp32_contents: 6,
        fp64_contents: 7,
        bytes_contents: 8,
      },
      'inference.ModelMetadataResponse': { name: 1, versions: 2, platform: 3, inputs: 4, outputs: 5 },
      'inference.ModelMetadataResponse.TensorMetadata': { name: 1, datatype: 2, shape: 3 },
      'inference.ModelReadyRequest': { name: 1, version: 2 },
      'inference.ServerMetadataResponse': { name: 1, version: 2, extensions: 3 },
      'inference.ServerLiveResponse': { live: 1 },
      'inference.ServerReadyResponse': { ready: 1 },
      'inference.ModelReadyResponse': { ready: 1 },
    };
    for (const [type, fields] of Object.entries(expect)) {
      const t = root.lookupType(type);
      const actual = Object.fromEntries(Object.values(t.fields).map(f => [f.name, f.id]));
      assert.deepEqual(actual, fields, type);
    }
    assert.deepEqual(Object.keys(services().inference).sort(), [
      'ModelConfig',
      'ModelInfer',
      'ModelMetadata',
      'ModelReady',
      'ModelStatistics',
      'ModelStreamInfer',
      'RepositoryIndex',
      'RepositoryModelLoad',
      'RepositoryModelUnload',
      'ServerLive',
      'ServerMetadata',
      'ServerReady',
    ]);
  });

  // Triton's own grpc_service.proto and model_config.proto (test/fixtures/triton, verbatim):
  // every RPC and message we define in package inference is Triton's, with its names, numbers,
  // types and streaming; a message may leave fields out (ModelConfig is a subset), never differ.
  it("inference.* matches Triton's public protos wherever we define it", () => {
    const triton = new protobuf.Root();
    const fixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'triton');
    triton.resolvePath = (_origin, target) => join(fixtures, target);
    triton.loadSync('grpc_service.proto', { keepCase: true });
    const ours = new protobuf.Root();
    ours.resolvePath = (_origin, target) => join(protoRoot(), target);
    ours.loadSync(PROTO_FILES.inference, { keepCase: true });
    const tSvc = triton.lookupService('inference.GRPCInferenceService');
    for (const m of Object.values(ours.lookupService('inference.GRPCInferenceService').methods)) {
      const t = tSvc.methods[m.name];
      assert.ok(t, `rpc ${m.name} is not Triton's`);
      assert.deepEqual(
        [m.requestType, m.responseType, !!m.requestStream, !!m.responseStream],
        [t.requestType, t.responseType, !!t.requestStream, !!t.responseStream],
        `rpc ${m.name}`,
      );
    }
    let compared = 0;
    const visit = (ns: protobuf.NamespaceBase) => {
      for (const obj of ns.nestedArray) {
        if (obj instanceof protobuf.Type) {
          const t = triton.lookupType(obj.fullName);
          for (const f of obj.fieldsArray) {
            const tf = t.fields[f.name];
            assert.ok(tf, `${obj.fullName}.${f.name} is not Triton's`);
            assert.deepEqual(
              [f.id, f.type, f.repeated, f.map, f.partOf?.name],
              [tf.id, tf.type, tf.repeated, tf.map, tf.partOf?.name],
              `${obj.fullName}.${f.name}`,
            );
            compared++;
          }
        } else if (obj instanceof protobuf.Enum) {
          assert.deepEqual({ ...obj.values }, { ...triton.lookupEnum(obj.fullName).values }, obj.fullName);
        }
        if (obj instanceof protobuf.Namespace || obj instanceof protobuf.Type) visit(obj);
      }
    };
    visit(ours.lookup('inference') as protobuf.Namespace);
    assert.ok(compared > 100, `compared ${compared} fields`);
  });
});
