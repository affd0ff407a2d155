import { HeraError, invalidArgument } from '@hera/errors';
import { unary, type ServiceBinding } from '@hera/grpc';
import type { Logger } from '@hera/logger';
import { services, type ProfilerServiceHandlers } from '@hera/proto';
import type { ProfileStore } from '@hera/state';

/** hera.profiler.v1.ProfilerService. */
export function profilerService(profiles: ProfileStore, log: Logger): ServiceBinding {
  const impl: Partial<ProfilerServiceHandlers> = {
    GetProfile: unary(log, 'GetProfile', async req => {
      if (!req.model) throw invalidArgument('model', 'must not be empty');
      if (!req.nodeClass) throw invalidArgument('node_class', 'must not be empty');
      const profile = await profiles.get(req.nodeClass, req.model);
      if (!profile) throw new HeraError('NOT_FOUND', `no profile of ${req.model} on node class ${req.nodeClass}`);
      return { profile };
    }),
    ListProfiles: unary(log, 'ListProfiles', async req => ({ profiles: await profiles.list(req.nodeClass) })),
  };
  return { name: 'hera.profiler.v1.ProfilerService', definition: services().profiler, implementation: impl };
}
