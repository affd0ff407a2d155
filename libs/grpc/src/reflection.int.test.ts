/**
 * Server reflection against a real server on port 0, through a real reflection
 * client call (grpc.reflection.v1.ServerReflection/ServerReflectionInfo): it lists
 * every service the server answers, health and reflection included, and describes
 * grpc.health.v1.Health (it used to list only ours, so grpcurl could not describe health).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { silentLogger } from '@hera/logger';
import { services } from '@hera/proto';
import { closeServer, startServer, type RunningServer } from './server';

let running: RunningServer;

before(async () => {
  running = await startServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLogger(),
    services: [{ name: 'hera.placement.v1.PlacementService', definition: services().placement, implementation: {} }],
  });
  running.setServing('SERVING');
});
after(() => closeServer(running.server, 1_000));

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** One request on a fresh ServerReflectionInfo stream, as grpcurl does it. */
async function reflect(request: Record<string, string>): Promise<ReflectionResponse> {
  const dir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
  const def = protoLoader.loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [dir], oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(running.address, grpc.credentials.createInsecure());
  try {
    return await new Promise<ReflectionResponse>((resolve, reject) => {
      const call = (
        client as unknown as { serverReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> }
      ).serverReflectionInfo();
      call.on('data', (m: ReflectionResponse) => {
        resolve(m);
        call.end();
      });
      call.on('error', reject);
      call.write(request);
    });
  } finally {
    client.close();
  }
}

describe('server reflection', () => {
  it('lists every service the server answers: ours, health and reflection', async () => {
    const res = await reflect({ listServices: '' });
    const names = res.listServicesResponse?.service.map(s => s.name).sort();
    assert.deepEqual(names, [
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'hera.placement.v1.PlacementService',
    ]);
  });

  it('describes grpc.health.v1.Health (file_containing_symbol)', async () => {
    const res = await reflect({ fileContainingSymbol: 'grpc.health.v1.Health' });
    assert.equal(res.errorResponse, undefined, res.errorResponse?.errorMessage);
    const files = res.fileDescriptorResponse?.fileDescriptorProto ?? [];
    assert.ok(files.length >= 1);
    const text = Buffer.concat(files).toString('latin1');
    // The descriptor names its package, service, both methods and their messages.
    for (const s of ['grpc.health.v1', 'Health', 'Check', 'Watch', 'HealthCheckRequest'])
      assert.ok(text.includes(s), `descriptor lacks ${s}`);
  });
});
