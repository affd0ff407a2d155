import { commonEnv, defineConfig, port, z } from '@hera/config';

export const GatewayConfigSchema = z.object({
  ...commonEnv,
  GRPC_PORT: port(50051),
  /** Largest number of candidate items in one query. */
  MAX_ITEMS: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  /** A query without a deadline gets SLA × this (the SLA is a p95 target, not a hard limit). */
  DEFAULT_DEADLINE_SLA_MULTIPLE: z.coerce.number().positive().max(100).default(2),
  /** Shed queries the queued work cannot finish before their deadline (RESOURCE_EXHAUSTED). */
  ADMISSION_CONTROL: z.enum(['on', 'off']).default('on'),
  /** Safety refresh of the routing table, on top of pub/sub invalidation. */
  ROUTING_REFRESH_MS: z.coerce.number().int().min(100).default(2_000),
  /** Validate dense values and id ranges at the gateway (workers check again). */
  VALIDATE_VALUES: z.enum(['on', 'off']).default('on'),
  /** Queries of one ModelStreamInfer call running at once; past it the stream is not read. */
  STREAM_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(64),
  /**
   * host:port of placement's ModelRegistryService, for Triton's RepositoryModelLoad/Unload; unset:
   * the serving placement instance the cluster's service records in Redis name.
   */
  PLACEMENT_ADDR: z.string().min(1).optional(),
});

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export const loadConfig = defineConfig('gateway', GatewayConfigSchema);
