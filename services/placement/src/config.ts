import { commonEnv, defineConfig, port, z } from '@hera/config';

export const PlacementConfigSchema = z.object({
  ...commonEnv,
  GRPC_PORT: port(50053),
});

export type PlacementConfig = z.infer<typeof PlacementConfigSchema>;
export const loadConfig = defineConfig('placement', PlacementConfigSchema);
