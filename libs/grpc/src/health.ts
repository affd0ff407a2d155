import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import { channelCredentials, channelSecurityOptions } from './security';

interface HealthClient extends grpc.Client {
  check(
    req: { service: string },
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ): grpc.ClientUnaryCall;
}

let HealthCtor:
  (new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => HealthClient) | undefined;

/**
 * Asks a server's grpc.health.v1.Health/Check for `service` ("" = the whole
 * server). Resolves to "SERVING", "NOT_SERVING", "UNKNOWN", "SERVICE_UNKNOWN" or
 * "UNREACHABLE" (connection failed or timed out); never rejects.
 */
export async function checkHealth(address: string, service = '', timeoutMs = 1_000): Promise<string> {
  return (await probeHealth(address, service, timeoutMs)).status;
}

/** checkHealth, with why a probe that got no status failed (the gRPC error, e.g. a timeout or a refused connection). */
export async function probeHealth(
  address: string,
  service = '',
  timeoutMs = 1_000,
): Promise<{ status: string; detail?: string }> {
  if (!HealthCtor) {
    const def = protoLoader.loadSync(protoPath, { keepCase: true, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: { health: { v1: { Health: typeof HealthCtor } } };
    };
    HealthCtor = pkg.grpc.health.v1.Health;
  }
  const client = new HealthCtor!(address, channelCredentials(), channelSecurityOptions());
  try {
    return await new Promise(resolve =>
      client.check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err)
          resolve(
            err.code === grpc.status.NOT_FOUND
              ? { status: 'SERVICE_UNKNOWN' }
              : { status: 'UNREACHABLE', detail: `${grpc.status[err.code]}: ${err.details}` },
          );
        else resolve({ status: res?.status ?? 'UNKNOWN' });
      }),
    );
  } finally {
    client.close();
  }
}
