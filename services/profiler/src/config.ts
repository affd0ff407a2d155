import { commonEnv, defineConfig, port, z } from '@hera/config';

export const ProfilerConfigSchema = z.object({
  ...commonEnv,
  GRPC_PORT: port(50054),
});

export type ProfilerConfig = z.infer<typeof ProfilerConfigSchema>;
export const loadConfig = defineConfig('profiler', ProfilerConfigSchema);
