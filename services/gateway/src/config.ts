import { commonEnv, defineConfig, port, z } from '@hera/config';

export const GatewayConfigSchema = z.object({
  ...commonEnv,
  GRPC_PORT: port(50051),
});

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export const loadConfig = defineConfig('gateway', GatewayConfigSchema);
