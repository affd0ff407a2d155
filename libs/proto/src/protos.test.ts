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
      'inference.InferParameter': { bool_param: 1, int64_param: 2, string_param: 3 },
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
      'ModelInfer',
      'ModelMetadata',
      'ModelReady',
      'ServerLive',
      'ServerMetadata',
      'ServerReady',
    ]);
  });
});
