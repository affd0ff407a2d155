import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as CommonProto } from './generated/common';
import type { ProtoGrpcType as GatewayProto } from './generated/ranking_service';
import type { ProtoGrpcType as InferenceProto } from './generated/grpc_service';
import type { ProtoGrpcType as PlacementProto } from './generated/placement_service';
import type { ProtoGrpcType as RegistryProto } from './generated/model_registry';
import type { ProtoGrpcType as ProfilerProto } from './generated/profiler_service';
import type { ProtoGrpcType as WorkerProto } from './generated/worker_service';
import { encodeInferRequest, encodeInferStreamRequest, encodeRankRequest, withFastEncoder } from './fast-codec';
import { LOADER_OPTIONS } from './options';

/** Proto files relative to the proto root, one per service. */
export const PROTO_FILES = {
  common: 'hera/common/v1/common.proto',
  gateway: 'hera/gateway/v1/ranking_service.proto',
  worker: 'hera/worker/v1/worker_service.proto',
  placement: 'hera/placement/v1/placement_service.proto',
  registry: 'hera/placement/v1/model_registry.proto',
  profiler: 'hera/profiler/v1/profiler_service.proto',
  inference: 'inference/grpc_service.proto',
} as const;

/**
 * The repository's proto/ folder. Compiled code lives in libs/proto/dist, so it is
 * three levels up; HERA_PROTO_DIR overrides for unusual layouts.
 */
export function protoRoot(): string {
  const fromEnv = process.env['HERA_PROTO_DIR'];
  if (fromEnv) return resolve(fromEnv);
  const dir = resolve(__dirname, '..', '..', '..', 'proto');
  if (!existsSync(join(dir, PROTO_FILES.common))) {
    throw new Error(`proto files not found under ${dir}; set HERA_PROTO_DIR`);
  }
  return dir;
}

export type HeraProto = CommonProto &
  GatewayProto &
  InferenceProto &
  PlacementProto &
  RegistryProto &
  ProfilerProto &
  WorkerProto;

let cached: { definition: protoLoader.PackageDefinition; proto: HeraProto } | undefined;

/** Loads every Hera proto once per process (parsing takes tens of milliseconds). */
export function loadProtos(): { definition: protoLoader.PackageDefinition; proto: HeraProto } {
  if (!cached) {
    const root = protoRoot();
    const definition = protoLoader.loadSync(Object.values(PROTO_FILES), { ...LOADER_OPTIONS, includeDirs: [root] });
    const proto = grpc.loadPackageDefinition(definition) as unknown as HeraProto;
    cached = { definition, proto };
  }
  return cached;
}

/** The service definitions, for Server.addService and reflection. */
export function services() {
  const { proto } = loadProtos();
  return {
    ranking: proto.hera.gateway.v1.RankingService.service,
    inference: proto.inference.GRPCInferenceService.service,
    worker: proto.hera.worker.v1.WorkerService.service,
    placement: proto.hera.placement.v1.PlacementService.service,
    registry: proto.hera.placement.v1.ModelRegistryService.service,
    profiler: proto.hera.profiler.v1.ProfilerService.service,
  };
}

/**
 * Client constructors whose request encoding takes the fast path for item
 * payloads (Infer, InferStream, Rank). Same wire format; use these on the query path.
 */
export function fastClients() {
  const defs = services();
  return {
    WorkerService: grpc.makeGenericClientConstructor(
      withFastEncoder(
        withFastEncoder(defs.worker, 'Infer', encodeInferRequest),
        'InferStream',
        encodeInferStreamRequest,
      ),
      'WorkerService',
    ) as unknown as HeraProto['hera']['worker']['v1']['WorkerService'],
    RankingService: grpc.makeGenericClientConstructor(
      withFastEncoder(defs.ranking, 'Rank', encodeRankRequest),
      'RankingService',
    ) as unknown as HeraProto['hera']['gateway']['v1']['RankingService'],
  };
}
