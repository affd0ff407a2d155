import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger } from '@hera/logger';
import { loadProtos } from '@hera/proto';

export interface ServiceBinding {
  /** Fully qualified name used for health, e.g. "hera.gateway.v1.RankingService". */
  name: string;
  definition: grpc.ServiceDefinition;
  /**
   * Handlers by method name. A method left out answers UNIMPLEMENTED (grpc-js
   * does that for us), which is the honest answer for an RPC not built yet.
   */
  implementation: { [method: string]: grpc.UntypedHandleCall | undefined };
}

export interface StartServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  log: Logger;
  services: readonly ServiceBinding[];
  /** Extra grpc-js server options. */
  options?: grpc.ServerOptions;
}

export interface RunningServer {
  server: grpc.Server;
  port: number;
  /** host:port as bound. */
  address: string;
  health: HealthImplementation;
  /** Sets the status of every service and of "" (the whole server). */
  setServing(status: ServingStatus): void;
}

/** Largest message we accept: a 1024-item query of the widest zoo model is ~2 MB. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Binds a grpc-js server with our services, `grpc.health.v1.Health` (every service
 * starts NOT_SERVING; call setServing('SERVING') once ready) and server reflection
 * (so grpcurl and Postman can discover the API).
 */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    ...opts.options,
  });
  const names = ['', ...opts.services.map(s => s.name)];
  const health = new HealthImplementation(Object.fromEntries(names.map(n => [n, 'NOT_SERVING' as const])));
  health.addToServer(server);
  for (const s of opts.services) server.addService(s.definition, s.implementation as grpc.UntypedServiceImplementation);
  new ReflectionService(loadProtos().definition, { services: opts.services.map(s => s.name) }).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new Error(`cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })) : resolve(p),
    );
  });
  const address = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.log.info({ address, services: opts.services.map(s => s.name) }, 'gRPC server listening');
  return {
    server,
    port,
    address,
    health,
    setServing: status => {
      for (const n of names) health.setStatus(n, status);
    },
  };
}

/**
 * Stops accepting calls and waits for in-flight ones; after `graceMs` cancels
 * what is left. Resolves either way. Idempotent.
 */
export function closeServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
