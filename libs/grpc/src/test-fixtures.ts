// Shared by this package's tests (libs/testing has the same for everyone else, but it depends on
// this package); not used in serving.
import * as grpc from '@grpc/grpc-js';

/** ['OK', ''], or the status name and details of the error a call rejected with. */
export async function code(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
    return ['OK', ''];
  } catch (err) {
    const e = err as grpc.ServiceError;
    return [grpc.status[e.code]!, e.details];
  }
}
