import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ImportModelChunk as _hera_placement_v1_ImportModelChunk, ImportModelChunk__Output as _hera_placement_v1_ImportModelChunk__Output } from './hera/placement/v1/ImportModelChunk';
import type { ImportModelHeader as _hera_placement_v1_ImportModelHeader, ImportModelHeader__Output as _hera_placement_v1_ImportModelHeader__Output } from './hera/placement/v1/ImportModelHeader';
import type { ImportModelRequest as _hera_placement_v1_ImportModelRequest, ImportModelRequest__Output as _hera_placement_v1_ImportModelRequest__Output } from './hera/placement/v1/ImportModelRequest';
import type { ImportModelResponse as _hera_placement_v1_ImportModelResponse, ImportModelResponse__Output as _hera_placement_v1_ImportModelResponse__Output } from './hera/placement/v1/ImportModelResponse';
import type { LoadModelRequest as _hera_placement_v1_LoadModelRequest, LoadModelRequest__Output as _hera_placement_v1_LoadModelRequest__Output } from './hera/placement/v1/LoadModelRequest';
import type { LoadModelResponse as _hera_placement_v1_LoadModelResponse, LoadModelResponse__Output as _hera_placement_v1_LoadModelResponse__Output } from './hera/placement/v1/LoadModelResponse';
import type { ModelRegistryServiceClient as _hera_placement_v1_ModelRegistryServiceClient, ModelRegistryServiceDefinition as _hera_placement_v1_ModelRegistryServiceDefinition } from './hera/placement/v1/ModelRegistryService';
import type { RegistryListRequest as _hera_placement_v1_RegistryListRequest, RegistryListRequest__Output as _hera_placement_v1_RegistryListRequest__Output } from './hera/placement/v1/RegistryListRequest';
import type { RegistryListResponse as _hera_placement_v1_RegistryListResponse, RegistryListResponse__Output as _hera_placement_v1_RegistryListResponse__Output } from './hera/placement/v1/RegistryListResponse';
import type { RegistryModel as _hera_placement_v1_RegistryModel, RegistryModel__Output as _hera_placement_v1_RegistryModel__Output } from './hera/placement/v1/RegistryModel';
import type { RegistryVersion as _hera_placement_v1_RegistryVersion, RegistryVersion__Output as _hera_placement_v1_RegistryVersion__Output } from './hera/placement/v1/RegistryVersion';
import type { UnloadModelRequest as _hera_placement_v1_UnloadModelRequest, UnloadModelRequest__Output as _hera_placement_v1_UnloadModelRequest__Output } from './hera/placement/v1/UnloadModelRequest';
import type { UnloadModelResponse as _hera_placement_v1_UnloadModelResponse, UnloadModelResponse__Output as _hera_placement_v1_UnloadModelResponse__Output } from './hera/placement/v1/UnloadModelResponse';
import type { VersionPolicy as _hera_placement_v1_VersionPolicy, VersionPolicy__Output as _hera_placement_v1_VersionPolicy__Output } from './hera/placement/v1/VersionPolicy';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hera: {
    placement: {
      v1: {
        ImportModelChunk: MessageTypeDefinition<_hera_placement_v1_ImportModelChunk, _hera_placement_v1_ImportModelChunk__Output>
        ImportModelHeader: MessageTypeDefinition<_hera_placement_v1_ImportModelHeader, _hera_placement_v1_ImportModelHeader__Output>
        ImportModelRequest: MessageTypeDefinition<_hera_placement_v1_ImportModelRequest, _hera_placement_v1_ImportModelRequest__Output>
        ImportModelResponse: MessageTypeDefinition<_hera_placement_v1_ImportModelResponse, _hera_placement_v1_ImportModelResponse__Output>
        LoadModelRequest: MessageTypeDefinition<_hera_placement_v1_LoadModelRequest, _hera_placement_v1_LoadModelRequest__Output>
        LoadModelResponse: MessageTypeDefinition<_hera_placement_v1_LoadModelResponse, _hera_placement_v1_LoadModelResponse__Output>
        ModelRegistryService: SubtypeConstructor<typeof grpc.Client, _hera_placement_v1_ModelRegistryServiceClient> & { service: _hera_placement_v1_ModelRegistryServiceDefinition }
        RegistryListRequest: MessageTypeDefinition<_hera_placement_v1_RegistryListRequest, _hera_placement_v1_RegistryListRequest__Output>
        RegistryListResponse: MessageTypeDefinition<_hera_placement_v1_RegistryListResponse, _hera_placement_v1_RegistryListResponse__Output>
        RegistryModel: MessageTypeDefinition<_hera_placement_v1_RegistryModel, _hera_placement_v1_RegistryModel__Output>
        RegistryVersion: MessageTypeDefinition<_hera_placement_v1_RegistryVersion, _hera_placement_v1_RegistryVersion__Output>
        UnloadModelRequest: MessageTypeDefinition<_hera_placement_v1_UnloadModelRequest, _hera_placement_v1_UnloadModelRequest__Output>
        UnloadModelResponse: MessageTypeDefinition<_hera_placement_v1_UnloadModelResponse, _hera_placement_v1_UnloadModelResponse__Output>
        VersionPolicy: MessageTypeDefinition<_hera_placement_v1_VersionPolicy, _hera_placement_v1_VersionPolicy__Output>
      }
    }
  }
}

