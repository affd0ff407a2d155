// Original file: hera/gateway/v1/ranking_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListModelsRequest as _hera_gateway_v1_ListModelsRequest, ListModelsRequest__Output as _hera_gateway_v1_ListModelsRequest__Output } from '../../../hera/gateway/v1/ListModelsRequest';
import type { ListModelsResponse as _hera_gateway_v1_ListModelsResponse, ListModelsResponse__Output as _hera_gateway_v1_ListModelsResponse__Output } from '../../../hera/gateway/v1/ListModelsResponse';
import type { RankRequest as _hera_gateway_v1_RankRequest, RankRequest__Output as _hera_gateway_v1_RankRequest__Output } from '../../../hera/gateway/v1/RankRequest';
import type { RankResponse as _hera_gateway_v1_RankResponse, RankResponse__Output as _hera_gateway_v1_RankResponse__Output } from '../../../hera/gateway/v1/RankResponse';

export interface RankingServiceClient extends grpc.Client {
  ListModels(argument: _hera_gateway_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hera_gateway_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hera_gateway_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _hera_gateway_v1_ListModelsRequest, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_gateway_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_gateway_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_gateway_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _hera_gateway_v1_ListModelsRequest, callback: grpc.requestCallback<_hera_gateway_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
  Rank(argument: _hera_gateway_v1_RankRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  Rank(argument: _hera_gateway_v1_RankRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  Rank(argument: _hera_gateway_v1_RankRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  Rank(argument: _hera_gateway_v1_RankRequest, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  rank(argument: _hera_gateway_v1_RankRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  rank(argument: _hera_gateway_v1_RankRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  rank(argument: _hera_gateway_v1_RankRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  rank(argument: _hera_gateway_v1_RankRequest, callback: grpc.requestCallback<_hera_gateway_v1_RankResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RankingServiceHandlers extends grpc.UntypedServiceImplementation {
  ListModels: grpc.handleUnaryCall<_hera_gateway_v1_ListModelsRequest__Output, _hera_gateway_v1_ListModelsResponse>;
  
  Rank: grpc.handleUnaryCall<_hera_gateway_v1_RankRequest__Output, _hera_gateway_v1_RankResponse>;
  
}

export interface RankingServiceDefinition extends grpc.ServiceDefinition {
  ListModels: MethodDefinition<_hera_gateway_v1_ListModelsRequest, _hera_gateway_v1_ListModelsResponse, _hera_gateway_v1_ListModelsRequest__Output, _hera_gateway_v1_ListModelsResponse__Output>
  Rank: MethodDefinition<_hera_gateway_v1_RankRequest, _hera_gateway_v1_RankResponse, _hera_gateway_v1_RankRequest__Output, _hera_gateway_v1_RankResponse__Output>
}
