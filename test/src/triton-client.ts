import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Triton's public protos, kept as they are (test/fixtures/triton/README.md). */
const FIXTURES = join(__dirname, '..', 'fixtures', 'triton');

/** A message of the Triton client: untyped (generated at run time), plain objects. */
export type Msg = Record<string, any>;

type UnaryFn = (req: Msg, opts: grpc.CallOptions, cb: grpc.requestCallback<Msg>) => grpc.ClientUnaryCall;

/** Triton's service, as its own proto describes it (snake_case fields, as its Python client sends). */
export function tritonClient(address: string): grpc.Client {
  const def = protoLoader.loadSync('grpc_service.proto', {
    includeDirs: [FIXTURES],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    inference: { GRPCInferenceService: grpc.ServiceClientConstructor };
  };
  return new pkg.inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
}

/** One unary call of a Triton client; rejects with the gRPC error. */
export function tritonCall(client: grpc.Client, method: string, req: Msg, deadlineMs = 30_000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, UnaryFn>)[method]!;
    fn.call(client, req, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}
